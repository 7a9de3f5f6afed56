"""Billing staff's forms: an adjustment and a refund, each with a reason and the form's key; the
patient's coverage and insurance on file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Account
from billing.money import AmountInvalid, parse_amount
from portal.forms import PortalForm


class _MoneyForm(PortalForm):
    amount = forms.CharField(
        label=_("Amount (US dollars)"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_amount(self) -> int:
        try:
            return parse_amount(self.cleaned_data["amount"])
        except AmountInvalid as error:
            raise forms.ValidationError(str(error)) from None


class AdjustmentForm(_MoneyForm):
    direction = forms.ChoiceField(
        label=_("Adjustment"),
        choices=[("credit", _("Take off what the patient owes")), ("debit", _("Add to what the patient owes"))],
        widget=forms.RadioSelect,
    )

    def signed_cents(self) -> int:
        data: dict[str, Any] = self.cleaned_data
        return -data["amount"] if data["direction"] == "credit" else data["amount"]


class RefundForm(_MoneyForm):
    pass


class PlanCancelForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept with the plan. For example: the patient asked by phone."),
    )


class CoverageForm(PortalForm):
    """The patient's coverage for this organization's care (the service validates the rest)."""

    coverage = forms.ChoiceField(label=_("Coverage"), choices=Account.Coverage.choices, widget=forms.RadioSelect)
    insurer_name = forms.CharField(
        label=_("Insurance company"),
        max_length=200,
        required=False,
        help_text=_("As on the card. Needed when the visit is billed to insurance."),
    )
    member_id = forms.CharField(label=_("Member ID"), max_length=40, required=False)
    group_number = forms.CharField(label=_("Group number"), max_length=40, required=False)
