"""The staff shell: home with queues, patient search, a patient's overview, guardian access."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from portal.access import (
    ADULT_AT,
    MINOR_CONFIDENTIAL_FROM,
    Access,
    Action,
    may_register,
    sees_evisit_report,
    staff_actions,
)
from portal.forms.staff import DeskCodeForm, GuardianGrantForm, PatientInviteForm, PatientSearchForm
from portal.selectors import patient as patient_selectors
from portal.selectors import staff as staff_selectors
from portal.services import invitations, proxies
from portal.services.errors import ServiceError
from portal.views.decorators import View, patient_view, staff_view


@staff_view
def staff_home(request: HttpRequest) -> HttpResponse:
    roles = staff_selectors.staff_roles_of(request.user)  # type: ignore[arg-type]
    # A queue's card only for roles whose actions its pages serve (an administrator or billing
    # clerk keeps no schedule and reviews no results; those pages would answer 404 or nothing).
    actions = staff_actions(request.user)
    context = {
        "may_records": Action.RECORDS in actions,
        "may_message": Action.MESSAGING in actions,
        "may_schedule": Action.SCHEDULING in actions,
        "may_refills": Action.REFILLS in actions,
        "may_search": Action.PROFILE in actions,
        "roles": roles,
        "search_form": PatientSearchForm(),
        "may_register": may_register(request.user),
        "sees_evisit_report": sees_evisit_report(roles),
    }
    return render(request, "portal/staff/home.html", context)


@staff_view
def patient_search(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = staff_selectors.patient_search(
            actor=request.user,  # type: ignore[arg-type]
            query=form.cleaned_data["q"] or "",
            birth_date=form.cleaned_data["birth_date"],
        )
    template = "portal/staff/_search_results.html" if request.htmx else "portal/staff/search.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "results": results, "limit": staff_selectors.SEARCH_LIMIT})


def _staff_patient(action: str) -> Callable[[View], View]:
    """A patient page for staff: staff-only, then the access policy for the patient."""

    def decorate(view: View) -> View:
        return staff_view(patient_view(action)(view))

    return decorate


@_staff_patient(Action.PROFILE)
def patient_detail(request: HttpRequest, access: Access) -> HttpResponse:
    patient = patient_selectors.patient_overview(access=access, actor=request.user)  # type: ignore[arg-type]
    age = patient.age_on(timezone.localdate())
    context = {
        "access": access,
        "patient": patient,
        "age": age,
        "is_child": age < MINOR_CONFIDENTIAL_FROM,
        "is_minor": age < ADULT_AT,
        "guardian_form": GuardianGrantForm(),
        "invite_form": PatientInviteForm(initial={"email": patient.email}),
        "desk_code_form": DeskCodeForm(initial={"phone": patient.phone}),
    }
    return render(request, "portal/staff/patient.html", context)


@_staff_patient(Action.SHARING)
def guardian_grant(request: HttpRequest, access: Access) -> HttpResponse:
    """Staff set up a parent's or guardian's access for a minor (required under 12)."""
    patient_selectors.patient_overview(access=access, actor=request.user)  # type: ignore[arg-type]
    form = GuardianGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proxies.proxy_invite(access=access, actor=request.user, is_guardian=True, **form.invitation())  # type: ignore[arg-type]
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The guardian was invited by email."))
            return redirect("staff_patient", patient_id=access.patient.pk)
    status = 400 if form.errors else 200
    return render(request, "portal/staff/guardian.html", {"access": access, "form": form}, status=status)


@_staff_patient(Action.PROFILE)
def patient_invite(request: HttpRequest, access: Access) -> HttpResponse:
    """Send the patient an activation link for their own account."""
    form = PatientInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.patient_invite(access=access, actor=request.user, email=form.cleaned_data["email"])  # type: ignore[arg-type]
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The activation link was sent."))
        return redirect("staff_patient", patient_id=access.patient.pk)
    return redirect("staff_patient", patient_id=access.patient.pk)


@_staff_patient(Action.PROFILE)
def patient_desk_code(request: HttpRequest, access: Access) -> HttpResponse:
    """An activation code for a patient at the desk who needs help signing up: a printable page
    with the code (shown this once), or a text to the number they give."""
    if request.method != "POST":
        return redirect("staff_patient", patient_id=access.patient.pk)
    patient = patient_selectors.patient_overview(access=access, actor=request.user)  # type: ignore[arg-type]
    form = DeskCodeForm(request.POST)
    if form.is_valid():
        try:
            invitation, code = invitations.desk_code_issue(
                access=access,
                actor=request.user,  # type: ignore[arg-type]
                delivery=form.cleaned_data["delivery"],
                phone=form.cleaned_data["phone"],
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if invitation.delivery == invitation.Delivery.TEXT:
                messages.success(request, _("The activation code was texted. It works once, for 7 days."))
                return redirect("staff_patient", patient_id=access.patient.pk)
            context = {
                "patient": patient,
                "code": invitations.shown_code(code),
                "expires_at": invitation.expires_at,
                "activate_url": request.build_absolute_uri(
                    reverse("activate", kwargs={"token": invitations.shown_code(code)})
                ),
                "signup_url": request.build_absolute_uri(reverse("account_signup")),
            }
            response = render(request, "portal/staff/desk_code.html", context)
            # The code is on this page only: never kept by a browser's or a proxy's cache.
            patch_cache_control(response, private=True, no_store=True)
            return response
    context = {"access": access, "patient": patient, "form": form}
    return render(request, "portal/staff/desk_code_form.html", context, status=400)
