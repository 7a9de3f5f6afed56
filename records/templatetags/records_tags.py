"""Template filters for plain-language explanations of tests, in the language of the page.

They live with the explanations (records/plain_language.py) rather than in the portal's tags, so
the portal core imports no app above it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from records.plain_language import DISCLAIMER, Explanation, explain, normalize_language

register = template.Library()


@register.filter
def explanation_text(explanation: Explanation, field: str) -> str:
    """A plain-language explanation's `field`, in the language of the page."""
    return explanation.text(field, get_language())


@register.filter
def disclaimer(explanation: Explanation) -> str:
    return DISCLAIMER.get(normalize_language(get_language()), DISCLAIMER["en"])


@register.filter
def plain_name(item: Any) -> str:
    """A test's plain-language name ("Thyroid test (TSH)") where there is one, else the source's name."""
    explanation = explain(getattr(item, "code", "") or "")
    return explanation.text("name", get_language()) if explanation else str(getattr(item, "display", ""))
