"""The access policy: the one place that decides who may do what with a patient's data.

Every view, API endpoint and task asks here. Nothing else checks roles.

Actors and what they get:
- the patient themself: everything about their own care;
- a proxy (caregiver): the scopes of an active, unexpired grant; while the
  patient is 12-17 a proxy never sees items marked confidential, and a grant
  made on a minor ends at 18 unless the patient renewed it;
- staff: patients of their organization, or patients whose care team they are
  on, for the actions their role needs;
- administrators: configuration only, no clinical data unless also staff.

Another patient's data answers 404 (`access_patient` raises Http404), so
the portal never confirms that someone else's record exists.

Code holding an `Access` asks it, never `acting_as` by hand: `require(action,
patient_side=..., staff_side=...)` (404 otherwise), `is_patient_side`,
`is_staff_side`, `staff_member()`; role sets come from `roles_allowing(action)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from portal.models import AuditEvent, CareTeamMembership, Patient, ProxyGrant, Scope, StaffMember, StaffRole, User

# Whoever is asking: a signed-in user or an anonymous visitor.
Actor = User | AnonymousUser


class Action:
    """What someone wants to do. The five proxy scopes, plus three actions of the portal itself."""

    RECORDS = Scope.RECORDS.value
    MESSAGING = Scope.MESSAGING.value
    SCHEDULING = Scope.SCHEDULING.value
    REFILLS = Scope.REFILLS.value
    BILLING = Scope.BILLING.value
    # See the person's name, age and home page: anyone with any access.
    PROFILE = "profile"
    # See the activity log: the patient, and proxies (filtered to their scopes).
    ACTIVITY = "activity"
    # Invite and revoke caregivers: the patient only (and staff for a child's guardian).
    SHARING = "sharing"


SCOPED_ACTIONS = frozenset(Scope.values)

# What each staff role may do with the patients it can reach.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    # Clinicians treat; the billing desk (accounts, adjustments, refunds, estimates) is the billing
    # role's: a nurse or physician has no business changing what a patient owes.
    StaffRole.PHYSICIAN: frozenset((SCOPED_ACTIONS - {Action.BILLING}) | {Action.PROFILE, Action.SHARING}),
    StaffRole.NURSE: frozenset((SCOPED_ACTIONS - {Action.BILLING}) | {Action.PROFILE, Action.SHARING}),
    StaffRole.MEDICAL_ASSISTANT: frozenset(
        {Action.RECORDS, Action.MESSAGING, Action.SCHEDULING, Action.REFILLS, Action.PROFILE}
    ),
    StaffRole.FRONT_DESK: frozenset({Action.MESSAGING, Action.SCHEDULING, Action.PROFILE, Action.SHARING}),
    # Billing staff answer billing questions, so they work with patients' messages (their inbox
    # shows only their pools' threads).
    StaffRole.BILLING: frozenset({Action.BILLING, Action.MESSAGING, Action.PROFILE}),
    StaffRole.ADMINISTRATOR: frozenset(),
}

MINOR_CONFIDENTIAL_FROM = 12
ADULT_AT = 18


def years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def active_grants(today: date | None = None) -> QuerySet[ProxyGrant]:
    """Grants that give access right now, whatever the sweep has or has not marked yet."""
    now = timezone.now()
    today = today or timezone.localdate()
    return ProxyGrant.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        status=ProxyGrant.Status.ACTIVE,
    ).exclude(made_on_minor=True, patient__birth_date__lte=years_ago(today, ADULT_AT))


def _staff_roles(user: User) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(user=user, is_active=True).select_related("organization")


def roles_allowing(action: str) -> tuple[str, ...]:
    """The staff roles whose work includes `action` (in ROLE_ACTIONS' order)."""
    return tuple(role for role, actions in ROLE_ACTIONS.items() if action in actions)


def patients_for(user: Actor, action: str) -> QuerySet[Patient]:
    """Every patient this user may do `action` for. Use it to scope any query of patient data."""
    if not isinstance(user, User) or not user.is_active:
        return Patient.objects.none()
    reach = Q(user=user)
    if action in SCOPED_ACTIONS or action in (Action.PROFILE, Action.ACTIVITY):
        grants = active_grants().filter(patient=OuterRef("pk"), grantee=user)
        if action in SCOPED_ACTIONS:
            grants = grants.filter(scopes__contains=[action])
        reach |= Q(Exists(grants))
    roles = roles_allowing(action)
    if roles:
        staff = StaffMember.objects.filter(user=user, is_active=True, role__in=roles)
        reach |= Q(home_organization__in=staff.values("organization"))
        reach |= Q(Exists(CareTeamMembership.objects.filter(patient=OuterRef("pk"), staff__in=staff.values("pk"))))
    return Patient.objects.filter(reach)


@dataclass(frozen=True)
class Access:
    """A permitted access: to whom, how the actor relates, and what must stay hidden."""

    patient: Patient
    acting_as: str
    action: str
    grant: ProxyGrant | None = None
    staff: StaffMember | None = None

    @property
    def hides_confidential(self) -> bool:
        """A caregiver of a 12-17-year-old never sees items marked confidential."""
        if self.acting_as != AuditEvent.ActingAs.PROXY:
            return False
        return self.patient.age_on(timezone.localdate()) >= MINOR_CONFIDENTIAL_FROM

    @property
    def scopes(self) -> frozenset[str]:
        if self.grant is not None:
            return frozenset(self.grant.scopes)
        return SCOPED_ACTIONS

    @property
    def is_patient_side(self) -> bool:
        """The patient or their caregiver: the people the patient's own pages are for."""
        return self.acting_as in PATIENT_SIDE

    @property
    def is_staff_side(self) -> bool:
        """A staff member of the patient's clinic or care team (`staff` is then set)."""
        return self.acting_as == AuditEvent.ActingAs.STAFF and self.staff is not None

    def require(self, action: str, *, patient_side: bool = False, staff_side: bool = False) -> None:
        """404 unless this access was granted for `action` (one granted for another action, or a
        caregiver without the scope, who never gets one, does not stand in for it), and, when
        asked, from that side: the other side has its own pages, and answers as a stranger."""
        if self.action != action:
            raise Http404
        if patient_side and not self.is_patient_side:
            raise Http404
        if staff_side and not self.is_staff_side:
            raise Http404

    def staff_member(self) -> StaffMember:
        """The staff member this access was granted to; 404 for the patient side."""
        if self.acting_as != AuditEvent.ActingAs.STAFF or self.staff is None:
            raise Http404
        return self.staff


# Who the patient's own pages are for: the patient and their caregivers.
PATIENT_SIDE = frozenset({AuditEvent.ActingAs.SELF, AuditEvent.ActingAs.PROXY})


def resolve(user: Actor, patient: Patient, action: str) -> Access | None:
    """How `user` may do `action` for `patient`, or None if they may not."""
    if not isinstance(user, User) or not user.is_active:
        return None
    if patient.user_id is not None and patient.user_id == user.pk:
        return Access(patient, AuditEvent.ActingAs.SELF, action)
    if action != Action.SHARING:
        grant = active_grants().filter(patient=patient, grantee=user).first()
        if grant is not None and (action not in SCOPED_ACTIONS or action in grant.scopes):
            return Access(patient, AuditEvent.ActingAs.PROXY, action, grant=grant)
    roles = roles_allowing(action)
    if roles:
        staff = (
            _staff_roles(user)
            .filter(role__in=roles)
            .filter(Q(organization_id=patient.home_organization_id) | Q(care_teams__patient=patient))
            .first()
        )
        if staff is not None:
            return Access(patient, AuditEvent.ActingAs.STAFF, action, staff=staff)
    return None


def access_patient(user: Actor, patient_id: object, action: str) -> Access:
    """The patient `patient_id` if `user` may do `action`; otherwise 404, never 403."""
    try:
        patient = Patient.objects.select_related("home_organization").get(pk=patient_id)  # type: ignore[misc]
    except (Patient.DoesNotExist, ValidationError, ValueError, TypeError) as missing:
        raise Http404 from missing
    access = resolve(user, patient, action)
    if access is None:
        raise Http404
    return access


def staff_actions(user: Actor) -> frozenset[str]:
    """Every action the user's active staff roles allow (administrators: none), to offer only
    the staff pages they can use."""
    if not isinstance(user, User) or not user.is_active:
        return frozenset()
    roles = _staff_roles(user).values_list("role", flat=True)
    return frozenset(action for role in roles for action in ROLE_ACTIONS.get(role, frozenset()))


def is_staff_user(user: Actor) -> bool:
    """Anyone holding an active staff role (administrators included).
    Remembered on the user object, which lives for one request."""
    if not isinstance(user, User):
        return False
    if not hasattr(user, "_is_staff_user"):
        user._is_staff_user = _staff_roles(user).exists()  # type: ignore[attr-defined]
    return bool(user._is_staff_user)  # type: ignore[attr-defined]


def has_second_factor(user: Actor) -> bool:
    """Whether the account has a confirmed second factor (remembered for the request)."""
    if not isinstance(user, User):
        return False
    if not hasattr(user, "_has_second_factor"):
        from django_otp import user_has_device

        user._has_second_factor = user_has_device(user, confirmed=True)  # type: ignore[attr-defined]
    return bool(user._has_second_factor)  # type: ignore[attr-defined]


def requires_second_factor(user: Actor) -> bool:
    """Staff and administrators must use a second factor; patients may choose to."""
    if not isinstance(user, User):
        return False
    return user.is_superuser or user.is_staff or is_staff_user(user)


def second_factor_passed(user: Actor) -> bool:
    """Whether this session entered a second factor (django-otp's middleware adds `is_verified`)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def second_factor_pending(user: Actor) -> bool:
    """Whether this session still owes a second factor: the account has one (or, being staff, must
    have one) and this session has not entered it. Such a session may only verify, or enrol the
    account's first device (portal.middleware.SecondFactorMiddleware is the gate)."""
    if not isinstance(user, User) or second_factor_passed(user):
        return False
    return has_second_factor(user) or requires_second_factor(user)


# Registration work: importing records from source systems and deciding uncertain patient matches.
# Identity, not clinical content: administrators and the front desk (registration) do it.
REGISTRATION_ROLES = frozenset({StaffRole.ADMINISTRATOR, StaffRole.FRONT_DESK})


def may_register(user: Actor) -> bool:
    """Whether this user may import records and decide patient matches."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or _staff_roles(user).filter(role__in=REGISTRATION_ROLES).exists()


# -- qualified clinicians ----------------------------------------------------------------------------
# Whose time may be billed, from their job and credentials (messaging.evisit_rules applies it to
# e-visits; the reading of CPT behind it is written there).


class Qualification(models.TextChoices):
    """Which codes a person's time counts toward, from their job and credentials."""

    PHYSICIAN_OR_APP = "em", gettext_lazy("Physician, nurse practitioner or physician assistant")
    OTHER_PROFESSIONAL = "qnhp", gettext_lazy("Other qualified health professional")
    NONE = "none", gettext_lazy("Not billable on their own")


# Nurse practitioners and physician assistants bill E/M like physicians (with MD/DO for
# physicians recorded under another role).
PHYSICIAN_OR_APP_CREDENTIALS = frozenset({"MD", "DO", "NP", "APRN", "FNP", "CNP", "PA", "PA-C"})
# Licensed professionals who may not report E/M services. "PHD" on a clinic's staff record is
# taken to mean a psychologist: correct the credentials where it does not.
OTHER_PROFESSIONAL_CREDENTIALS = frozenset(
    {
        "LCSW", "LICSW", "LMSW", "LMFT", "LPC", "LPCC", "LMHC",  # social work and counselling
        "PT", "DPT", "OT", "OTR", "OTR/L",  # physical and occupational therapy
        "RD", "RDN",  # dietitians
        "SLP", "CCC-SLP", "CCC-A", "AUD",  # speech-language pathology and audiology
        "PHD", "PSYD",  # psychologists
    }
)  # fmt: skip
# Whatever their credentials, these jobs are not clinical work.
NON_CLINICAL_ROLES = frozenset({StaffRole.FRONT_DESK, StaffRole.BILLING, StaffRole.ADMINISTRATOR})


def credentials_of(text: str) -> set[str]:
    """'M.D., PhD' -> {'MD', 'PHD'}; 'OTR/L' stays whole."""
    return {part.replace(".", "").upper() for part in re.split(r"[,;\s]+", text) if part.strip(" .")}


def qualification(staff: StaffMember) -> str:
    if staff.role in NON_CLINICAL_ROLES:
        return Qualification.NONE
    if staff.role == StaffRole.PHYSICIAN:
        return Qualification.PHYSICIAN_OR_APP
    held = credentials_of(staff.credentials)
    if held & PHYSICIAN_OR_APP_CREDENTIALS:
        return Qualification.PHYSICIAN_OR_APP
    if held & OTHER_PROFESSIONAL_CREDENTIALS:
        return Qualification.OTHER_PROFESSIONAL
    return Qualification.NONE


def sees_evisit_report(roles: Iterable[StaffMember]) -> bool:
    """Whether the e-visit billing report has anything for someone with these (active) jobs:
    billing staff see their practice's, qualified clinicians their own."""
    return any(role.role == StaffRole.BILLING or qualification(role) != Qualification.NONE for role in roles)
