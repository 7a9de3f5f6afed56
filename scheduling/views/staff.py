"""Staff scheduling pages, under /staff/scheduling/: a provider's day or week (mark arrived, no-show,
completed), booking on a patient's behalf, open requests and handling one, and the waitlist.

Thin views: parse, call one selector or service, render. A page about one patient asks the
access policy (`access_patient`, SCHEDULING) and then that the staff member works at the
patient's clinic, so anyone else gets 404. Actions are POSTs that redirect on success and show
the page again with the error when the service refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import visit_links
from portal.access import Access, Action, access_patient
from portal.forms.staff import PatientSearchForm
from portal.lookups import as_id
from portal.models import User
from portal.selectors import staff as portal_staff_selectors
from portal.services.errors import ServiceError
from portal.views.decorators import staff_view
from scheduling.forms.staff import WEEK, DeclineForm, MarkForm, ScheduleForm, SlotForm, VisitChoiceForm
from scheduling.models import Appointment, AppointmentRequest
from scheduling.selectors import staff as staff_selectors
from scheduling.services import changes
from scheduling.services.booking import appointment_book
from scheduling.services.slots import local_date

View = Callable[..., HttpResponse]


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _schedule_url(provider_id: int, day: date, view: str = "") -> str:
    query = {"provider": provider_id, "day": day.isoformat()} | ({"view": view} if view else {})
    return f"{reverse('staff_schedule')}?{urlencode(query)}"


# -- the schedule ------------------------------------------------------------------------------------


@require_GET
@staff_view
def schedule(request: HttpRequest) -> HttpResponse:
    """A provider's day, or a week from a day."""
    actor = _actor(request)
    staff = staff_selectors.scheduler(actor)
    organization = staff.organization
    today = timezone.localdate(timezone.now(), staff_selectors.zone_of(organization))
    providers = staff_selectors.providers(organization)
    form = ScheduleForm(request.GET, providers=providers, today=today)
    provider, day, view = form.choice()
    days = 7 if view == WEEK else 1
    schedule_days = (
        staff_selectors.schedule(actor=actor, organization=organization, provider=provider, first=day, days=days)
        if provider is not None
        else []
    )
    # What other apps offer for each visit (the pre-visit briefing), without importing them.
    links = visit_links.links_for([visit.pk for entry in schedule_days for visit in entry.appointments], actor=actor)
    for entry in schedule_days:
        for visit in entry.appointments:
            visit.links = links.get(visit.pk, [])  # type: ignore[attr-defined]
    context = {
        "form": form,
        "provider": provider,
        "day": day,
        "view": view,
        "days": schedule_days,
        "today": today,
        "now": timezone.now(),
        "earlier": _schedule_url(provider.pk, day - timedelta(days=days), view) if provider else "",
        "later": _schedule_url(provider.pk, day + timedelta(days=days), view) if provider else "",
        "here": request.get_full_path(),
        "mark_statuses": MarkForm.base_fields["status"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "scheduling/staff/schedule.html", context)


@require_GET
@staff_view
def today_count(request: HttpRequest) -> HttpResponse:
    """The staff home card's numbers (loaded in place by htmx)."""
    staff = staff_selectors.scheduler(_actor(request))
    today = timezone.localdate(timezone.now(), staff_selectors.zone_of(staff.organization))
    counts = staff_selectors.today_counts(staff.organization, today)
    return render(request, "scheduling/staff/_today_count.html", counts)


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_POST
@staff_view
def mark(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Arrived, no-show or completed, from the schedule."""
    appointment = get_object_or_404(Appointment.objects.only("patient_id", "provider_id", "during"), pk=appointment_id)
    access = access_patient(request.user, appointment.patient_id, Action.SCHEDULING)
    staff_selectors.require_clinic_staff(access)
    form = MarkForm(request.POST)
    back = _next_or(request, _schedule_url(appointment.provider_id, timezone.localdate(appointment.starts_at)))
    if not form.is_valid():
        messages.error(request, _("Choose arrived, no-show or completed."))
        return redirect(back)
    try:
        changes.appointment_mark(
            access=access, actor=_actor(request), appointment_id=appointment_id, status=form.cleaned_data["status"]
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Marked: %(status)s.") % {"status": Appointment.Status(form.cleaned_data["status"]).label}
        )
    return redirect(back)


# -- booking on a patient's behalf -------------------------------------------------------------------


@require_GET
@staff_view
def book_search(request: HttpRequest) -> HttpResponse:
    """Find the patient to book for (the staff patient search)."""
    form = PatientSearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = portal_staff_selectors.patient_search(
            actor=_actor(request), query=form.cleaned_data["q"] or "", birth_date=form.cleaned_data["birth_date"]
        )
    return render(request, "scheduling/staff/book_search.html", {"form": form, "results": results})


def clinic_patient(view: View) -> View:
    """A page about one patient at the staff member's clinic (SCHEDULING); 404 for anyone else."""

    @staff_view
    @wraps(view)
    def wrapped(request: HttpRequest, patient_id: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        access = access_patient(request.user, patient_id, Action.SCHEDULING)
        staff_selectors.require_clinic_staff(access)
        return view(request, access, *args, **kwargs)

    return wrapped


def _times(request: HttpRequest, access: Access, visit_type_id: int | None = None) -> dict[str, Any]:
    """The visit chooser and, once a visit type is chosen, its open times for the patient."""
    organization_id = access.patient.home_organization_id
    choices = staff_selectors.visit_types(organization_id)
    data = request.GET.copy()
    if visit_type_id is not None:
        data["visit_type"] = str(visit_type_id)
    chooser = VisitChoiceForm(data if "visit_type" in data else None, visit_types=choices)
    search = None
    if chooser.is_bound and chooser.is_valid():
        visit_type = chooser.cleaned_data["visit_type"]
        first = chooser.cleaned_data["first"] or local_date(visit_type, timezone.now())
        search = staff_selectors.open_times(access=access, visit_type=visit_type, first=first, now=timezone.now())
    return {"chooser": chooser, "search": search}


def _posted_visit_type(request: HttpRequest) -> int | None:
    """After a refused booking, the visit type whose times to show again."""
    posted = request.POST.get("visit_type", "")
    return as_id(posted)


@clinic_patient
def book(request: HttpRequest, access: Access) -> HttpResponse:
    """Choose a visit type and an open time, and book it for the patient."""
    actor = _actor(request)
    patient = staff_selectors.patient_for_booking(access=access, actor=actor)
    error: ServiceError | None = None
    if request.method == "POST":
        form = SlotForm(request.POST)
        if form.is_valid():
            slot = form.cleaned_data
            try:
                visit = appointment_book(
                    access=access,
                    actor=actor,
                    visit_type_id=slot["visit_type"] or 0,
                    provider_id=slot["provider"],
                    location_id=slot["location"],
                    starts_at=slot["starts_at"],
                )
            except ServiceError as refused:
                error = refused
            else:
                messages.success(request, _("Booked for %(name)s.") % {"name": patient.display_name})
                return redirect(_schedule_url(visit.provider_id, local_date(visit.visit_type, visit.starts_at)))
        else:
            error = ServiceError(_("Choose one of the open times."))
    context = {
        "access": access,
        "patient": patient,
        "error": error,
        **_times(request, access, visit_type_id=_posted_visit_type(request)),
    }
    return render(request, "scheduling/staff/book.html", context, status=400 if error else 200)


# -- requests ----------------------------------------------------------------------------------------


@require_GET
@staff_view
def requests(request: HttpRequest) -> HttpResponse:
    staff = staff_selectors.scheduler(_actor(request))
    found = staff_selectors.open_requests(actor=_actor(request), organization=staff.organization)
    return render(request, "scheduling/staff/requests.html", {"requests": found, "now": timezone.now()})


def clinic_request(view: View) -> View:
    """A page or action about one request: the access policy for its patient decides."""

    @staff_view
    @wraps(view)
    def wrapped(request: HttpRequest, request_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        patient_id = staff_selectors.request_patient_id(request_id)
        access = access_patient(request.user, patient_id, Action.SCHEDULING)
        staff_selectors.require_clinic_staff(access)
        return view(request, access, request_id, *args, **kwargs)

    return wrapped


def _request_page(
    request: HttpRequest,
    access: Access,
    request_id: int,
    *,
    error: ServiceError | None = None,
    decline: DeclineForm | None = None,
) -> HttpResponse:
    found = staff_selectors.request_for_staff(access=access, actor=_actor(request), request_id=request_id)
    context: dict[str, Any] = {
        "access": access,
        "item": found,
        "patient": found.patient,
        "error": error,
        "decline_form": decline or DeclineForm(),
        "open": found.status == AppointmentRequest.Status.OPEN,
    }
    if context["open"] and found.kind != AppointmentRequest.Kind.CANCEL:
        context.update(_times(request, access, visit_type_id=found.visit_type_id))
    status = 400 if error or (decline is not None and decline.errors) else 200
    return render(request, "scheduling/staff/request.html", context, status=status)


@require_GET
@clinic_request
def request_detail(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    return _request_page(request, access, request_id)


def _handled(request: HttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("staff_schedule_requests")


@require_POST
@clinic_request
def request_book(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """Book (or move the visit to) an open time for the request."""
    form = SlotForm(request.POST)
    if not form.is_valid():
        return _request_page(request, access, request_id, error=ServiceError(_("Choose one of the open times.")))
    slot = form.cleaned_data
    try:
        changes.request_book(
            access=access,
            actor=_actor(request),
            request_id=request_id,
            provider_id=slot["provider"],
            location_id=slot["location"],
            starts_at=slot["starts_at"],
        )
    except ServiceError as error:
        return _request_page(request, access, request_id, error=error)
    return _handled(request, _("Booked, and the patient was told in their messages."))


@require_POST
@clinic_request
def request_cancel(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """Do the late cancellation the patient asked for."""
    try:
        changes.request_cancel_done(access=access, actor=_actor(request), request_id=request_id)
    except ServiceError as error:
        return _request_page(request, access, request_id, error=error)
    return _handled(request, _("The visit is cancelled, and the patient was told in their messages."))


@require_POST
@clinic_request
def request_decline(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """Say no, with a reason the patient reads."""
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            changes.request_decline(
                access=access, actor=_actor(request), request_id=request_id, reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            if error.field != "reason":
                return _request_page(request, access, request_id, error=error)
            form.add_error("reason", error.message)
        else:
            return _handled(request, _("Declined, and the patient was told why in their messages."))
    return _request_page(request, access, request_id, decline=form)


# -- the waitlist ------------------------------------------------------------------------------------


@require_GET
@staff_view
def waitlist(request: HttpRequest) -> HttpResponse:
    staff = staff_selectors.scheduler(_actor(request))
    groups = staff_selectors.waitlist(actor=_actor(request), organization=staff.organization)
    return render(request, "scheduling/staff/waitlist.html", {"groups": groups})
