"""Guest pay's forms: the statement code with the date of birth, then the card."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.forms.card import CardFieldMixin
from portal.forms import PortalForm


class GuestCodeForm(PortalForm):
    code = forms.CharField(
        label=_("Statement code"),
        max_length=24,
        help_text=_("Printed at the top of your paper statement, for example TVJ9EZH6KD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    birth_date = forms.DateField(
        label=_("The patient's date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}),
        error_messages={"invalid": _("Enter a date, for example 1980-02-19.")},
    )


class GuestPayForm(CardFieldMixin, PortalForm):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
