"""The patient side's forms: a refill request, adding a pharmacy."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from refills.models import Pharmacy
from refills.services.requests import NOTE_MAX, SUPPLY_CHOICES


class RequestForm(PortalForm):
    medicines = forms.MultipleChoiceField(
        label=_("Medicines"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more."),
        error_messages={
            "required": _("Choose at least one medicine."),
            # Never the choice's key (a code system and code) in the patient's face.
            "invalid_choice": _("A medicine you chose can no longer be requested here. Choose again."),
        },
    )
    pharmacy = forms.TypedChoiceField(
        label=_("Pharmacy"),
        coerce=int,
        error_messages={"required": _("Choose a pharmacy."), "invalid_choice": _("Choose a pharmacy.")},
    )
    make_preferred = forms.BooleanField(label=_("Use this pharmacy from now on"), required=False)
    days_supply = forms.TypedChoiceField(
        label=_("Days' supply"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(days, _("%(days)s days") % {"days": days}) for days in SUPPLY_CHOICES],
        initial=90,
        help_text=_("Your care team may approve less, as your prescription allows."),
    )
    note = forms.CharField(
        label=_("Note for your care team (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Not for emergencies. For a new problem, send a message instead."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, medicines: list[tuple[str, str]], pharmacies: list[Pharmacy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["medicines"]).choices = medicines
        cast(forms.ChoiceField, self.fields["pharmacy"]).choices = [
            # No pharmacy is chosen for the patient: without a preferred one they pick.
            ("", _("Choose a pharmacy")),
            *((p.pk, str(p)) for p in pharmacies),
        ]


class PharmacyForm(PortalForm):
    name = forms.CharField(label=_("Pharmacy name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False)


class AlignForm(PortalForm):
    pharmacy = forms.TypedChoiceField(
        label=_("Pharmacy"), coerce=int, error_messages={"required": _("Choose a pharmacy.")}
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, pharmacies: list[Pharmacy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["pharmacy"]).choices = [(p.pk, str(p)) for p in pharmacies]
