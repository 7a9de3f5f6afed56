"""Reads for the staff scheduling pages: a provider's day or week, open requests, the waitlist,
open times to book, and the waitlist's acceptance rate. Lists across patients audit one view
event per patient row shown (a list is a disclosure), in one bulk insert, so each page costs the
same few queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.http import Http404

from portal import audit
from portal.access import Access, Action, roles_allowing
from portal.models import AuditEvent, Organization, Patient, StaffMember, User
from scheduling.models import Appointment, AppointmentRequest, Location, VisitType, WaitlistEntry, WaitlistOffer
from scheduling.services.common import require_staff
from scheduling.services.slots import Slot, find_slots

Status = Appointment.Status
SCHEDULING_ROLES = roles_allowing(Action.SCHEDULING)
# Shown on a schedule: everything that takes the provider's time except a patient's passing hold.
SHOWN = [Status.BOOKED, Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW]
SLOT_DAYS = 7


def scheduler(actor: User) -> StaffMember:
    """The actor's job at the clinic whose schedule they keep (404 for anyone without one)."""
    staff = (
        StaffMember.objects.select_related("organization")
        .filter(user=actor, is_active=True, role__in=SCHEDULING_ROLES)
        .order_by("pk")
        .first()
    )
    if staff is None:
        raise Http404
    return staff


def zone_of(organization: Organization) -> ZoneInfo:
    return ZoneInfo(organization.time_zone)


def require_clinic_staff(access: Access) -> StaffMember:
    """Staff of the patient's own clinic: a care-team clinician of another clinic reads the
    patient's visits elsewhere, but keeps no schedule here."""
    require_staff(access)
    staff = access.staff
    if staff is None or staff.organization_id != access.patient.home_organization_id:
        raise Http404
    return staff


def _audit_rows(actor: User, rows: Iterable[Model], patient_of: str = "patient") -> None:
    audit.record_list(
        (audit.Line(getattr(row, f"{patient_of}_id"), obj=row) for row in rows),
        actor=actor,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        scope=Action.SCHEDULING,
    )


def providers(organization: Organization) -> QuerySet[StaffMember]:
    """Who sees patients here: active staff offering at least one visit type."""
    return (
        StaffMember.objects.filter(organization=organization, is_active=True, offerings__isnull=False)
        .select_related("user")
        .distinct()
        .order_by("user__full_name", "pk")
    )


@dataclass
class Day:
    day: date
    appointments: list[Appointment]


def _waiting_changes() -> QuerySet[AppointmentRequest]:
    # A late cancellation or change the patient asked for, still waiting: the visit stays booked,
    # so whoever reads the day must see that the patient wants it otherwise.
    return AppointmentRequest.objects.filter(status=AppointmentRequest.Status.OPEN).order_by("created_at", "pk")


def schedule(*, actor: User, organization: Organization, provider: StaffMember, first: date, days: int) -> list[Day]:
    """The provider's visits, day by day from `first` (local dates), in time order, each with its
    waiting requests (`open_requests`: one query for all); audited."""
    zone = ZoneInfo(organization.time_zone)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    visits = list(
        Appointment.objects.filter(
            organization=organization, provider=provider, status__in=SHOWN, during__overlap=(start, end)
        )
        .select_related("patient", "visit_type", "location")
        .prefetch_related(Prefetch("requests", queryset=_waiting_changes(), to_attr="open_requests"))
        .order_by("during", "pk")
    )
    _audit_rows(actor, visits)
    by_day: dict[date, list[Appointment]] = {first + timedelta(days=n): [] for n in range(days)}
    for visit in visits:
        day = visit.starts_at.astimezone(zone).date()
        if day in by_day:  # a visit running past midnight into the window belongs to its own day
            by_day[day].append(visit)
    return [Day(day, found) for day, found in by_day.items()]


def today_counts(organization: Organization, today: date) -> dict[str, int]:
    """The home card: visits today at the clinic, and requests waiting (counts only, no PHI)."""
    zone = ZoneInfo(organization.time_zone)
    start = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    return {
        "visits": Appointment.objects.filter(
            organization=organization, status__in=SHOWN, during__overlap=(start, start + timedelta(days=1))
        ).count(),
        "requests": AppointmentRequest.objects.filter(
            organization=organization, status=AppointmentRequest.Status.OPEN
        ).count(),
    }


def open_requests(*, actor: User, organization: Organization) -> list[AppointmentRequest]:
    """Requests waiting for the clinic, oldest first; audited."""
    found = list(
        AppointmentRequest.objects.filter(organization=organization, status=AppointmentRequest.Status.OPEN)
        .select_related("patient", "visit_type", "appointment__provider__user", "thread")
        .order_by("created_at", "pk")
    )
    _audit_rows(actor, found)
    return found


def request_for_staff(*, access: Access, actor: User, request_id: int) -> AppointmentRequest:
    """One request of the patient, at the staff member's clinic; audited."""
    staff = require_clinic_staff(access)
    request = (
        AppointmentRequest.objects.select_related(
            "patient", "visit_type__organization", "appointment__provider__user", "appointment__location", "thread"
        )
        .filter(pk=request_id, patient=access.patient, organization=staff.organization_id)
        .first()
    )
    if request is None:
        raise Http404
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=request)
    return request


def waitlist(*, actor: User, organization: Organization) -> list[tuple[VisitType, list[WaitlistEntry]]]:
    """Active waitlist entries by visit type, first come first; audited."""
    entries = list(
        WaitlistEntry.objects.filter(visit_type__organization=organization, status=WaitlistEntry.Status.ACTIVE)
        .select_related("patient", "visit_type", "provider__user")
        .order_by("visit_type__name", "created_at", "pk")
    )
    _audit_rows(actor, entries)
    grouped: dict[int, tuple[VisitType, list[WaitlistEntry]]] = {}
    for entry in entries:
        grouped.setdefault(entry.visit_type_id, (entry.visit_type, []))[1].append(entry)
    return list(grouped.values())


def visit_types(organization_id: int) -> QuerySet[VisitType]:
    return VisitType.objects.filter(organization_id=organization_id, is_active=True).order_by("name")


@dataclass
class OpenTime:
    slot: Slot
    provider: StaffMember
    location: Location


@dataclass
class OpenTimes:
    visit_type: VisitType
    days: list[tuple[date, list[OpenTime]]]


def open_times(*, access: Access, visit_type: VisitType, first: date, now: datetime) -> OpenTimes:
    """Open times of `visit_type` for the patient, a week from `first`, each with its provider
    and location (the same slot search patients use; staff booking skips only the patient rules)."""
    require_clinic_staff(access)
    search = find_slots(
        visit_type=visit_type,
        now=now,
        patient=access.patient,
        first_day=first,
        last_day=first + timedelta(days=SLOT_DAYS - 1),
    )
    days = [
        (
            day,
            [OpenTime(slot, search.providers[slot.provider_id], search.locations[slot.location_id]) for slot in slots],
        )
        for day, slots in sorted(search.days.items())
    ]
    return OpenTimes(visit_type, days)


def patient_for_booking(*, access: Access, actor: User) -> Patient:
    """The patient staff book for (their name heads the page); audited."""
    require_clinic_staff(access)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.VIEW, obj=access.patient)
    return access.patient


def request_patient_id(request_id: int) -> object:
    """Whose request this is (the access policy then decides); 404 for none."""
    patient_id = AppointmentRequest.objects.filter(pk=request_id).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    return patient_id


def offer_acceptance(*, organization_id: int, since: datetime) -> dict[str, float | int]:
    """Of the waitlist offers sent since `since`: how many, how many accepted, and the rate."""
    counts = WaitlistOffer.objects.filter(
        entry__visit_type__organization_id=organization_id, sent_at__gte=since
    ).aggregate(sent=Count("pk"), accepted=Count("pk", filter=Q(status=WaitlistOffer.Status.ACCEPTED)))
    sent, accepted = counts["sent"], counts["accepted"]
    return {"sent": sent, "accepted": accepted, "rate": accepted / sent if sent else 0.0}
