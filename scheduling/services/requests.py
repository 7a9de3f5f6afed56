"""Requests the clinic's staff handle: a visit the patient asked for (visit types in request mode),
and a cancellation or change that came after the online cut-off. The patient's note passes the
safety screen first (scheduling.services.notes)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from portal.services.errors import InvalidTransition, ServiceError
from scheduling.models import Appointment, AppointmentRequest
from scheduling.services.common import load_visit_type, locked_patient, require_scheduling, require_staff
from scheduling.services.eligibility import check_eligibility
from scheduling.services.notes import Note, note_escalate, note_screened

Kind = AppointmentRequest.Kind
RequestStatus = AppointmentRequest.Status


def _escalate(access: Access, actor: User | None, request: AppointmentRequest, note: Note, now: datetime) -> None:
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
        _escalate(access, actor, existing, screened, now)
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
    _open_thread(access, actor, request, now)
    _escalate(access, actor, request, screened, now)
    return request


def _open_thread(access: Access, actor: User | None, request: AppointmentRequest, now: datetime) -> None:
    # Imported here: handling a request (request_threads) uses this module's services.
    from scheduling.services.request_threads import request_thread_open

    request_thread_open(access, actor, request, now)


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
        _escalate(access, actor, existing, screened, now)
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
    _open_thread(access, actor, request, now)
    _escalate(access, actor, request, screened, now)
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
    from scheduling.services.changes import cancel_now

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
