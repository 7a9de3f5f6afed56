"""The patient's payment form: what to pay, how much, and the card (tokenized, never kept)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.forms.card import CardFieldMixin
from billing.models import Payment
from billing.money import AmountInvalid, parse_amount
from portal.forms import PortalForm


class PayForm(CardFieldMixin, PortalForm):
    purpose = forms.ChoiceField(label=_("What do you want to pay?"), widget=forms.RadioSelect)
    amount = forms.CharField(
        label=_("Amount (US dollars)"),
        required=False,
        max_length=20,
        help_text=_("Only if you chose an amount. For example 25.00."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        help_text=_("Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, statement_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(Payment.Purpose.FULL, _("Everything you owe here"))]
        if statement_label:
            choices.append((Payment.Purpose.STATEMENT, statement_label))
        choices.append((Payment.Purpose.AMOUNT, _("An amount you choose")))
        self.fields["purpose"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("purpose") == Payment.Purpose.AMOUNT:
            try:
                cleaned["amount_cents"] = parse_amount(cleaned.get("amount") or "")
            except AmountInvalid as error:
                self.add_error("amount", str(error))
        return cleaned


class QuestionForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[
            ("question", _("A question about a bill")),
            ("assistance", _("Help paying: financial assistance")),
        ],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        help_text=_("No card numbers, please. The billing office answers here, in the portal."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40)


class PlanForm(CardFieldMixin, PortalForm):
    """A payment plan: how much each month, on which day, and the card to charge."""

    card_reusable = True

    monthly_amount = forms.CharField(
        label=_("Monthly amount (US dollars)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    day_of_month = forms.TypedChoiceField(
        label=_("Day of the month to pay"),
        coerce=int,
        choices=[(day, str(day)) for day in range(1, 29)],
        help_text=_("Between the 1st and the 28th, so every month has it."),
    )
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        help_text=_("Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "monthly_amount" in cleaned:
            try:
                cleaned["monthly_cents"] = parse_amount(cleaned["monthly_amount"])
            except AmountInvalid as error:
                self.add_error("monthly_amount", str(error))
        return cleaned


class EstimateRequestForm(PortalForm):
    """Ask for a Good Faith Estimate of a priced visit (for people without insurance or not using it)."""

    item = forms.TypedChoiceField(label=_("Which visit?"), coerce=int)
    coverage = forms.ChoiceField(
        label=_("Which is true for you?"),
        widget=forms.RadioSelect,
        choices=[
            ("uninsured", _("I do not have health insurance")),
            ("self_pay", _("I have insurance but will pay for this visit myself")),
        ],
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, items: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.pk, item.visit_type.label) for item in items]  # type: ignore[attr-defined]
