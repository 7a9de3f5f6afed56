"""The card in billing's forms, whichever gateway takes it. With the test gateway the person types
the number into our field (test numbers only; it is tokenized at once and never kept). With a
hosted-fields gateway (Stripe) the card is typed into Stripe's Payment Element, which posts only
the PaymentMethod id Stripe made in a hidden field of the same name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.gateway import CardRefused, GatewayUnavailable, gateway


class CardFieldMixin(forms.Form):
    # True when the card is kept to charge later (a payment plan's instalments).
    card_reusable = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if gateway().hosted_fields:
            self.fields["card_number"] = forms.CharField(
                label=_("Card"),
                max_length=130,
                widget=forms.HiddenInput,
                error_messages={"required": _("Enter your card details.")},
            )

    def clean_card_number(self) -> Any:
        chosen = gateway()
        try:
            return chosen.tokenize(self.cleaned_data["card_number"], reusable=self.card_reusable)
        except CardRefused:
            if chosen.hosted_fields:
                raise forms.ValidationError(_("Your card details did not reach us. Enter them again.")) from None
            raise forms.ValidationError(_("This is not a card number. Check the 16 digits on the card.")) from None
        except GatewayUnavailable:
            raise forms.ValidationError(
                _("The card processor did not answer. Nothing was charged. Try again in a minute.")
            ) from None
