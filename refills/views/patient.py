"""The patient side's refill pages, for the patient or a caregiver with the refills scope: the
medicines with one action each (computed on the server), the request form, a request with its
owner, answer time and timeline, pharmacies. Staff work from their own pages: 404 here."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import safety
from portal.access import Access, Action
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view
from refills.forms.patient import AlignForm, PharmacyForm, RequestForm
from refills.selectors import patient as selectors
from refills.services import requests as services

refills_page = patient_view(Action.REFILLS, patient_side=True, clinic_time=True)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@refills_page
@require_GET
def home(request: HttpRequest, access: Access) -> HttpResponse:
    actor = _actor(request)
    today = timezone.localdate()
    medicines = selectors.medicine_actions(access=access, actor=actor, today=today)
    plan = selectors.alignment_plan(access, today=today, actions={m.key: m for m in medicines})
    return render(
        request,
        "refills/patient/home.html",
        {
            "access": access,
            "medicines": medicines,
            "plan": plan,
            "requestable": [m for m in medicines if m.requestable],
            "requests": selectors.requests_list(access=access, actor=actor, limit=20),
            "preferred": selectors.preferred_pharmacy(access, actor=actor),
        },
    )


def _made_before(request: HttpRequest, access: Access) -> HttpResponse | None:
    """The same form sent again (a double click, a retry): show what it made, as the first did."""
    if request.method != "POST":
        return None
    done = selectors.made_by_form(access, request.POST.get("idempotency_key", ""))
    if done is None:
        return None
    return redirect("refills_request", patient_id=access.patient.pk, request_id=done.pk)


@refills_page
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest, access: Access) -> HttpResponse:
    actor = _actor(request)
    if (again := _made_before(request, access)) is not None:
        return again
    medicines = [
        m for m in selectors.medicine_actions(access=access, actor=actor, today=timezone.localdate()) if m.requestable
    ]
    pharmacies = list(selectors.pharmacies(access))
    preferred = selectors.preferred_pharmacy(access, actor=actor)
    choices = [(m.key, f"{m.name} ({m.request_kind_label})") for m in medicines]
    initial: dict[str, Any] = {
        "idempotency_key": uuid.uuid4().hex,
        "medicines": [key for key in request.GET.getlist("m") if key in {m.key for m in medicines}],
        "pharmacy": preferred.pk if preferred else None,
        "days_supply": 90,
    }
    form = RequestForm(
        request.POST if request.method == "POST" else None, initial=initial, medicines=choices, pharmacies=pharmacies
    )
    context: dict[str, Any] = {"access": access, "form": form, "medicines": medicines, "preferred": preferred}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.request_submit(
                access=access,
                actor=actor,
                medication_keys=data["medicines"],
                pharmacy_id=data["pharmacy"],
                days_supply=data["days_supply"],
                note=data["note"],
                idempotency_key=data["idempotency_key"],
                confirmed_flags=safety.confirmed_in(request.POST),
                make_preferred=data["make_preferred"],
            )
        except safety.Unconfirmed as refusal:
            context.update(
                {"safety_flags": refusal.flags, "safety_labels": refusal.labels, "screened": " ".join(refusal.flags)}
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if safety.screen(data["note"]):
                messages.warning(
                    request,
                    _(
                        "We have sent your note to the clinic's care team as urgent. If this is an emergency, "
                        "call 911 now: do not wait for an answer."
                    ),
                )
            else:
                messages.success(request, _("Your request was sent."))
            return redirect("refills_request", patient_id=access.patient.pk, request_id=made[0].pk)
    return render(request, "refills/patient/request_form.html", context)


@refills_page
@require_http_methods(["GET", "POST"])
def align(request: HttpRequest, access: Access) -> HttpResponse:
    """The "renew all my long-term medicines to my annual visit" request: the plan, and one button to ask."""
    actor = _actor(request)
    if (again := _made_before(request, access)) is not None:
        return again
    today = timezone.localdate()
    medicines = selectors.medicine_actions(access=access, actor=actor, today=today)
    plan = selectors.alignment_plan(access, today=today, actions={m.key: m for m in medicines})
    preferred = selectors.preferred_pharmacy(access, actor=actor)
    form = AlignForm(
        request.POST if request.method == "POST" else None,
        initial={"idempotency_key": uuid.uuid4().hex, "pharmacy": preferred.pk if preferred else None},
        pharmacies=list(selectors.pharmacies(access)),
    )
    if request.method == "POST" and plan.available and form.is_valid():
        try:
            made = services.alignment_submit(
                access=access,
                actor=actor,
                pharmacy_id=form.cleaned_data["pharmacy"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your request was sent."))
            return redirect("refills_request", patient_id=access.patient.pk, request_id=made[0].pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "refills/patient/align.html", {"access": access, "plan": plan, "form": form}, status=status)


@refills_page
@require_GET
def request_page(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    page = selectors.request_detail(access=access, actor=_actor(request), request_id=request_id)
    if page is None:
        raise Http404
    return render(request, "refills/patient/request.html", {"access": access, "page": page, "refill": page.request})


@refills_page
@require_POST
def cancel(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    try:
        services.request_cancel(access=access, actor=_actor(request), request_id=request_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request was cancelled."))
    return redirect("refills_request", patient_id=access.patient.pk, request_id=request_id)


@refills_page
@require_http_methods(["GET", "POST"])
def pharmacies(request: HttpRequest, access: Access) -> HttpResponse:
    """Find a pharmacy, make one the default, or add one the clinic does not know yet."""
    actor = _actor(request)
    query = request.GET.get("q", "").strip()[:100]
    form = PharmacyForm(request.POST if request.POST.get("add") else None)
    if request.method == "POST":
        try:
            if request.POST.get("add"):
                if form.is_valid():
                    pharmacy = services.pharmacy_add(access=access, actor=actor, **form.cleaned_data)
                    services.pharmacy_prefer(access=access, actor=actor, pharmacy_id=pharmacy.pk)
                    messages.success(request, _("Pharmacy added and chosen for your requests."))
                    return redirect("refills_pharmacies", patient_id=access.patient.pk)
            else:
                services.pharmacy_prefer(access=access, actor=actor, pharmacy_id=_int(request.POST.get("pharmacy")))
                messages.success(request, _("Your pharmacy was changed."))
                return redirect("refills_pharmacies", patient_id=access.patient.pk)
        except ServiceError as error:
            if form.is_bound:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:  # choosing one: the form to add one is not the place for the refusal
                messages.error(request, error.message)
    return render(
        request,
        "refills/patient/pharmacies.html",
        {
            "access": access,
            "form": form,
            "query": query,
            "found": list(selectors.pharmacies(access, query)),
            "preferred": selectors.preferred_pharmacy(access, actor=actor),
        },
    )


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
