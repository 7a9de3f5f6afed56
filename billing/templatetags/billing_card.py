"""The card field of billing's forms: our field with the test gateway, Stripe's Payment Element
(in Stripe's own frame, with the publishable key) when the Stripe backend is on."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from billing.gateway import gateway

register = template.Library()


@register.inclusion_tag("billing/_card_field.html", takes_context=True)
def card_field(context: template.Context, field: Any, amount_cents: int = 0, keep: bool = False) -> dict[str, Any]:
    return {
        "request": context.get("request"),
        "field": field,
        "hosted": gateway().hosted_fields,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        # Stripe's Payment Element wants an amount in deferred mode; at least its 50 cent minimum.
        "amount_cents": max(int(amount_cents or 0), 50),
        "keep": keep,
    }
