"""The conversation each appointment request opens in the clinic's scheduling pool, and staff
handling a request: book it (or move or cancel the visit) or decline it, and answer and close
its conversation with what was done, all in one transaction.

A request's thread is opened by messaging's service for other apps (threads.thread_open_for),
routed and promised like any patient thread (owner, SLA policy, business calendar), but into
the organization's scheduling pool, else its front desk pool, else wherever messaging routes
appointment questions. A request about a visit
is promised an answer before the visit (`answer_deadline`); when the clinic cannot answer by
then, no thread is opened and no time promised: the patient is told to call (`must_call`), and
the request waits in the staff list and on the day's schedule.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import protocols
from messaging.models import Category, Pool, Thread
from messaging.services import threads
from messaging.services.routing import NoTimeToAnswer
from portal import dates
from portal.access import Access, Action, resolve
from portal.models import User
from portal.services.errors import ServiceError
from scheduling.models import Appointment, AppointmentRequest
from scheduling.services import requests
from scheduling.services.booking import appointment_book
from scheduling.services.changes import appointment_reschedule
from scheduling.services.common import require_staff

log = logging.getLogger(__name__)

Kind = AppointmentRequest.Kind
RequestStatus = AppointmentRequest.Status
# The pools a request goes to, first found wins; none: messaging's own routing for appointments.
POOL_ORDER = (Pool.Kind.SCHEDULING, Pool.Kind.FRONT_DESK)
REASON_MAX = 1000
# A cancellation or change must be answered this long before the visit, for the answer to help.
ANSWER_BEFORE_VISIT = timedelta(hours=1)


def when(appointment: Appointment) -> str:
    """The visit's start at the clinic, in words ("Mon 2 Mar 2026, 9:00 a.m.")."""
    return dates.format_datetime(appointment.starts_at, zone=ZoneInfo(appointment.visit_type.organization.time_zone))


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
        done = requests.request_resolve(
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
        done = requests.request_resolve(
            access=access, actor=actor, request_id=request.pk, status=RequestStatus.DONE, now=now
        )
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
    done = requests.request_resolve(
        access=access, actor=actor, request_id=request.pk, status=RequestStatus.DONE, now=now
    )
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
    declined = requests.request_resolve(
        access=access, actor=actor, request_id=request.pk, status=RequestStatus.DECLINED, now=now
    )
    _answer_thread(declined, actor, _("We could not do what you asked: %(reason)s") % {"reason": reason}, now)
    return declined
