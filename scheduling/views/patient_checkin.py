"""The eCheck-in pages of one appointment, for the patient or a caregiver with the scheduling
scope (staff, who reach the appointment too, have their own pages: 404 here). Times read in the
patient's clinic's time zone. Each step's form posts to its own page and comes back to the
check-in page; a refused step re-renders its form with everything typed kept. Words that
suggest an emergency come back with the emergency guidance (messaging's safety screen, applied
by the services) and are sent only with "Send it anyway"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from messaging import safety
from portal.access import Access, Action
from portal.models import User
from portal.services.errors import ServiceError
from portal.views.decorators import patient_view
from scheduling.forms.patient_checkin import DetailsForm, InsuranceForm, MedicinesForm, QuestionnaireForm
from scheduling.models import Insurance, Questionnaire, QuestionnaireResponse
from scheduling.questionnaires import INSTRUMENTS
from scheduling.services import checkin
from scheduling.services.checkin import State, Window

PAGE_OR_SEND = require_http_methods(["GET", "POST"])


checkin_page = patient_view(Action.SCHEDULING, patient_side=True, clinic_time=True)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _state(request: HttpRequest, access: Access, appointment_id: int) -> State:
    return checkin.checkin_state(access=access, actor=_actor(request), appointment_id=appointment_id)


def _back(access: Access, appointment_id: int) -> HttpResponse:
    return redirect("checkin", patient_id=access.patient.pk, appointment_id=appointment_id)


def _step(
    request: HttpRequest,
    access: Access,
    state: State,
    template: str,
    form: Any,
    status: int = 200,
    flags: list[str] | None = None,
) -> HttpResponse:
    """A step's page, or the check-in page (which explains why) when the window is not open.
    With `flags`, the safety screen's guidance and its "Send it anyway" button."""
    if state.window != Window.OPEN:
        return _back(access, state.appointment.pk)
    flags = flags or []
    context = {
        "access": access,
        "state": state,
        "appointment": state.appointment,
        "form": form,
        "safety_flags": flags,
        "safety_labels": safety.labels(flags),
        "screened": " ".join(flags),
    }
    return render(request, template, context, status=status)


@checkin_page
@require_http_methods(["GET"])
def overview(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    state = _state(request, access, appointment_id)
    context = {
        "access": access,
        "state": state,
        "appointment": state.appointment,
        "opens_at": checkin.opens_at(state.appointment),
    }
    return render(request, "scheduling/checkin/overview.html", context)


@checkin_page
@PAGE_OR_SEND
def details(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    state = _state(request, access, appointment_id)
    form = DetailsForm.for_patient(access.patient, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = checkin.details_confirm(
                access=access, actor=_actor(request), appointment_id=appointment_id, **form.cleaned_data
            )
        except ServiceError as error:
            form.keep(error)
        else:
            messages.success(
                request, _("Your details are updated.") if changed else _("Thank you for confirming your details.")
            )
            return _back(access, appointment_id)
    return _step(request, access, state, "scheduling/checkin/details.html", form, 400 if form.errors else 200)


@checkin_page
@PAGE_OR_SEND
def insurance(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    state = _state(request, access, appointment_id)
    current = Insurance.objects.filter(patient=access.patient).first()
    form = InsuranceForm.for_insurance(current, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            checkin.insurance_confirm(
                access=access, actor=_actor(request), appointment_id=appointment_id, **form.cleaned_data
            )
        except ServiceError as error:
            form.keep(error)
        else:
            messages.success(request, _("Thank you. The front desk will check your coverage before the visit."))
            return _back(access, appointment_id)
    return _step(request, access, state, "scheduling/checkin/insurance.html", form, 400 if form.errors else 200)


@checkin_page
@PAGE_OR_SEND
def medicines(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    state = _state(request, access, appointment_id)
    items = checkin.reviewable_items(access)
    form = MedicinesForm(request.POST if request.method == "POST" else None, items=items)
    flags: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            tasks = checkin.medicines_review(
                access=access,
                actor=_actor(request),
                appointment_id=appointment_id,
                changes=form.changes(),
                new_medicines=form.cleaned_data["new_medicines"],
                new_allergies=form.cleaned_data["new_allergies"],
                confirmed_flags=safety.confirmed_in(request.POST),
            )
        except safety.Unconfirmed as refusal:
            flags = refusal.flags
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            done = (
                _("Thank you. Your care team will go over the changes with you.")
                if tasks
                else _("Thank you for checking your lists.")
            )
            messages.success(request, done)
            return _back(access, appointment_id)
    template = "scheduling/checkin/medicines.html"
    return _step(request, access, state, template, form, 400 if form.errors else 200, flags)


def _questionnaire(state: State, questionnaire_id: int) -> tuple[Questionnaire, QuestionnaireResponse | None]:
    for step in state.steps:
        if step.questionnaire.pk == questionnaire_id:
            return step.questionnaire, step.response
    raise Http404


@checkin_page
@PAGE_OR_SEND
def questionnaire(request: HttpRequest, access: Access, appointment_id: int, questionnaire_id: int) -> HttpResponse:
    state = _state(request, access, appointment_id)
    chosen, answered = _questionnaire(state, questionnaire_id)
    if answered is not None:
        return redirect(
            "checkin_answered",
            patient_id=access.patient.pk,
            appointment_id=appointment_id,
            questionnaire_id=questionnaire_id,
        )
    form = QuestionnaireForm(request.POST if request.method == "POST" else None, questionnaire=chosen)
    flags: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            checkin.answer(
                access=access,
                actor=_actor(request),
                appointment_id=appointment_id,
                questionnaire_id=questionnaire_id,
                answers=form.answers(),
                confirmed_flags=safety.confirmed_in(request.POST),
            )
        except safety.Unconfirmed as refusal:
            flags = refusal.flags
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect(
                "checkin_answered",
                patient_id=access.patient.pk,
                appointment_id=appointment_id,
                questionnaire_id=questionnaire_id,
            )
    template = "scheduling/checkin/questionnaire.html"
    return _step(request, access, state, template, form, 400 if form.errors else 200, flags)


@checkin_page
@require_http_methods(["GET"])
def answered(request: HttpRequest, access: Access, appointment_id: int, questionnaire_id: int) -> HttpResponse:
    """Thanks for the answers, with the score and its band for an instrument, and the crisis
    resources when PHQ-9 item 9 was above 0 (shown first, before anything else)."""
    state = _state(request, access, appointment_id)
    chosen, response = _questionnaire(state, questionnaire_id)
    if response is None:
        raise Http404
    band = None
    instrument = INSTRUMENTS.get(chosen.builtin)
    if instrument is not None and response.score is not None:
        band = instrument.band(response.score)
    context = {
        "access": access,
        "state": state,
        "appointment": state.appointment,
        "questionnaire": chosen,
        "response": response,
        "band": band,
        "instrument": instrument,
    }
    return render(request, "scheduling/checkin/answered.html", context)


@checkin_page
@require_POST
def finish(request: HttpRequest, access: Access, appointment_id: int) -> HttpResponse:
    try:
        checkin.checkin_finish(access=access, actor=_actor(request), appointment_id=appointment_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are checked in. See you at your visit."))
    return _back(access, appointment_id)
