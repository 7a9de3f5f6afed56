"""Holding and booking a time: a short hold while the patient confirms, then the booking, each in
one transaction. The database decides races: the exclusion constraints refuse a second visit in
the same provider's (or patient's) time, and the loser is told so in plain words, with other
times nearby. Staff book on a patient's behalf through the same path, without the patient rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit, briefing_inputs
from portal.access import Access
from portal.models import AuditEvent, Patient, User
from portal.services.errors import ServiceError
from scheduling.models import OCCUPYING, Appointment, ProviderOffering, VisitType
from scheduling.services import reminders
from scheduling.services.common import (
    load_visit_type,
    locked_patient,
    require_scheduling,
    settings_for,
    system_audit,
)
from scheduling.services.eligibility import check_eligibility
from scheduling.services.slots import Slot, find_slots, local_date, nearby_slots

Status = Appointment.Status
Source = Appointment.Source
PROVIDER_OVERLAP = "appointment_no_provider_overlap"
PATIENT_OVERLAP = "appointment_no_patient_overlap"
NEARBY_DAYS = 3


def taken_message() -> str:
    """One message for every way of losing a time (validated as taken, or refused by the database)."""
    return _("Sorry, that time has just been taken. Please choose another time.")


def already_busy_message() -> str:
    return _("You already have a visit at that time. Please choose another time, or change that visit.")


class SlotUnavailable(ServiceError):
    """The time was taken (or is no longer open); `alternatives` are open times nearby."""

    def __init__(self, message: str, *, alternatives: list[Slot]) -> None:
        super().__init__(message)
        self.alternatives = alternatives


def _alternatives(visit_type: VisitType, patient: Patient, around: datetime, now: datetime) -> list[Slot]:
    day = local_date(visit_type, around)
    search = find_slots(
        visit_type=visit_type,
        now=now,
        patient=patient,
        first_day=day - timedelta(days=NEARBY_DAYS),
        last_day=day + timedelta(days=NEARBY_DAYS),
    )
    return nearby_slots(search, around)


def _taken(visit_type: VisitType, patient: Patient, starts_at: datetime, now: datetime) -> SlotUnavailable:
    return SlotUnavailable(
        taken_message(),
        alternatives=_alternatives(visit_type, patient, starts_at, now),
    )


def expire_stale_holds(*, provider_id: int, patient_id: object, during: DateTimeTZRange, now: datetime) -> None:
    """Holds past their expiry still occupy time in the constraint; mark those in the way expired."""
    stale = list(
        Appointment.objects.select_for_update().filter(
            Q(provider_id=provider_id) | Q(patient_id=patient_id),
            status=Status.HELD,
            hold_expires_at__lte=now,
            during__overlap=during,
        )
    )
    if stale:
        Appointment.objects.filter(pk__in=[hold.pk for hold in stale]).update(status=Status.EXPIRED)
        system_audit(stale)


def insert_appointment(
    *,
    patient: Patient,
    visit_type: VisitType,
    provider_id: int,
    location_id: int,
    starts_at: datetime,
    status: str,
    source: str,
    actor: User | None,
    now: datetime,
    hold_expires_at: datetime | None = None,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    """Insert the visit, or say in plain words why the database refused it."""
    during = DateTimeTZRange(starts_at, starts_at + timedelta(minutes=visit_type.duration_minutes), "[)")
    expire_stale_holds(provider_id=provider_id, patient_id=patient.pk, during=during, now=now)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable after a refusal
            briefing_inputs.changed(patient.pk)  # after the commit; dropped with the savepoint if refused
            return Appointment.objects.create(
                organization_id=visit_type.organization_id,
                patient=patient,
                provider_id=provider_id,
                location_id=location_id,
                visit_type=visit_type,
                during=during,
                status=status,
                source=source,
                hold_expires_at=hold_expires_at,
                booked_at=None if status == Status.HELD else now,
                created_by=actor,
                created_at=now,
                rescheduled_from=rescheduled_from,
            )
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        if constraint == PROVIDER_OVERLAP:
            raise _taken(visit_type, patient, starts_at, now) from error
        if constraint == PATIENT_OVERLAP:
            raise ServiceError(already_busy_message()) from error
        raise


def check_bookable(
    *,
    patient: Patient,
    visit_type: VisitType,
    provider_id: int,
    location_id: int,
    starts_at: datetime,
    now: datetime,
    replacing: int | None = None,
) -> None:
    """The patient rules, then the time itself: it must be one of the open slots right now."""
    eligibility = check_eligibility(patient=patient, visit_type=visit_type, now=now, replacing=replacing)
    if not eligibility.may_book:
        raise ServiceError(
            eligibility.reasons[0] if eligibility.reasons else _("This visit cannot be booked online. Please ask us.")
        )
    if eligibility.provider_ids is not None and provider_id not in eligibility.provider_ids:
        raise ServiceError(_("This visit is with your primary care provider. Please choose one of their times."))
    end = starts_at + timedelta(minutes=visit_type.duration_minutes)
    if (
        Appointment.objects.filter(patient=patient, status__in=OCCUPYING, during__overlap=(starts_at, end))
        .exclude(status=Status.HELD, hold_expires_at__lte=now)
        .exists()
    ):
        raise ServiceError(already_busy_message())
    day = local_date(visit_type, starts_at)
    search = find_slots(
        visit_type=visit_type,
        now=now,
        patient=patient,
        provider_ids=[provider_id],
        first_day=day - timedelta(days=1),
        last_day=day + timedelta(days=1),
    )
    if not search.includes(provider_id=provider_id, location_id=location_id, starts_at=starts_at):
        raise SlotUnavailable(
            taken_message(),
            alternatives=_alternatives(visit_type, patient, starts_at, now),
        )


def _check_staff_booking(access: Access, visit_type: VisitType, provider_id: int, location_id: int) -> None:
    if access.staff is None or access.staff.organization_id != visit_type.organization_id:
        raise Http404
    if not ProviderOffering.objects.filter(
        visit_type=visit_type, provider_id=provider_id, location_id=location_id, provider__is_active=True
    ).exists():
        raise ServiceError(_("This provider does not offer this visit type at this location."), field="provider")


def _booked(access: Access, actor: User, appointment: Appointment, now: datetime, action: str) -> Appointment:
    reminders.schedule_reminders(appointment=appointment, now=now)
    audit.record_access(access, actor=actor, action=action, obj=appointment)
    return appointment


@transaction.atomic
def appointment_hold(
    *,
    access: Access,
    actor: User,
    visit_type_id: int,
    provider_id: int,
    location_id: int,
    starts_at: datetime,
    now: datetime | None = None,
) -> Appointment:
    """Hold an open time for a few minutes while the patient (or caregiver) confirms. A new hold
    lets go of the patient's earlier ones."""
    require_scheduling(access)
    if not access.is_patient_side:
        raise Http404
    now = now or timezone.now()
    patient = locked_patient(access)
    visit_type = load_visit_type(visit_type_id)
    earlier = list(Appointment.objects.filter(patient=patient, status=Status.HELD))
    if earlier:
        Appointment.objects.filter(pk__in=[hold.pk for hold in earlier]).update(status=Status.EXPIRED)
        system_audit(earlier)
    check_bookable(
        patient=patient,
        visit_type=visit_type,
        provider_id=provider_id,
        location_id=location_id,
        starts_at=starts_at,
        now=now,
    )
    hold_minutes = settings_for(visit_type.organization_id).hold_minutes
    appointment = insert_appointment(
        patient=patient,
        visit_type=visit_type,
        provider_id=provider_id,
        location_id=location_id,
        starts_at=starts_at,
        status=Status.HELD,
        source=Source.SELF,
        actor=actor,
        now=now,
        hold_expires_at=now + timedelta(minutes=hold_minutes),
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=appointment)
    return appointment


@transaction.atomic
def appointment_confirm_hold(*, access: Access, actor: User, hold_id: int, now: datetime | None = None) -> Appointment:
    """Book the time the patient holds. A hold still in place is booked even a little past its
    expiry (nobody else can have the time without expiring it first); a hold already expired
    is booked afresh if the time is still open. A second confirmation returns the booking."""
    require_scheduling(access)
    if not access.is_patient_side:
        raise Http404
    now = now or timezone.now()
    patient = locked_patient(access)
    hold = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("visit_type__organization")
        .filter(pk=hold_id, patient=patient, source=Source.SELF)
        .first()
    )
    if hold is None:
        raise Http404
    if hold.status == Status.BOOKED:
        return hold
    if hold.status == Status.HELD:
        hold.status, hold.booked_at = Status.BOOKED, now
        hold.save(update_fields=["status", "booked_at"])
        return _booked(access, actor, hold, now, AuditEvent.Action.UPDATE)
    if hold.status != Status.EXPIRED:
        raise ServiceError(_("This time can no longer be booked. Please choose another time."))
    check_bookable(
        patient=patient,
        visit_type=hold.visit_type,
        provider_id=hold.provider_id,
        location_id=hold.location_id,
        starts_at=hold.starts_at,
        now=now,
    )
    appointment = insert_appointment(
        patient=patient,
        visit_type=hold.visit_type,
        provider_id=hold.provider_id,
        location_id=hold.location_id,
        starts_at=hold.starts_at,
        status=Status.BOOKED,
        source=Source.SELF,
        actor=actor,
        now=now,
    )
    return _booked(access, actor, appointment, now, AuditEvent.Action.CREATE)


@transaction.atomic
def appointment_book(
    *,
    access: Access,
    actor: User,
    visit_type_id: int,
    provider_id: int,
    location_id: int,
    starts_at: datetime,
    source: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book a time in one step: a patient or caregiver (an open slot, by the visit type's rules),
    or staff on the patient's behalf (any future time of a provider who offers the visit type)."""
    require_scheduling(access)
    now = now or timezone.now()
    patient = locked_patient(access)
    visit_type = load_visit_type(visit_type_id)
    if access.is_patient_side:
        check_bookable(
            patient=patient,
            visit_type=visit_type,
            provider_id=provider_id,
            location_id=location_id,
            starts_at=starts_at,
            now=now,
        )
        source = Source.SELF
    else:
        _check_staff_booking(access, visit_type, provider_id, location_id)
        if starts_at <= now:
            raise ServiceError(_("Choose a time in the future."), field="starts_at")
        source = source or Source.STAFF
    appointment = insert_appointment(
        patient=patient,
        visit_type=visit_type,
        provider_id=provider_id,
        location_id=location_id,
        starts_at=starts_at,
        status=Status.BOOKED,
        source=source,
        actor=actor,
        now=now,
    )
    return _booked(access, actor, appointment, now, AuditEvent.Action.CREATE)
