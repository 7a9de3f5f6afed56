"""Template filters of the records app: plain-language explanations of tests, in the language of the
page, and the clinician's comment shown to the patient with a released result.

They live with the records app rather than in the portal's tags, so the portal core imports no app
above it."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import get_language, gettext, gettext_lazy

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


# The kind of visit (FHIR R4 Encounter.class, v3 ActCode), in plain words.
VISIT_KINDS = {
    "AMB": gettext_lazy("Office visit"),
    "IMP": gettext_lazy("Hospital stay"),
    "ACUTE": gettext_lazy("Hospital stay"),
    "NONAC": gettext_lazy("Hospital stay"),
    "OBSENC": gettext_lazy("Hospital observation stay"),
    "EMER": gettext_lazy("Emergency visit"),
    "VR": gettext_lazy("Video or phone visit"),
    "HH": gettext_lazy("Home visit"),
    "FLD": gettext_lazy("Visit away from the clinic"),
    "SS": gettext_lazy("Same-day surgery"),
    "PRENC": gettext_lazy("Planned visit"),
}
# What the visit was for, for the kinds sources send most (SNOMED CT codes Synthea and US Core use).
VISIT_TYPES = {
    "185347001": gettext_lazy("Visit about a health problem"),
    "185349003": gettext_lazy("Check-up"),
    "185345009": gettext_lazy("Visit about a symptom"),
    "162673000": gettext_lazy("General check-up"),
    "410620009": gettext_lazy("Well-child check-up"),
    "50849002": gettext_lazy("Emergency room visit"),
    "183452005": gettext_lazy("Emergency hospital stay"),
    "698314001": gettext_lazy("Visit to talk about treatment"),
    "185389009": gettext_lazy("Follow-up visit"),
    "390906007": gettext_lazy("Follow-up visit"),
    "439740005": gettext_lazy("Follow-up after an operation"),
    "424441002": gettext_lazy("First pregnancy check-up"),
    "424619006": gettext_lazy("Pregnancy check-up"),
    "169762003": gettext_lazy("Check-up after giving birth"),
}
# SNOMED CT's semantic tag at the end of a name ("Encounter for problem (procedure)"): not for patients.
_SEMANTIC_TAG = re.compile(r"\s*\((procedure|finding|disorder|situation|qualifier value|regime/therapy|event)\)$")


@register.filter
def visit_name(item: Any) -> str:
    """What a visit was, in plain words: a known kind by its code, else the source's name without
    SNOMED's tag ("Encounter for problem (procedure)" reads "Visit for problem")."""
    known = VISIT_TYPES.get(getattr(item, "code", "") or "")
    if known is not None:
        return str(known)
    name = _SEMANTIC_TAG.sub("", str(getattr(item, "display", ""))).strip()
    if name.lower() in ("", "unknown"):  # US Core's "Unknown (qualifier value)": say what kind it was
        return visit_kind(getattr(item, "category", "")) or gettext("Visit")
    if name.lower().startswith("encounter for "):
        name = gettext("Visit for %(what)s") % {"what": name[len("encounter for ") :]}
    return name


@register.filter
def visit_kind(category: str) -> str:
    """The kind of visit (office, hospital stay, emergency...), or "" when the source did not say."""
    kind = VISIT_KINDS.get((category or "").upper())
    return str(kind) if kind is not None else ""


@register.filter
def plain_term(name: str) -> str:
    """A coded name without SNOMED CT's semantic tag: "No (qualifier value)" reads "No"."""
    return _SEMANTIC_TAG.sub("", str(name or "")) or str(name or "")
