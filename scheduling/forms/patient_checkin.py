"""Forms of the eCheck-in pages: contact details, insurance, medicines and allergies, and a
questionnaire (a built-in instrument's 0-3 items, or an administrator's custom fields)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms.patient import CategoryRadios
from portal.models import Patient
from portal.services.errors import ServiceError
from records.models import RecordItem
from scheduling.models import Insurance, Questionnaire, QuestionnaireField
from scheduling.questionnaires import INSTRUMENTS


class Radios(CategoryRadios):
    """Radio buttons whose label target is the first choice, so the error summary's link lands on
    it; templates tell them by `widget_type == "radios"`."""


class ServiceErrorMixin:
    def keep(self, error: ServiceError) -> None:
        """Show a service's refusal on its field (or above the form), keeping what was typed."""
        self.add_error(error.field if error.field in self.fields else None, error.message)  # type: ignore[attr-defined]


class DetailsForm(ServiceErrorMixin, forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(
        label=_("Home address"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def for_patient(cls, patient: Patient, data: Any = None) -> DetailsForm:
        return cls(data, initial={"phone": patient.phone, "email": patient.email, "address": patient.address})


class InsuranceForm(ServiceErrorMixin, forms.Form):
    uninsured = forms.BooleanField(label=_("I do not have health insurance"), required=False)
    payer = forms.CharField(label=_("Insurance company"), max_length=120, required=False)
    member_id = forms.CharField(
        label=_("Member ID"), max_length=64, required=False, help_text=_("On the front of your insurance card.")
    )
    group_number = forms.CharField(label=_("Group number (if your card has one)"), max_length=64, required=False)

    @classmethod
    def for_insurance(cls, insurance: Insurance | None, data: Any = None) -> InsuranceForm:
        initial = {}
        if insurance is not None:
            initial = {f: getattr(insurance, f) for f in ("uninsured", "payer", "member_id", "group_number")}
        return cls(data, initial=initial)


SAME = "same"
MEDICINE_CHOICES = [
    (SAME, _("Still taking it as listed")),
    ("stopped", _("I no longer take this")),
    ("different", _("I take it differently now")),
]
ALLERGY_CHOICES = [(SAME, _("Correct")), ("wrong", _("This is not right"))]
# The words the care team reads for each answer (kept in English in the task, like the record).
CHANGE_WORDS = {
    "stopped": "the patient no longer takes this.",
    "different": "the patient takes this differently now.",
    "wrong": "the patient says this allergy is not right.",
}


class MedicinesForm(forms.Form):
    new_medicines = forms.CharField(
        label=_("New medicines, vitamins or supplements not on the list"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_allergies = forms.CharField(
        label=_("New allergies not on the list"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, items: list[RecordItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            is_medicine = item.kind == RecordItem.Kind.MEDICATION
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.display,
                choices=MEDICINE_CHOICES if is_medicine else ALLERGY_CHOICES,
                initial=SAME,
                widget=Radios,
            )

    def _item_fields(self, kind: str) -> list[forms.BoundField]:
        return [self[f"item_{item.pk}"] for item in self.items if item.kind == kind]

    @property
    def medicine_fields(self) -> list[forms.BoundField]:
        return self._item_fields(RecordItem.Kind.MEDICATION)

    @property
    def allergy_fields(self) -> list[forms.BoundField]:
        return self._item_fields(RecordItem.Kind.ALLERGY)

    def changes(self) -> dict[int, str]:
        return {
            item.pk: CHANGE_WORDS[self.cleaned_data[f"item_{item.pk}"]]
            for item in self.items
            if self.cleaned_data[f"item_{item.pk}"] != SAME
        }


def _custom_field(spec: QuestionnaireField) -> forms.Field:
    common: dict[str, Any] = {"label": spec.question, "required": spec.required}
    if spec.required:
        common["label"] = _("%(question)s (required)") % {"question": spec.question}
        common["error_messages"] = {"required": _("Answer this question.")}
    if spec.kind == QuestionnaireField.Kind.YES_NO:
        return forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=Radios, **common)
    if spec.kind == QuestionnaireField.Kind.CHOICE:
        return forms.ChoiceField(choices=spec.options(), widget=Radios, **common)
    if spec.kind == QuestionnaireField.Kind.NUMBER:
        return forms.DecimalField(max_digits=9, decimal_places=2, **common)
    return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)


class QuestionnaireForm(forms.Form):
    """One form for either kind: instrument items are `item_<n>` (0-3, all required), custom
    fields `field_<id>`."""

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.instrument = INSTRUMENTS.get(questionnaire.builtin)
        if self.instrument is not None:
            scale = [(str(value), words) for value, words in self.instrument.scale()]
            for number, question in self.instrument.questions():
                self.fields[f"item_{number}"] = forms.ChoiceField(
                    label=f"{number}. {question}",
                    choices=scale,
                    widget=Radios,
                    error_messages={"required": _("Answer this question.")},
                )
        else:
            for spec in questionnaire.fields.all():
                self.fields[f"field_{spec.pk}"] = _custom_field(spec)

    def answers(self) -> dict[str, Any]:
        """The answers as stored: item number -> 0-3, or field id -> text, "yes"/"no", a choice, a number."""
        answers: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            key = name.split("_", 1)[1]
            if self.instrument is not None:
                answers[key] = int(value)
            elif value not in (None, ""):
                answers[key] = str(value) if isinstance(value, Decimal) else value
        return answers
