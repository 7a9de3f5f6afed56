"""Template filters of the records app: plain-language explanations of tests, in the language of the
page, and the clinician's comment shown to the patient with a released result.

They live with the records app rather than in the portal's tags, so the portal core imports no app
above it."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import get_language

from records.models import RecordItem
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


@register.filter
def release_comment(item: RecordItem | None) -> str:
    """The comment a clinician left when releasing `item`, or "" (most items were never held).
    Load the hold with the item (select_related("hold")) so this asks the database nothing."""
    if item is None:
        return ""
    try:
        hold = item.hold
    except ObjectDoesNotExist:
        return ""
    return hold.comment if hold.released_at is not None else ""
