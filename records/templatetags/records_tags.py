"""Template filters of the records app: plain-language explanations of tests, in the language of the
page, and the clinician's comment shown to the patient with a released result.

They live with the records app rather than in the portal's tags, so the portal core imports no app
above it."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import get_language, gettext_lazy

from portal.templatetags.portal_tags import status_label
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


# How far along a goal is (FHIR goal-achievement codes), in the words of the page's language.
GOAL_PROGRESS = {
    "in-progress": gettext_lazy("working on it"),
    "improving": gettext_lazy("getting better"),
    "worsening": gettext_lazy("getting worse"),
    "no-change": gettext_lazy("no change yet"),
    "achieved": gettext_lazy("reached"),
    "sustaining": gettext_lazy("reached and keeping it up"),
    "not-achieved": gettext_lazy("not reached"),
    "no-progress": gettext_lazy("no progress yet"),
    "not-attainable": gettext_lazy("no longer possible"),
}


@register.filter
def goal_progress(code: str) -> str:
    return str(GOAL_PROGRESS.get(code, code))


# Statuses only care plans, goals, imaging studies and devices use (the rest: portal's status_label).
MORE_STATUS_LABELS = {
    "proposed": gettext_lazy("proposed"),
    "accepted": gettext_lazy("agreed"),
    "rejected": gettext_lazy("not agreed"),
    "draft": gettext_lazy("draft"),
    "revoked": gettext_lazy("withdrawn"),
    "registered": gettext_lazy("booked"),
    "available": gettext_lazy("available"),
}


@register.filter
def record_status(status: str) -> str:
    """A record line's status in plain words, in the page's language."""
    return str(MORE_STATUS_LABELS.get(status) or status_label(status))
