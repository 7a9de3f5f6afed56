"""After booking: cancel and reschedule by the visit type's policy (after the cut-off a patient's
change becomes a request the clinic handles), staff marking arrived / no-show / completed, the
patient confirming from a reminder's link, and the sweep that expires holds.

A patient's note with a cancel or move passes the safety screen (scheduling.services.notes),
late or in time: a change done online keeps no note, so confirmed red flags are the only words
of it that go anywhere (to nurse triage, at once)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import protocols
from messaging.models import Category, Pool, Thread
from messaging.services import threads
from messaging.services.routing import NoTimeToAnswer
from portal import audit, briefing_inputs
from portal.access import Access, Action, resolve
from portal.models import AuditEvent, User
from portal.services.errors import InvalidToken, InvalidTransition, ServiceError
from scheduling import links
from scheduling.models import Appointment, AppointmentRequest
from scheduling.models.appointments import TRANSITIONS
from scheduling.services import reminders, waitlist
from scheduling.services.booking import appointment_book, check_bookable, insert_appointment
from scheduling.services.common import (
    load_visit_type,
    locked_appointment,
    locked_patient,
    require_scheduling,
    require_staff,
    system_audit,
    when,
)
from scheduling.services.eligibility import check_eligibility
from scheduling.services.notes import Note, note_escalate, note_screened

log = logging.getLogger(__name__)

Status = Appointment.Status
# Staff may check a patient in this long before the visit.
ARRIVE_EARLY = timedelta(hours=2)
HOLD_SWEEP_CHUNK = 500
Kind = AppointmentRequest.Kind
RequestStatus = AppointmentRequest.Status
# The pools a request goes to, first found wins; none: messaging's own routing for appointments.
POOL_ORDER = (Pool.Kind.SCHEDULING, Pool.Kind.FRONT_DESK)
REASON_MAX = 1000
# A cancellation or change must be answered this long before the visit, for the answer to help.
ANSWER_BEFORE_VISIT = timedelta(hours=1)


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
    briefing_inputs.changed(appointment.patient_id)


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


# -- requests the clinic's staff handle -----------------------------------------------------------


def _escalate_request(
    access: Access, actor: User | None, request: AppointmentRequest, note: Note, now: datetime
) -> None:
    """Confirmed red flags in the note reach a nurse now, also when the request was already
    waiting (the words are new even if the request is not)."""
    note_escalate(
        access,
        actor,
        note=note,
        kind=request.kind,
        visit_type=request.visit_type,
        appointment=request.appointment,
        about=f"request-{request.pk}",
        now=now,
    )


def late_change_request(
    access: Access,
    actor: User | None,
    *,
    appointment: Appointment,
    kind: str,
    note: str,
    confirmed_flags: Collection[str] = (),
    now: datetime,
) -> AppointmentRequest:
    """The open request to cancel or change `appointment` (made now, or the one already waiting).
    The note passes the safety screen: `safety.Unconfirmed` until its findings are confirmed."""
    screened = note_screened(note, confirmed_flags=confirmed_flags)
    existing = AppointmentRequest.objects.filter(appointment=appointment, kind=kind, status=RequestStatus.OPEN).first()
    if existing is not None:
        _escalate_request(access, actor, existing, screened, now)
        return existing
    request = AppointmentRequest.objects.create(
        organization_id=appointment.organization_id,
        patient=appointment.patient,
        visit_type=appointment.visit_type,
        kind=kind,
        appointment=appointment,
        note=screened.text,
        created_by=actor,
        created_at=now,
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=request)
    request_thread_open(access, actor, request, now)
    _escalate_request(access, actor, request, screened, now)
    return request


@transaction.atomic
def visit_request(
    *,
    access: Access,
    actor: User,
    visit_type_id: int,
    note: str,
    confirmed_flags: Collection[str] = (),
    now: datetime | None = None,
) -> AppointmentRequest:
    """A patient (or caregiver) asks for a visit of a type staff book. Asking again while the
    first request waits returns that one.

    The note passes the safety screen before anything else is checked or written:
    `safety.Unconfirmed` until the sender confirms its findings (`confirmed_flags`); confirmed,
    the words also go to nurse triage in an urgent thread."""
    require_scheduling(access)
    if not access.is_patient_side:
        raise Http404
    screened = note_screened(note, confirmed_flags=confirmed_flags)
    now = now or timezone.now()
    patient = locked_patient(access)
    visit_type = load_visit_type(visit_type_id)
    eligibility = check_eligibility(patient=patient, visit_type=visit_type, now=now)
    if not eligibility.may_request:
        raise ServiceError(
            eligibility.reasons[0] if eligibility.reasons else _("This visit is booked online, not by request.")
        )
    existing = AppointmentRequest.objects.filter(
        patient=patient, visit_type=visit_type, kind=Kind.BOOK, status=RequestStatus.OPEN
    ).first()
    if existing is not None:
        _escalate_request(access, actor, existing, screened, now)
        return existing
    try:
        with transaction.atomic():
            request = AppointmentRequest.objects.create(
                organization_id=visit_type.organization_id,
                patient=patient,
                visit_type=visit_type,
                kind=Kind.BOOK,
                note=screened.text,
                created_by=actor,
                created_at=now,
            )
    except IntegrityError as error:  # pragma: no cover - the patient row lock makes this unreachable
        raise ServiceError(_("You have already asked for this visit.")) from error
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=request)
    request_thread_open(access, actor, request, now)
    _escalate_request(access, actor, request, screened, now)
    return request


@transaction.atomic
def request_resolve(
    *,
    access: Access,
    actor: User,
    request_id: int,
    status: str,
    appointment_id: int | None = None,
    now: datetime | None = None,
) -> AppointmentRequest:
    """Staff close a request: done (a late cancellation done means the visit is cancelled; a
    booking request done names the visit booked for it) or declined."""
    require_staff(access)
    now = now or timezone.now()
    request = (
        AppointmentRequest.objects.select_for_update(of=("self",))
        .select_related("appointment__visit_type")
        .filter(pk=request_id, patient=access.patient, organization_id=access.staff.organization_id)  # type: ignore[union-attr]
        .first()
    )
    if request is None:
        raise Http404
    if request.status != RequestStatus.OPEN:
        raise InvalidTransition(_("This request has already been handled."))
    if status not in (RequestStatus.DONE, RequestStatus.DECLINED):
        raise ServiceError(_("Choose done or declined."), field="status")
    if status == RequestStatus.DONE and request.kind == Kind.CANCEL and request.appointment is not None:
        visit = Appointment.objects.select_for_update().get(pk=request.appointment.pk)
        if visit.status == Appointment.Status.BOOKED:
            cancel_now(visit, actor=actor, now=now)
            audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=visit)
    if status == RequestStatus.DONE and request.kind == Kind.BOOK:
        if (
            appointment_id is None
            or not Appointment.objects.filter(
                pk=appointment_id, patient=access.patient, visit_type_id=request.visit_type_id
            ).exists()
        ):
            raise ServiceError(_("Book the visit first, then choose it here."), field="appointment")
        request.appointment_id = appointment_id
    request.status, request.handled_by, request.handled_at = status, actor, now
    request.save(update_fields=["status", "handled_by", "handled_at", "appointment"])
    audit.record_access(access, actor=actor, action=AuditEvent.Action.UPDATE, obj=request)
    return request


# -- a request's conversation, and staff handling the request --------------------------------------


def _opening(request: AppointmentRequest) -> tuple[str, str]:
    """(subject, first message) in the patient's words."""
    visit = request.visit_type.label
    if request.kind == Kind.BOOK:
        subject = _("Visit request: %(visit)s") % {"visit": visit}
        body = _("I would like to book a visit: %(visit)s.") % {"visit": visit}
    else:
        # A database constraint: a cancellation or change names its visit.
        moment = when(cast(Appointment, request.appointment))
        if request.kind == Kind.CANCEL:
            subject = _("Please cancel my visit")
            body = _("Please cancel my visit (%(visit)s) on %(when)s. It is too late to do it online.")
        else:
            subject = _("Please change my visit")
            body = _("Please move my visit (%(visit)s) on %(when)s to another time. It is too late to do it online.")
        body = body % {"visit": visit, "when": moment}
    if request.note:
        body += "\n\n" + request.note
    return subject, body


def answer_deadline(request: AppointmentRequest) -> datetime | None:
    """When the clinic's answer must come by: before the visit a cancellation or change is about
    (None for a request to book, which has no visit yet)."""
    if request.appointment is None:
        return None
    return request.appointment.starts_at - ANSWER_BEFORE_VISIT


def must_call(request: AppointmentRequest) -> bool:
    """A request about a visit too close for a written answer: it has no conversation, and the
    patient should call the clinic."""
    return request.appointment_id is not None and request.thread_id is None


def request_thread_open(access: Access, actor: User | None, request: AppointmentRequest, now: datetime) -> None:
    """Open the request's conversation (in the caller's transaction). The patient writes it: the
    signed-in actor, or the patient's own account for a request from an emailed link; a patient
    with no account has no thread (the request still waits in the staff list), nor one whose
    visit is too close for the clinic to answer before it."""
    author = actor or request.patient.user
    if author is None or request.thread_id is not None:
        return
    subject, body = _opening(request)
    try:
        thread = threads.thread_open_for(
            access=access,
            author=author,
            actor=actor,
            category=Category.APPOINTMENT,
            subject=subject,
            body=body,
            idempotency_key=f"appointment-request-{request.pk}",
            pool_kinds=POOL_ORDER,
            due_by=answer_deadline(request),
            now=now,
        )
    except NoTimeToAnswer:
        log.info("scheduling: request too close to its visit for a thread", extra={"request_id": request.pk})
        return
    request.thread = thread
    request.save(update_fields=["thread"])


def _answer_thread(request: AppointmentRequest, actor: User, text: str, now: datetime) -> None:
    """Tell the patient in the request's conversation what was done, then close it if the
    actor's role may close appointment conversations (otherwise it stays answered)."""
    if request.thread_id is None:
        return
    access = resolve(actor, request.patient, Action.MESSAGING)
    if access is None:
        log.warning("scheduling: request thread left open", extra={"request_id": request.pk})
        return
    threads.thread_reopen(access=access, actor=actor, thread_id=request.thread_id)
    threads.thread_reply(access=access, actor=actor, thread_id=request.thread_id, body=text, now=now)
    thread = Thread.objects.get(pk=request.thread_id)
    roles = threads.staff_roles_at(access, actor, thread)
    outcome = Thread.Outcome.ANSWERED
    if protocols.refusal(roles, category=thread.category, urgency=thread.urgency, outcome=outcome) is None:
        threads.thread_close(access=access, actor=actor, thread_id=thread.pk, outcome=outcome, now=now)


def _open_request(access: Access, request_id: int) -> AppointmentRequest:
    require_staff(access)
    request = (
        AppointmentRequest.objects.select_related("visit_type__organization", "appointment__visit_type__organization")
        .filter(pk=request_id, patient=access.patient, organization_id=access.staff.organization_id)  # type: ignore[union-attr]
        .first()
    )
    if request is None:
        raise Http404
    return request


@transaction.atomic
def request_book(
    *,
    access: Access,
    actor: User,
    request_id: int,
    provider_id: int,
    location_id: int,
    starts_at: datetime,
    now: datetime | None = None,
) -> AppointmentRequest:
    """Staff handle a booking or change request with a time: book the visit (or move the visit
    to it), mark the request done, and tell the patient in its conversation."""
    now = now or timezone.now()
    request = _open_request(access, request_id)
    if request.kind == Kind.CANCEL:
        raise ServiceError(_("This request is to cancel a visit, not to book one."))
    if request.kind == Kind.BOOK:
        visit = appointment_book(
            access=access,
            actor=actor,
            visit_type_id=request.visit_type_id,
            provider_id=provider_id,
            location_id=location_id,
            starts_at=starts_at,
            now=now,
        )
        done = request_resolve(
            access=access,
            actor=actor,
            request_id=request.pk,
            status=RequestStatus.DONE,
            appointment_id=visit.pk,
            now=now,
        )
    else:
        visit = appointment_reschedule(
            access=access,
            actor=actor,
            appointment_id=cast(int, request.appointment_id),
            provider_id=provider_id,
            location_id=location_id,
            starts_at=starts_at,
            now=now,
        ).appointment
        done = request_resolve(access=access, actor=actor, request_id=request.pk, status=RequestStatus.DONE, now=now)
    visit = Appointment.objects.select_related("visit_type__organization", "provider__user").get(pk=visit.pk)
    text = _("Your visit (%(visit)s) is booked for %(when)s with %(provider)s.") % {
        "visit": visit.visit_type.label,
        "when": when(visit),
        "provider": visit.provider.user.get_full_name(),
    }
    _answer_thread(done, actor, text, now)
    return done


@transaction.atomic
def request_cancel_done(
    *, access: Access, actor: User, request_id: int, now: datetime | None = None
) -> AppointmentRequest:
    """Staff do what a late cancellation asked: the visit is cancelled, the patient told."""
    now = now or timezone.now()
    request = _open_request(access, request_id)
    if request.kind != Kind.CANCEL or request.appointment is None:
        raise ServiceError(_("This request is not to cancel a visit."))
    done = request_resolve(access=access, actor=actor, request_id=request.pk, status=RequestStatus.DONE, now=now)
    text = _("Your visit (%(visit)s) on %(when)s is cancelled.") % {
        "visit": request.appointment.visit_type.label,
        "when": when(request.appointment),
    }
    _answer_thread(done, actor, text, now)
    return done


@transaction.atomic
def request_decline(
    *, access: Access, actor: User, request_id: int, reason: str, now: datetime | None = None
) -> AppointmentRequest:
    """Staff say no to a request, with the reason the patient reads in its conversation."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why, in words the patient will read."), field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(_("Please shorten this to %(limit)s characters.") % {"limit": REASON_MAX}, field="reason")
    request = _open_request(access, request_id)
    declined = request_resolve(
        access=access, actor=actor, request_id=request.pk, status=RequestStatus.DECLINED, now=now
    )
    _answer_thread(declined, actor, _("We could not do what you asked: %(reason)s") % {"reason": reason}, now)
    return declined
