"""Demo data: builds a believable clinic (staff, patients, a family, a caregiver) to try the portal with.

Idempotent: every row is found by a stable natural key (email, slug, organization and MRN, ...) and
written only when it is missing or differs, so a second run changes nothing. Birth dates follow from
an age and a birthday, so the ages in the story stay right whenever the command runs.

Never load this on a server anyone else can reach: the password and the second-factor key are public.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import demo_builders
from portal.access import ADULT_AT
from portal.models import CareTeamMembership, Organization, Patient, ProxyGrant, Scope, StaffMember, StaffRole, User

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - public on purpose, like the key below
# Published on purpose so anyone can sign in as demo staff: the RFC 6238 test secret
# "12345678901234567890" (base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ, for an authenticator app).
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_DEVICE_NAME = "Demo authenticator"

HOME_SLUG = "lakeside"
CARDIOLOGY_SLUG = "riverside-cardiology"

# The people the login table points at.
PATIENT_EMAIL = "sarah.johnson@example.com"
PARENT_EMAIL = "michael.thompson@example.com"
TEEN_EMAIL = "emma.thompson@example.com"
SPANISH_EMAIL = "lucia.hernandez@example.com"
CAREGIVER_EMAIL = "karen.mitchell@example.com"
NURSE_EMAIL = "ana.lopez@lakeside.example"
FRONT_DESK_EMAIL = "jordan.reyes@lakeside.example"
OKAFOR = "samuel.okafor@lakeside.example"
CHEN = "emily.chen@lakeside.example"
MARTINEZ = "rosa.martinez@lakeside.example"
KIM = "david.kim@riversidecardiology.example"

# Medical record numbers of the patients in the proxy stories.
MRN_PARENT, MRN_TEEN, MRN_CHILD, MRN_ELDER = "LPC-100003", "LPC-100004", "LPC-100005", "LPC-100006"

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass(frozen=True)
class OrganizationSpec:
    slug: str
    name: str
    kind: str
    phone: str
    mrn_system: str


@dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    role: str
    credentials: str = ""
    organization: str = HOME_SLUG


@dataclass(frozen=True)
class PatientSpec:
    mrn: str
    given_name: str
    family_name: str
    gender: str
    age: int
    birthday: tuple[int, int]  # (month, day); the year follows from the age
    physician: str  # the primary physician's email
    language: str = "en"
    email: str = ""  # set for patients who have their own login
    phone: str = ""
    address: str = ""
    specialists: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProxySpec:
    mrn: str
    grantee: str
    grantee_name: str
    relationship: str
    scopes: tuple[str, ...]
    is_guardian: bool


@dataclass(frozen=True)
class DemoLogin:
    who: str
    email: str
    note: str


Kind = Organization.Kind
Gender = Patient.Gender

ORGANIZATIONS = (
    OrganizationSpec(HOME_SLUG, "Lakeside Primary Care", Kind.HOME_CLINIC, "(312) 555-0100", "urn:demo:lakeside:mrn"),
    OrganizationSpec(
        CARDIOLOGY_SLUG, "Riverside Cardiology", Kind.SPECIALTY, "(312) 555-0180", "urn:demo:riverside:mrn"
    ),
    OrganizationSpec("northgate-labs", "Northgate Laboratories", Kind.LAB, "(312) 555-0150", "urn:demo:northgate:mrn"),
    OrganizationSpec(
        "st-marys-regional", "St. Mary's Regional Hospital", Kind.HOSPITAL, "(312) 555-0120", "urn:demo:stmarys:mrn"
    ),
)

STAFF = (
    StaffSpec(FRONT_DESK_EMAIL, "Jordan Reyes", StaffRole.FRONT_DESK),
    StaffSpec("priya.shah@lakeside.example", "Priya Shah", StaffRole.MEDICAL_ASSISTANT, "CMA"),
    StaffSpec(NURSE_EMAIL, "Ana Lopez", StaffRole.NURSE, "RN"),
    StaffSpec(OKAFOR, "Samuel Okafor", StaffRole.PHYSICIAN, "MD"),
    StaffSpec(CHEN, "Emily Chen", StaffRole.PHYSICIAN, "MD"),
    StaffSpec(MARTINEZ, "Rosa Martínez", StaffRole.PHYSICIAN, "MD"),
    StaffSpec("grace.walker@lakeside.example", "Grace Walker", StaffRole.BILLING),
    StaffSpec("marcus.bell@lakeside.example", "Marcus Bell", StaffRole.ADMINISTRATOR),
    StaffSpec(KIM, "David Kim", StaffRole.PHYSICIAN, "MD", organization=CARDIOLOGY_SLUG),
)

F, M, X = Gender.FEMALE, Gender.MALE, Gender.OTHER
# fmt: off
PATIENTS = (
    PatientSpec("LPC-100001", "Sarah", "Johnson", F, 45, (3, 14), OKAFOR, email=PATIENT_EMAIL,
                phone="(312) 555-0142", address="418 Maple Street, Chicago, IL 60614"),
    PatientSpec("LPC-100002", "Lucía", "Hernández", F, 52, (9, 2), MARTINEZ, language="es", email=SPANISH_EMAIL,
                phone="(312) 555-0167", address="2210 West 18th Street, Chicago, IL 60608"),
    PatientSpec(MRN_PARENT, "Michael", "Thompson", M, 44, (6, 21), CHEN, email=PARENT_EMAIL,
                phone="(312) 555-0119", address="77 Lake View Avenue, Chicago, IL 60657"),
    PatientSpec(MRN_TEEN, "Emma", "Thompson", F, 15, (4, 9), CHEN, email=TEEN_EMAIL,
                address="77 Lake View Avenue, Chicago, IL 60657"),
    PatientSpec(MRN_CHILD, "Noah", "Thompson", M, 8, (11, 30), CHEN, address="77 Lake View Avenue, Chicago, IL 60657"),
    PatientSpec(MRN_ELDER, "Dorothy", "Williams", F, 84, (1, 17), OKAFOR, phone="(312) 555-0103",
                address="1500 North Sheridan Road, Apt 4B, Chicago, IL 60660", specialists=(KIM,)),
    PatientSpec("LPC-100007", "Robert", "Brown", M, 67, (8, 5), OKAFOR, specialists=(KIM,)),
    PatientSpec("LPC-100008", "James", "Wilson", M, 58, (12, 11), CHEN),
    PatientSpec("LPC-100009", "Linda", "Davis", F, 71, (2, 23), OKAFOR, specialists=(KIM,)),
    PatientSpec("LPC-100010", "José", "Martínez", M, 63, (5, 1), MARTINEZ, language="es"),
    PatientSpec("LPC-100011", "Carmen", "Ruiz", F, 38, (10, 19), MARTINEZ, language="es"),
    PatientSpec("LPC-100012", "Aisha", "Patel", F, 29, (7, 7), CHEN),
    PatientSpec("LPC-100013", "Kevin", "Nguyen", M, 34, (3, 28), OKAFOR),
    PatientSpec("LPC-100014", "Olivia", "Smith", F, 22, (9, 15), CHEN),
    PatientSpec("LPC-100015", "Daniel", "Anderson", M, 50, (1, 4), OKAFOR),
    PatientSpec("LPC-100016", "Fatima", "Ahmed", F, 41, (6, 3), CHEN),
    PatientSpec("LPC-100017", "Miguel", "Torres", M, 19, (8, 26), MARTINEZ, language="es"),
    PatientSpec("LPC-100018", "Alex", "Morgan", X, 31, (11, 12), CHEN),
    PatientSpec("LPC-100019", "Harold", "Jenkins", M, 88, (4, 30), OKAFOR, specialists=(KIM,)),
    PatientSpec("LPC-100020", "Guadalupe", "Flores", F, 76, (12, 24), MARTINEZ, language="es"),
)
# fmt: on

ALL_SCOPES = tuple(Scope.values)
PROXIES = (
    ProxySpec(MRN_TEEN, PARENT_EMAIL, "Michael Thompson", "Father", ALL_SCOPES, is_guardian=True),
    ProxySpec(MRN_CHILD, PARENT_EMAIL, "Michael Thompson", "Father", ALL_SCOPES, is_guardian=True),
    ProxySpec(
        MRN_ELDER,
        CAREGIVER_EMAIL,
        "Karen Mitchell",
        "Daughter",
        (Scope.RECORDS, Scope.MESSAGING, Scope.SCHEDULING, Scope.REFILLS),
        is_guardian=False,
    ),
)

# People with a login who are neither staff nor patients.
CAREGIVERS = ((CAREGIVER_EMAIL, "Karen Mitchell", "(312) 555-0188"),)

DEMO_LOGINS = (
    DemoLogin("Patient", PATIENT_EMAIL, "adult patient of Dr. Okafor"),
    DemoLogin("Caregiver", CAREGIVER_EMAIL, "proxy for her mother Dorothy Williams (84)"),
    DemoLogin("Parent", PARENT_EMAIL, "patient; guardian of Emma (15) and Noah (8)"),
    DemoLogin("Teen", TEEN_EMAIL, "Emma (15): her anxiety care is hidden from her father"),
    DemoLogin("Spanish-speaking", SPANISH_EMAIL, "patient; portal in Spanish"),
    DemoLogin("Nurse", NURSE_EMAIL, f"second factor: run `make otp EMAIL={NURSE_EMAIL}`"),
)


class Tally:
    """What a run created and changed, by model name."""

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()

    def summary(self) -> str:
        if not self.created and not self.updated:
            return "Demo clinic already up to date: nothing changed."
        parts = [f"{name} +{count}" for name, count in sorted(self.created.items())]
        parts += [f"{name} ~{count}" for name, count in sorted(self.updated.items())]
        return "Demo clinic ready (+ created, ~ updated): " + ", ".join(parts)


def upsert(
    tally: Tally,
    model: type[ModelT],
    lookup: dict[str, Any],
    values: dict[str, Any],
    create_only: dict[str, Any] | None = None,
) -> ModelT:
    """Find by `lookup`; create with `values` and `create_only`, or save just the `values` that differ."""
    obj, created = model._default_manager.get_or_create(**lookup, defaults={**values, **(create_only or {})})
    if created:
        tally.created[model.__name__] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        tally.updated[model.__name__] += 1
    return obj


def birth_date_for(age: int, birthday: tuple[int, int], today: date) -> date:
    """The birth date on `birthday` that makes someone `age` years old today."""
    month, day = birthday
    had_birthday_this_year = (today.month, today.day) >= (month, day)
    return date(today.year - age - (0 if had_birthday_this_year else 1), month, day)


def demo_password_hash() -> str:
    """One hash shared by every demo user, so a rerun checks the password once rather than once per user."""
    emails = [spec.email for spec in STAFF]
    existing = User.objects.filter(email__in=emails).values_list("password", flat=True).first()
    if existing and check_password(DEMO_PASSWORD, existing):
        return existing
    return make_password(DEMO_PASSWORD)


def ensure_user(
    tally: Tally,
    password_hash: str,
    email: str,
    full_name: str,
    *,
    language: str = "en",
    phone: str = "",
    admin: bool = False,
) -> User:
    """An active user with the demo password and a verified primary email, so they can sign in at once."""
    user = upsert(
        tally,
        User,
        {"email": email},
        {
            "full_name": full_name,
            "language": language,
            "phone": phone,
            "password": password_hash,
            "is_active": True,
            "is_staff": admin,
            "is_superuser": admin,
        },
    )
    upsert(tally, EmailAddress, {"user": user, "email": email}, {"verified": True, "primary": True})
    return user


def ensure_organizations(tally: Tally) -> dict[str, Organization]:
    return {
        spec.slug: upsert(
            tally,
            Organization,
            {"slug": spec.slug},
            {
                "name": spec.name,
                "kind": spec.kind,
                "phone": spec.phone,
                "time_zone": "America/Chicago",
                "mrn_system": spec.mrn_system,
            },
        )
        for spec in ORGANIZATIONS
    }


def ensure_staff(tally: Tally, password_hash: str, organizations: dict[str, Organization]) -> dict[str, StaffMember]:
    """Every staff role, each with a confirmed authenticator on the published demo key."""
    staff = {}
    for spec in STAFF:
        is_admin = spec.role == StaffRole.ADMINISTRATOR
        user = ensure_user(tally, password_hash, spec.email, spec.full_name, admin=is_admin)
        upsert(tally, TOTPDevice, {"user": user, "name": DEMO_DEVICE_NAME}, {"key": DEMO_TOTP_KEY, "confirmed": True})
        staff[spec.email] = upsert(
            tally,
            StaffMember,
            {"user": user, "organization": organizations[spec.organization], "role": spec.role},
            {"credentials": spec.credentials, "is_active": True},
        )
    return staff


def ensure_care_team(tally: Tally, patient: Patient, primary: StaffMember, specialists: list[StaffMember]) -> None:
    # Only one primary per patient (a constraint): step the old one down before naming the new one.
    others = CareTeamMembership.objects.filter(patient=patient, is_primary=True).exclude(staff=primary)
    if stepped_down := others.update(is_primary=False):
        tally.updated[CareTeamMembership.__name__] += stepped_down
    upsert(tally, CareTeamMembership, {"patient": patient, "staff": primary}, {"is_primary": True})
    for specialist in specialists:
        upsert(tally, CareTeamMembership, {"patient": patient, "staff": specialist}, {"is_primary": False})


def ensure_patients(
    tally: Tally, password_hash: str, home: Organization, staff: dict[str, StaffMember], today: date
) -> dict[str, Patient]:
    patients = {}
    for spec in PATIENTS:
        full_name = f"{spec.given_name} {spec.family_name}"
        user = (
            ensure_user(tally, password_hash, spec.email, full_name, language=spec.language, phone=spec.phone)
            if spec.email
            else None
        )
        values = {
            "given_name": spec.given_name,
            "family_name": spec.family_name,
            "birth_date": birth_date_for(spec.age, spec.birthday, today),
            "gender": spec.gender,
            "preferred_language": spec.language,
            "phone": spec.phone,
            "address": spec.address,
        }
        if user is not None:
            # Only demo logins are set, so a record someone linked while trying the portal stays linked.
            values.update(user=user, email=spec.email)
        patient = upsert(tally, Patient, {"home_organization": home, "mrn": spec.mrn}, values)
        ensure_care_team(tally, patient, staff[spec.physician], [staff[email] for email in spec.specialists])
        patients[spec.mrn] = patient
    return patients


def ensure_proxies(
    tally: Tally, password_hash: str, patients: dict[str, Patient], granted_by: User, today: date
) -> None:
    """Active grants as if staff had set them up from a signed form: no invitation step, no emails."""
    for email, full_name, phone in CAREGIVERS:
        ensure_user(tally, password_hash, email, full_name, phone=phone)
    now = timezone.now()
    for spec in PROXIES:
        patient = patients[spec.mrn]
        # A revoked or ended demo grant stays in the history; the rerun adds a fresh active one.
        upsert(
            tally,
            ProxyGrant,
            {"patient": patient, "grantee": User.objects.get(email=spec.grantee), "status": ProxyGrant.Status.ACTIVE},
            {
                "invited_email": spec.grantee,
                "invited_name": spec.grantee_name,
                "relationship": spec.relationship,
                "scopes": list(spec.scopes),
                "is_guardian": spec.is_guardian,
                "made_on_minor": patient.age_on(today) < ADULT_AT,
                "ends_at": None,
                "granted_by": granted_by,
            },
            create_only={"invited_at": now, "invitation_expires_at": now, "accepted_at": now},
        )


@transaction.atomic
def build_demo_clinic(today: date | None = None) -> Tally:
    """Create or bring up to date the whole demo clinic; returns what changed."""
    today = today or timezone.localdate()
    tally = Tally()
    password_hash = demo_password_hash()
    organizations = ensure_organizations(tally)
    staff = ensure_staff(tally, password_hash, organizations)
    patients = ensure_patients(tally, password_hash, organizations[HOME_SLUG], staff, today)
    ensure_proxies(tally, password_hash, patients, staff[FRONT_DESK_EMAIL].user, today)
    # Then each app's stories on these people, in the order the apps registered (portal/demo_builders.py):
    # the records through the importer, then the conversations and the visits.
    clinic = demo_builders.DemoClinic(home=organizations[HOME_SLUG], staff=staff, patients=patients, today=today)
    for build in demo_builders.builders():
        changes = build(clinic)
        tally.created += changes.created
        tally.updated += changes.updated
    return tally


def login_table() -> str:
    """The demo sign-ins, for the end of this command and for `runportal`."""
    width = max(len(login.who) for login in DEMO_LOGINS)
    email_width = max(len(login.email) for login in DEMO_LOGINS)
    rows = [f"  {login.who:<{width}}  {login.email:<{email_width}}  {login.note}" for login in DEMO_LOGINS]
    return "\n".join(
        [
            f"Demo logins (password for all: {DEMO_PASSWORD}):",
            *rows,
            "  Staff second factor: `python manage.py demo_otp <email>` prints the current code;",
            "  or add the demo key GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ to an authenticator app.",
        ]
    )


class Command(BaseCommand):
    help = "Create or update the demo clinic: staff, patients, a family and a caregiver. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        tally = build_demo_clinic()
        if not quiet:
            self.stdout.write(tally.summary())
            self.stdout.write("")
            self.stdout.write(login_table())
