"""After booking: cancel and reschedule by the visit type's policy (after the cut-off a patient's
change becomes a request the clinic handles), staff marking arrived / no-show / completed, the
patient confirming from a reminder's link, and the sweep that expires holds.

A patient's note with a cancel or move passes the safety screen (scheduling.services.notes),
late or in time: a change done online keeps no note, so confirmed red flags are the only words
of it that go anywhere (to nurse triage, at once)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import InvalidToken, InvalidTransition, ServiceError
from scheduling import links
from scheduling.models import Appointment, AppointmentRequest
from scheduling.models.appointments import TRANSITIONS
from scheduling.services import reminders, waitlist
from scheduling.services.booking import check_bookable, insert_appointment
from scheduling.services.common import (
    locked_appointment,
    locked_patient,
    require_staff,
    system_audit,
)
from scheduling.services.notes import Note, note_escalate, note_screened
from scheduling.services.requests import late_change_request

Status = Appointment.Status
# Staff may check a patient in this long before the visit.
ARRIVE_EARLY = timedelta(hours=2)
HOLD_SWEEP_CHUNK = 500


@dataclass(frozen=True)
class ChangeOutcome:
    """What a cancel or reschedule did: `appointment` is the visit now (the new one after a move);
    `request` is set when it came too late to do online and became a request instead."""

    appointment: Appointment
    request: AppointmentRequest | None = None


def move(appointment: Appointment, to: str) -> None:
    if to not in TRANSITIONS[appointment.status]:
        raise InvalidTransition(_("This visit cannot change that way now. Reload the page to see where it is."))
    appointment.status = to


def _late(appointment: Appointment, now: datetime) -> bool:
    return appointment.starts_at - now < timedelta(hours=appointment.visit_type.cancel_cutoff_hours)


def _own_organization(access: Access, appointment: Appointment) -> None:
    # Staff reach a patient through the policy; they change only their own organization's visits.
    if not access.is_patient_side and (
        access.staff is None or access.staff.organization_id != appointment.organization_id
    ):
        raise Http404


def _screened(access: Access, note: str, confirmed_flags: Collection[str]) -> Note | None:
    # Staff write no note here; the patient side's words are screened before anything is written.
    return note_screened(note, confirmed_flags=confirmed_flags) if access.is_patient_side else None


def _escalate(
    access: Access, actor: User | None, note: Note | None, kind: str, appointment: Appointment, now: datetime
) -> None:
    if note is not None:
        note_escalate(
            access,
            actor,
            note=note,
            kind=kind,
            visit_type=appointment.visit_type,
            appointment=appointment,
            about=f"visit-{appointment.pk}",
            now=now,
        )


def cancel_now(appointment: Appointment, *, actor: User | None, now: datetime, offer_freed: bool = True) -> None:
    was_booked = appointment.status == Status.BOOKED
    move(appointment, Status.CANCELLED)
    appointment.cancelled_at, appointment.cancelled_by = now, actor
    appointment.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    reminders.skip_reminders(appointment=appointment, now=now)
    if was_booked and offer_freed:
        waitlist.offer_freed_time(appointment=appointment, now=now)


@transaction.atomic
def appointment_cancel(
    *,
    access: Access,
    actor: User | None,
    appointment_id: int,
    note: str = "",
    confirmed_flags: Collection[str] = (),
    now: datetime | None = None,
) -> ChangeOutcome:
    """Cancel a held or booked visit. A patient's cancellation after the visit type's cut-off
    becomes a request (the visit stays booked until staff handle it). The freed time is offered
    to the waitlist. A patient's note: `safety.Unconfirmed` until its findings are confirmed."""
    now = now or timezone.now()
    appointment = locked_appointment(access, appointment_id)
    _own_organization(access, appointment)
    if appointment.status not in (Status.HELD, Status.BOOKED) or appointment.starts_at <= now:
        raise InvalidTransition(_("This visit can no longer be cancelled."))
    if access.is_patient_side and appointment.status == Status.BOOKED and _late(appointment, now):
        request = late_change_request(
            access,
            actor,
            appointment=appointment,
            kind=AppointmentRequest.Kind.CANCEL,
            note=note,
            confirmed_flags=confirmed_flags,
            now=now,
        )
        return ChangeOutcome(appointment, request)
    screened = _screened(access, note, confirmed_flags)
    cancel_now(appointment, actor=actor, now=now)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=appointment)
    _escalate(access, actor, screened, AppointmentRequest.Kind.CANCEL, appointment, now)
    return ChangeOutcome(appointment)


@transaction.atomic
def appointment_reschedule(
    *,
    access: Access,
    actor: User,
    appointment_id: int,
    provider_id: int,
    location_id: int,
    starts_at: datetime,
    note: str = "",
    confirmed_flags: Collection[str] = (),
    now: datetime | None = None,
) -> ChangeOutcome:
    """Move a booked visit to another time, in one transaction: the old one is cancelled and the
    new one booked, or neither (the loser of a race keeps the old visit and is offered others).
    After the cut-off a patient's move becomes a request. A patient's note:
    `safety.Unconfirmed` until its findings are confirmed."""
    now = now or timezone.now()
    patient = locked_patient(access)
    old = locked_appointment(access, appointment_id)
    _own_organization(access, old)
    if old.status != Status.BOOKED or old.starts_at <= now:
        raise InvalidTransition(_("This visit can no longer be changed."))
    visit_type = old.visit_type
    if access.is_patient_side and _late(old, now):
        request = late_change_request(
            access,
            actor,
            appointment=old,
            kind=AppointmentRequest.Kind.RESCHEDULE,
            note=note,
            confirmed_flags=confirmed_flags,
            now=now,
        )
        return ChangeOutcome(old, request)
    screened = _screened(access, note, confirmed_flags)
    if access.is_patient_side:
        cancel_now(old, actor=actor, now=now, offer_freed=False)
        check_bookable(
            patient=patient,
            visit_type=visit_type,
            provider_id=provider_id,
            location_id=location_id,
            starts_at=starts_at,
            now=now,
        )
    else:
        if starts_at <= now:
            raise ServiceError(_("Choose a time in the future."), field="starts_at")
        cancel_now(old, actor=actor, now=now, offer_freed=False)
    new = insert_appointment(
        patient=patient,
        visit_type=visit_type,
        provider_id=provider_id,
        location_id=location_id,
        starts_at=starts_at,
        status=Status.BOOKED,
        source=old.source,
        actor=actor,
        now=now,
        rescheduled_from=old,
    )
    # Offered only now: if the new time overlaps the old, the overlap is not free to offer.
    waitlist.offer_freed_time(appointment=old, now=now)
    reminders.schedule_reminders(appointment=new, now=now)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=old)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=new)
    _escalate(access, actor, screened, AppointmentRequest.Kind.RESCHEDULE, old, now)
    return ChangeOutcome(new)


@transaction.atomic
def appointment_mark(
    *, access: Access, actor: User, appointment_id: int, status: str, now: datetime | None = None
) -> Appointment:
    """Staff: the patient arrived (from two hours before), did not come, or the visit is done
    (both from its start time)."""
    require_staff(access)
    now = now or timezone.now()
    appointment = locked_appointment(access, appointment_id)
    _own_organization(access, appointment)
    if status not in (Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW):
        raise ServiceError(_("Choose arrived, no-show or completed."), field="status")
    opens = appointment.starts_at - (ARRIVE_EARLY if status == Status.ARRIVED else timedelta(0))
    if now < opens:
        raise InvalidTransition(_("It is too early to mark this visit that way."))
    move(appointment, status)
    fields = ["status"]
    if status == Status.ARRIVED:
        appointment.arrived_at = now
        fields.append("arrived_at")
    elif status == Status.COMPLETED:
        appointment.completed_at = now
        fields.append("completed_at")
    appointment.save(update_fields=fields)
    reminders.skip_reminders(appointment=appointment, now=now)
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=appointment)
    return appointment


def access_from_link(token: str, purpose: str) -> tuple[Access, Appointment]:
    """The patient's own access to the visit a reminder's signed link names."""
    appointment_id = links.read_token(token, purpose)
    appointment = Appointment.objects.select_related("patient__user").filter(pk=appointment_id).first()
    if appointment is None:
        raise InvalidToken(_("This link is not valid or has run out."))
    return Access(appointment.patient, AuditEvent.ActingAs.SELF, Action.SCHEDULING), appointment


@transaction.atomic
def appointment_confirm_by_link(*, token: str, now: datetime | None = None) -> Appointment:
    """The patient says they are coming (a reminder's confirm link). Confirming twice is fine."""
    now = now or timezone.now()
    access, found = access_from_link(token, links.CONFIRM)
    appointment = locked_appointment(access, found.pk)
    if appointment.status != Status.BOOKED or appointment.starts_at <= now:
        raise InvalidTransition(_("This visit is no longer booked, so there is nothing to confirm."))
    if appointment.confirmed_at is None:
        appointment.confirmed_at = now
        appointment.save(update_fields=["confirmed_at"])
        audit.record_access(access, actor=found.patient.user, action=AuditEvent.Action.UPDATE, obj=appointment)
    return appointment


def appointment_cancel_by_link(*, token: str, now: datetime | None = None) -> ChangeOutcome:
    """A reminder's cancel link: the same policy as cancelling in the portal."""
    access, appointment = access_from_link(token, links.CANCEL)
    return appointment_cancel(access=access, actor=appointment.patient.user, appointment_id=appointment.pk, now=now)


def holds_sweep(now: datetime | None = None) -> int:
    """Mark holds past their expiry expired (a beat task every minute), in chunks that skip rows
    a booking has locked. Safe to run twice or at once."""
    expired = 0
    while True:
        with transaction.atomic():
            stale = list(
                Appointment.objects.select_for_update(skip_locked=True).filter(
                    status=Status.HELD, hold_expires_at__lte=now or timezone.now()
                )[:HOLD_SWEEP_CHUNK]
            )
            if stale:
                Appointment.objects.filter(pk__in=[hold.pk for hold in stale]).update(status=Status.EXPIRED)
                system_audit(stale)
        expired += len(stale)
        if len(stale) < HOLD_SWEEP_CHUNK:
            return expired
