"""Demo scheduling at the home clinic: a location, six visit types whose rules decide what each demo
patient may book, weekday hours for the three physicians, past visits that make some patients
"established", and a few upcoming visits booked by the front desk through the real services.

Idempotent: configuration rows are found by natural keys; a past visit is added only when the
patient has none; an upcoming visit only when the patient has no upcoming visit of that type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from portal.access import Action, resolve
from portal.demo_builders import DemoChanges, DemoClinic
from portal.models import Organization, Patient, StaffMember
from portal.services.errors import ServiceError
from scheduling.models import (
    Appointment,
    AvailabilityTemplate,
    Location,
    ProviderOffering,
    SchedulingSettings,
    VisitType,
    VisitTypeQuestionnaire,
)
from scheduling.services.booking import appointment_book
from scheduling.services.questionnaires import builtin_questionnaires

PHYSICIANS = ("samuel.okafor@lakeside.example", "emily.chen@lakeside.example", "rosa.martinez@lakeside.example")
FRONT_DESK = "jordan.reyes@lakeside.example"
Mode, Modality = VisitType.BookingMode, VisitType.Modality


@dataclass(frozen=True)
class VisitTypeSpec:
    name: str
    name_es: str
    minutes: int
    rules: dict[str, object] = field(default_factory=dict)
    offered: bool = True  # by the three physicians


VISIT_TYPES = (
    VisitTypeSpec("Follow-up visit", "Visita de seguimiento", 30),
    VisitTypeSpec("Annual physical", "Examen físico anual", 60, {"established_only": True, "established_months": 24}),
    VisitTypeSpec(
        "New patient visit",
        "Primera visita",
        60,
        {
            "booking_mode": Mode.CALL,
            "call_reason": "we need your past records and insurance before your first visit",
            "call_reason_es": "necesitamos su historial y su seguro antes de la primera visita",
        },
    ),
    VisitTypeSpec("Sick visit", "Visita por enfermedad", 30, {"min_lead_minutes": 60, "max_horizon_days": 7}),
    VisitTypeSpec("Video visit", "Visita por video", 30, {"modality": Modality.VIDEO}),
    VisitTypeSpec(
        "Physical therapy",
        "Fisioterapia",
        45,
        {"booking_mode": Mode.REQUEST, "needs_referral": True},
        offered=False,
    ),
)

# (MRN, visit type, months ago): completed visits that make these patients established.
PAST_VISITS = (
    ("LPC-100001", "Annual physical", 8),
    ("LPC-100002", "Follow-up visit", 3),
    ("LPC-100006", "Follow-up visit", 2),
)
# (MRN, visit type, physician, days ahead): upcoming visits the front desk booked.
# (MRN, visit type, physician, days ahead, hour). The two with Dr Okafor have different hours:
# from a Wednesday, 10 days ahead is a Saturday, moved to the Monday that is also 12 days ahead.
UPCOMING = (
    ("LPC-100001", "Follow-up visit", "samuel.okafor@lakeside.example", 10, 10),
    # Two days ahead, so her online check-in is open in the demo.
    ("LPC-100002", "Video visit", "rosa.martinez@lakeside.example", 2, 10),
    ("LPC-100006", "Follow-up visit", "samuel.okafor@lakeside.example", 12, 11),
)
HOURS = ((time(9), time(12)), (time(13), time(17)))


def _weekday_at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=zone)


def ensure_configuration(
    organization: Organization, staff: dict[str, StaffMember], today: date, tally: Counter[str]
) -> tuple[Location, dict[str, VisitType]]:
    location, created = Location.objects.get_or_create(
        organization=organization,
        name="Lakeside main clinic",
        defaults={
            "address": "2400 North Lakeview Avenue, Chicago, IL 60614",
            "directions": "Free parking behind the building. Check in at the desk on the first floor.",
        },
    )
    tally["Location"] += int(created)
    _, created = SchedulingSettings.objects.get_or_create(organization=organization)
    tally["SchedulingSettings"] += int(created)
    visit_types = {}
    for spec in VISIT_TYPES:
        visit_type, created = VisitType.objects.get_or_create(
            organization=organization,
            name=spec.name,
            defaults={"name_es": spec.name_es, "duration_minutes": spec.minutes, **spec.rules},
        )
        tally["VisitType"] += int(created)
        visit_types[spec.name] = visit_type
        for email in PHYSICIANS if spec.offered else ():
            _, created = ProviderOffering.objects.get_or_create(
                provider=staff[email], visit_type=visit_type, location=location
            )
            tally["ProviderOffering"] += int(created)
    for email in PHYSICIANS:
        for weekday in range(5):
            for starts, ends in HOURS:
                _, created = AvailabilityTemplate.objects.get_or_create(
                    provider=staff[email],
                    location=location,
                    weekday=weekday,
                    starts=starts,
                    defaults={"ends": ends, "effective_from": date(today.year, 1, 1)},
                )
                tally["AvailabilityTemplate"] += int(created)
    return location, visit_types


def ensure_visits(
    location: Location,
    visit_types: dict[str, VisitType],
    staff: dict[str, StaffMember],
    patients: dict[str, Patient],
    today: date,
    tally: Counter[str],
) -> None:
    zone = ZoneInfo(location.organization.time_zone)
    now = timezone.now()
    for mrn, name, months in PAST_VISITS:
        patient = patients[mrn]
        if Appointment.objects.filter(patient=patient, status=Appointment.Status.COMPLETED).exists():
            continue
        starts = _weekday_at(today - timedelta(days=30 * months), 10, zone)
        visit_type = visit_types[name]
        Appointment.objects.create(
            organization=location.organization,
            patient=patient,
            provider=staff[PHYSICIANS[0]],
            location=location,
            visit_type=visit_type,
            during=DateTimeTZRange(starts, starts + timedelta(minutes=visit_type.duration_minutes)),
            status=Appointment.Status.COMPLETED,
            source=Appointment.Source.STAFF,
            booked_at=starts - timedelta(days=14),
            created_at=starts - timedelta(days=14),
            completed_at=starts + timedelta(minutes=visit_type.duration_minutes),
        )
        tally["Appointment"] += 1
    desk = staff[FRONT_DESK]
    for mrn, name, email, days, hour in UPCOMING:
        patient = patients[mrn]
        visit_type = visit_types[name]
        upcoming = Appointment.objects.filter(
            patient=patient, visit_type=visit_type, status=Appointment.Status.BOOKED, during__startswith__gt=now
        )
        access = resolve(desk.user, patient, Action.SCHEDULING)
        if upcoming.exists() or access is None:
            continue
        try:
            appointment_book(
                access=access,
                actor=desk.user,
                visit_type_id=visit_type.pk,
                provider_id=staff[email].pk,
                location_id=location.pk,
                starts_at=_weekday_at(today + timedelta(days=days), hour, zone),
            )
        except ServiceError:
            continue  # someone trying the portal took that time; the demo does without this visit
        tally["Appointment"] += 1


def build_demo_scheduling(clinic: DemoClinic) -> DemoChanges:
    """Set up scheduling at the demo home clinic; returns how many rows of each kind were created.
    Registered with the portal's demo builders (scheduling/apps.py)."""
    tally: Counter[str] = Counter()
    location, visit_types = ensure_configuration(clinic.home, clinic.staff, clinic.today, tally)
    ensure_questionnaires(visit_types, tally)
    ensure_visits(location, visit_types, clinic.staff, clinic.patients, clinic.today, tally)
    return DemoChanges(created=tally)


# Visit types whose patients answer the built-in PHQ-9 and GAD-7 before the visit (at check-in).
SCREENED_VISIT_TYPES = ("Annual physical", "Video visit")


def ensure_questionnaires(visit_types: dict[str, VisitType], tally: Counter[str]) -> None:
    builtins = builtin_questionnaires()
    for name in SCREENED_VISIT_TYPES:
        for position, questionnaire in enumerate(builtins, start=1):
            _, created = VisitTypeQuestionnaire.objects.get_or_create(
                visit_type=visit_types[name], questionnaire=questionnaire, defaults={"position": position}
            )
            tally["VisitTypeQuestionnaire"] += int(created)
