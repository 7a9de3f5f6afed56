"""The staff refill queue and one request's review: protocol checks with their evidence, the
medicine's history, allergies, and the decisions each role may take."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.access import Access, Action, access_patient
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import staff_view
from refills.forms.staff import ApproveForm, DenyForm, NoteForm
from refills.selectors import staff as selectors
from refills.services import decisions

View = Callable[..., HttpResponse]


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_GET
@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    staff = selectors.refill_staff(_actor(request))
    rows = selectors.queue(staff=staff, actor=_actor(request))
    return render(request, "refills/staff/queue.html", {"rows": rows, "staff": staff, "now": timezone.now()})


def clinic_request(view: View) -> View:
    """A page or action about one request: the access policy for its patient decides."""

    @staff_view
    @wraps(view)
    def wrapped(request: HttpRequest, request_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        selectors.refill_staff(_actor(request))
        access = access_patient(request.user, selectors.request_patient_id(request_id), Action.REFILLS)
        access.require(Action.REFILLS, staff_side=True)
        return view(request, access, request_id, *args, **kwargs)

    return wrapped


def _page(request: HttpRequest, access: Access, request_id: int, *, status: int = 200, **forms: Any) -> HttpResponse:
    found = selectors.review(access=access, actor=_actor(request), request_id=request_id, now=timezone.now())
    refill = found.request
    context = {
        "access": access,
        "review": found,
        "refill": refill,
        "approve_form": forms.get("approve") or ApproveForm(initial={"days_supply": refill.days_supply, "refills": 0}),
        "deny_form": forms.get("deny") or DenyForm(),
        "note_form": forms.get("note") or NoteForm(),
        "error": forms.get("error"),
        "why_not_approve": decisions.why_not_approve(
            access=access, actor=_actor(request), request=refill, passed=found.all_passed
        ),
    }
    return render(request, "refills/staff/request.html", context, status=status)


@require_GET
@clinic_request
def review(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    return _page(request, access, request_id)


def _done(request: HttpRequest, text: str, request_id: int) -> HttpResponse:
    messages.success(request, text)
    return redirect("staff_refills_request", request_id=request_id)


@require_POST
@clinic_request
def take(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    try:
        decisions.request_take(access=access, actor=_actor(request), request_id=request_id)
    except ServiceError as error:
        return _page(request, access, request_id, status=400, error=error.message)
    return _done(request, _("You are reviewing this request."), request_id)


@require_POST
@clinic_request
def to_prescriber(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, access, request_id, status=400, note=form)
    try:
        decisions.request_to_prescriber(
            access=access, actor=_actor(request), request_id=request_id, note=form.cleaned_data["note"]
        )
    except ServiceError as error:
        form.add_error("note", error.message)
        return _page(request, access, request_id, status=400, note=form)
    return _done(request, _("Passed to the prescriber."), request_id)


@require_POST
@clinic_request
def approve(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _page(request, access, request_id, status=400, approve=form)
    data = form.cleaned_data
    try:
        decisions.request_approve(
            access=access,
            actor=_actor(request),
            request_id=request_id,
            days_supply=data["days_supply"],
            refills=data["refills"] or 0,
            change_note=data["change_note"],
        )
    except ServiceError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, access, request_id, status=400, approve=form)
    return _done(request, _("Approved: the prescription is in the record and on its way to the pharmacy."), request_id)


@require_POST
@clinic_request
def deny(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    form = DenyForm(request.POST)
    if not form.is_valid():
        return _page(request, access, request_id, status=400, deny=form)
    try:
        decisions.request_deny(
            access=access, actor=_actor(request), request_id=request_id, reason=form.cleaned_data["reason"]
        )
    except ServiceError as error:
        form.add_error(None, error.message)
        return _page(request, access, request_id, status=400, deny=form)
    return _done(request, _("Denied. The patient was told there is an update."), request_id)


@require_POST
@clinic_request
def needs_visit(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, access, request_id, status=400, note=form)
    try:
        decisions.request_needs_visit(
            access=access, actor=_actor(request), request_id=request_id, note=form.cleaned_data["note"]
        )
    except ServiceError as error:
        return _page(request, access, request_id, status=400, error=error.message)
    return _done(request, _("Marked as needing a visit. The patient can book one from the request."), request_id)
