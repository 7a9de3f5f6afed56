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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from portal.access import Access, Action, access_patient
from portal.forms import PortalForm
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import staff_view
from refills.forms.staff import ApproveForm, DenyForm, NoteForm, VisitForm
from refills.selectors import staff as selectors
from refills.selectors import staff_metrics
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


@require_GET
@staff_view
def metrics(request: HttpRequest) -> HttpResponse:
    """Refill turnaround beside the message response times (counts and times: nothing audited)."""
    staff = selectors.refill_staff(_actor(request))
    wanted = request.GET.get("days", "")
    days = int(wanted) if wanted.isdigit() and int(wanted) in staff_metrics.PERIODS else staff_metrics.DEFAULT_PERIOD
    found = staff_metrics.refill_metrics(organization=staff.organization, days=days)
    return render(request, "refills/staff/metrics.html", {"metrics": found, "periods": staff_metrics.PERIODS})


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
        "approve_form": forms.get("approve")
        or ApproveForm(initial={"days_supply": refill.days_supply, "refills": refill.refills_asked}),
        "deny_form": forms.get("deny") or DenyForm(),
        "note_form": forms.get("note") or NoteForm(),
        "visit_form": forms.get("visit") or VisitForm(),
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


Decide = Callable[[Access, User, int, dict[str, Any]], object]


def decision(form_class: type[PortalForm] | None, slot: str, done: StrOrPromise) -> Callable[[Decide], View]:
    """A decision's view: check the form (re-shown in `slot` with its errors), call the service,
    then back to the request with `done` said."""

    def wrap(decide: Decide) -> View:
        @require_POST
        @clinic_request
        @wraps(decide)
        def view(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
            form = form_class(request.POST) if form_class is not None else None
            if form is not None and not form.is_valid():
                return _page(request, access, request_id, status=400, **{slot: form})
            try:
                decide(access, _actor(request), request_id, form.cleaned_data if form is not None else {})
            except ServiceError as error:
                if form is None:
                    return _page(request, access, request_id, status=400, error=error.message)
                form.add_error(error.field if error.field in form.fields else None, error.message)
                return _page(request, access, request_id, status=400, **{slot: form})
            messages.success(request, str(done))
            return redirect("staff_refills_request", request_id=request_id)

        return view

    return wrap


@decision(None, "", gettext_lazy("You are reviewing this request."))
def take(access: Access, actor: User, request_id: int, data: dict[str, Any]) -> object:
    return decisions.request_take(access=access, actor=actor, request_id=request_id)


@decision(NoteForm, "note", gettext_lazy("Passed to the prescriber."))
def to_prescriber(access: Access, actor: User, request_id: int, data: dict[str, Any]) -> object:
    return decisions.request_to_prescriber(access=access, actor=actor, request_id=request_id, note=data["note"])


@decision(
    ApproveForm, "approve", gettext_lazy("Approved: the prescription is in the record and on its way to the pharmacy.")
)
def approve(access: Access, actor: User, request_id: int, data: dict[str, Any]) -> object:
    return decisions.request_approve(
        access=access,
        actor=actor,
        request_id=request_id,
        days_supply=data["days_supply"],
        refills=data["refills"] or 0,
        change_note=data["change_note"],
    )


@decision(DenyForm, "deny", gettext_lazy("Denied. The patient was told there is an update."))
def deny(access: Access, actor: User, request_id: int, data: dict[str, Any]) -> object:
    return decisions.request_deny(access=access, actor=actor, request_id=request_id, reason=data["reason"])


@decision(VisitForm, "visit", gettext_lazy("Marked as needing a visit. The patient can book one from the request."))
def needs_visit(access: Access, actor: User, request_id: int, data: dict[str, Any]) -> object:
    return decisions.request_needs_visit(
        access=access,
        actor=actor,
        request_id=request_id,
        note=data["note"],
        bridge_days_supply=data["bridge_days_supply"],
    )
