"""The patient's scheduling pages, for the patient or a caregiver with the scheduling scope: the
appointments home, finding a time (by visit type: book, ask, or call), holding and confirming a
time, a visit with its calendar file, directions, change and cancel, and the waitlist. Times read
in the clinic's time zone. Staff book from their own pages: 404 here.

A note whose words suggest an emergency comes back with the emergency guidance (messaging's safety
screen, applied by the services) and everything typed, and is sent only with "Send it anyway"."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import safety
from portal.access import Access, Action
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view
from scheduling.forms.patient import NoteForm, RequestForm, SlotForm, WaitlistForm
from scheduling.models import Appointment, AppointmentRequest
from scheduling.selectors import patient
from scheduling.services import booking, changes, checkin, waitlist
from scheduling.services.booking import SlotUnavailable
from scheduling.services.slots import Slot

# A page of the patient side (the policy's answer for Action.SCHEDULING), in clinic time.
scheduling_page = patient_view(Action.SCHEDULING, patient_side=True, clinic_time=True)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _start(request: HttpRequest) -> date | None:
    try:
        return parse_date(request.GET.get("from", ""))
    except ValueError:
        return None


def _posted(request: HttpRequest) -> Any:
    # An empty POST (a button with no fields filled) is still a submitted form.
    return request.POST if request.method == "POST" else None


def _screened(refusal: safety.Unconfirmed) -> dict[str, Any]:
    """What the pages show of a refused note: the guidance and the "Send it anyway" button."""
    return {"safety_flags": refusal.flags, "safety_labels": refusal.labels, "screened": " ".join(refusal.flags)}


def _sent_anyway(request: HttpRequest, note: str) -> None:
    # The service opened the urgent thread; the patient is told where the words went.
    if safety.screen(note):
        messages.warning(
            request,
            _(
                "We have sent your words to the clinic's care team as urgent. If this is an emergency, "
                "call 911 now: do not wait for an answer."
            ),
        )


def _home(access: Access) -> HttpResponse:
    return redirect("appointments_home", patient_id=access.patient.pk)


def _visit(access: Access, appointment: Appointment) -> HttpResponse:
    return redirect("appointments_visit", patient_id=access.patient.pk, appointment_id=appointment.pk)


@scheduling_page
@require_GET
def home(request: HttpRequest, access: Access) -> HttpResponse:
    found = patient.home(access=access, actor=_actor(request), now=timezone.now())
    return render(request, "scheduling/patient/home.html", {"access": access, "home": found})


@scheduling_page
@require_GET
def find(request: HttpRequest, access: Access) -> HttpResponse:
    types = patient.visit_types(access=access, now=timezone.now())
    return render(request, "scheduling/patient/find.html", {"access": access, "types": types})


def _type_page(request: HttpRequest, access: Access, visit_type_id: int, **extra: Any) -> HttpResponse:
    """The visit type page, fresh or with a refused form or a lost time (and its alternatives)."""
    page = patient.visit_type_page(
        access=access, actor=_actor(request), visit_type_id=visit_type_id, now=timezone.now(), start=_start(request)
    )
    today = timezone.localdate()
    context = {
        "access": access,
        "page": page,
        "slot_form": SlotForm(),
        "request_form": RequestForm(),
        "waitlist_form": WaitlistForm(initial={"earliest": today}),
        **extra,
    }
    return render(request, "scheduling/patient/visit_type.html", context)


def _lost(error: ServiceError) -> dict[str, Any]:
    alternatives: list[Slot] = error.alternatives if isinstance(error, SlotUnavailable) else []
    return {"problem": error.message, "alternatives": patient.describe(alternatives)}


@scheduling_page
@require_GET
def visit_type(request: HttpRequest, access: Access, visit_type_id: int) -> HttpResponse:
    return _type_page(request, access, visit_type_id)


@scheduling_page
@require_POST
def hold(request: HttpRequest, access: Access, visit_type_id: int) -> HttpResponse:
    form = SlotForm(request.POST)
    if not form.is_valid():
        # No time (or a made-up one): the error belongs to the times, not to the page.
        return _type_page(request, access, visit_type_id, slot_form=form)
    slot = form.cleaned_data["slot"]
    try:
        held = booking.appointment_hold(
            access=access,
            actor=_actor(request),
            visit_type_id=visit_type_id,
            provider_id=slot.provider_id,
            location_id=slot.location_id,
            starts_at=slot.starts_at,
        )
    except ServiceError as error:
        return _type_page(request, access, visit_type_id, **_lost(error))
    return redirect("appointments_hold", patient_id=access.patient.pk, hold_id=held.pk)


@scheduling_page
@require_http_methods(["GET", "POST"])
def hold_page(request: HttpRequest, access: Access, hold_id: int) -> HttpResponse:
    """The held time and its expiry; confirming books it (in one transaction, in the service)."""
    held = patient.hold(access=access, actor=_actor(request), hold_id=hold_id)
    extra: dict[str, Any] = {}
    if request.method == "POST":
        try:
            booked = booking.appointment_confirm_hold(access=access, actor=_actor(request), hold_id=hold_id)
        except ServiceError as error:
            extra = _lost(error)
        else:
            messages.success(request, _("Your visit is booked. We will remind you before it."))
            return _visit(access, booked)
    elif held.status not in (Appointment.Status.HELD, Appointment.Status.EXPIRED):
        return _visit(access, held)  # already booked (or cancelled): the visit page says which
    context = {
        "access": access,
        "held": held,
        "ran_out": held.hold_expires_at is None or held.hold_expires_at <= timezone.now(),
        **extra,
    }
    return render(request, "scheduling/patient/hold.html", context)


@scheduling_page
@require_POST
def visit_request(request: HttpRequest, access: Access, visit_type_id: int) -> HttpResponse:
    form = RequestForm(request.POST)
    screened: dict[str, Any] = {}
    if form.is_valid():
        try:
            changes.visit_request(
                access=access,
                actor=_actor(request),
                visit_type_id=visit_type_id,
                note=form.cleaned_data["note"],
                confirmed_flags=safety.confirmed_in(request.POST),
            )
        except safety.Unconfirmed as refusal:
            screened = _screened(refusal)
        except ServiceError as error:
            form.add_error("note" if error.field == "note" else None, error.message)
        else:
            messages.success(request, _("We have your request. The clinic will contact you to book a time."))
            _sent_anyway(request, form.cleaned_data["note"])
            return _home(access)
    return _type_page(request, access, visit_type_id, request_form=form, **screened)


@scheduling_page
@require_POST
def waitlist_join(request: HttpRequest, access: Access, visit_type_id: int) -> HttpResponse:
    form = WaitlistForm(request.POST)
    if form.is_valid():
        try:
            waitlist.waitlist_join(
                access=access, actor=_actor(request), visit_type_id=visit_type_id, **form.cleaned_data
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("You are on the waitlist. We will tell you if an earlier time opens."))
            return _home(access)
    return _type_page(request, access, visit_type_id, waitlist_form=form)


@scheduling_page
@require_POST
def waitlist_leave(request: HttpRequest, access: Access, entry_id: int) -> HttpResponse:
    try:
        waitlist.waitlist_leave(access=access, actor=_actor(request), entry_id=entry_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left the waitlist."))
    return _home(access)


@scheduling_page
@require_GET
def visit(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    appointment, open_requests = patient.visit(access=access, actor=_actor(request), appointment_id=appointment_id)
    now = timezone.now()
    context = {
        "access": access,
        "visit": appointment,
        "requests": open_requests,
        "changeable": patient.changeable(appointment, now),
        "late": patient.too_late_online(appointment, now),
        "checkin_window": checkin.window(appointment, now),
        "checkin_opens": checkin.opens_at(appointment),
    }
    return render(request, "scheduling/patient/visit.html", context)


@scheduling_page
@require_GET
def calendar(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    name, text = patient.appointment_calendar_file(
        access=access, actor=_actor(request), appointment_id=appointment_id, now=timezone.now()
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _late_change_said(request: HttpRequest, asked: AppointmentRequest) -> None:
    if changes.must_call(asked):
        # Too close to the visit for the clinic to answer in writing before it: no promise, a number.
        clinic = asked.visit_type.organization
        if clinic.phone:
            text = _("Your visit is too soon for the clinic to answer in writing. Please call %(clinic)s at %(phone)s.")
        else:
            text = _("Your visit is too soon for the clinic to answer in writing. Please call %(clinic)s.")
        messages.warning(request, text % {"clinic": clinic.name, "phone": clinic.phone})
        return
    messages.info(
        request,
        _(
            "It is too close to your visit to change it online, so we have asked the clinic to do it. "
            "Your visit stays booked until they contact you."
        ),
    )


@scheduling_page
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    appointment, _requests = patient.visit(access=access, actor=_actor(request), appointment_id=appointment_id)
    form = NoteForm(_posted(request))
    screened: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        try:
            outcome = changes.appointment_cancel(
                access=access,
                actor=_actor(request),
                appointment_id=appointment_id,
                note=form.cleaned_data["note"],
                confirmed_flags=safety.confirmed_in(request.POST),
            )
        except safety.Unconfirmed as refusal:
            screened = _screened(refusal)
        except ServiceError as error:
            form.add_error("note" if error.field == "note" else None, error.message)
        else:
            if outcome.request is not None:
                _late_change_said(request, outcome.request)
            else:
                messages.success(request, _("Your visit is cancelled."))
            _sent_anyway(request, form.cleaned_data["note"])
            return _visit(access, appointment)
    now = timezone.now()
    context = {
        "access": access,
        "visit": appointment,
        "form": form,
        "changeable": patient.changeable(appointment, now),
        "late": patient.too_late_online(appointment, now),
        **screened,
    }
    return render(request, "scheduling/patient/cancel.html", context)


@scheduling_page
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    """Open times to move the visit to; past the cut-off, a note that asks the clinic instead."""
    now = timezone.now()
    appointment, page = patient.reschedule_page(
        access=access, actor=_actor(request), appointment_id=appointment_id, now=now, start=_start(request)
    )
    form = NoteForm(_posted(request))
    extra: dict[str, Any] = {}
    # A POST here is the late case only (asking the clinic); on time, a new time is chosen below.
    if request.method == "POST" and page is None and form.is_valid():
        moved = _move(
            request,
            access,
            appointment,
            form,
            Slot(appointment.starts_at, appointment.provider_id, appointment.location_id, appointment.ends_at),
        )
        if isinstance(moved, HttpResponse):
            return moved
        extra = moved
    context = {
        "access": access,
        "visit": appointment,
        "page": page,
        "form": form,
        "changeable": patient.changeable(appointment, now),
        **extra,
    }
    return render(request, "scheduling/patient/reschedule.html", context)


def _move(
    request: HttpRequest, access: Access, appointment: Appointment, form: NoteForm, to: Slot
) -> HttpResponse | dict[str, Any]:
    """Move the visit (or, late, ask the clinic to): a redirect, or what to show of the refusal."""
    note = form.cleaned_data.get("note", "")
    try:
        outcome = changes.appointment_reschedule(
            access=access,
            actor=_actor(request),
            appointment_id=appointment.pk,
            provider_id=to.provider_id,
            location_id=to.location_id,
            starts_at=to.starts_at,
            note=note,
            confirmed_flags=safety.confirmed_in(request.POST),
        )
    except safety.Unconfirmed as refusal:
        return _screened(refusal)
    except ServiceError as error:
        return _lost(error)
    if outcome.request is not None:
        _late_change_said(request, outcome.request)
    else:
        messages.success(request, _("Your visit has moved to the new time. We have cancelled the old one."))
    _sent_anyway(request, note)
    return _visit(access, outcome.appointment)


@scheduling_page
@require_http_methods(["GET", "POST"])
def reschedule_confirm(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    """The old time and the new one side by side; confirming moves the visit in one transaction."""
    appointment, _requests = patient.visit(access=access, actor=_actor(request), appointment_id=appointment_id)
    chosen = SlotForm(request.POST if request.method == "POST" else request.GET)
    if not chosen.is_valid():
        return redirect("appointments_reschedule", patient_id=access.patient.pk, appointment_id=appointment_id)
    slot = chosen.cleaned_data["slot"]
    new = Slot(slot.starts_at, slot.provider_id, slot.location_id, slot.starts_at)
    form = NoteForm(_posted(request))
    extra: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        moved = _move(request, access, appointment, form, new)
        if isinstance(moved, HttpResponse):
            return moved
        extra = moved
    described = patient.describe([new])
    if not described:
        raise Http404
    context = {"access": access, "visit": appointment, "new": described[0], "form": form, **extra}
    return render(request, "scheduling/patient/reschedule_confirm.html", context)
