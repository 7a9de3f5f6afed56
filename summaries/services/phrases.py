"""Every sentence the briefing can say: a key per kind of line, its words translatable, its blanks
filled from the line's params (data from the rows: names, values, counts), never a generated
sentence. A line stores only its key and params; the words are chosen at reading time, in the
reader's language (English and Spanish shipped)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from portal.templatetags.portal_tags import measure, unit_label
from records.templatetags.records_tags import plain_name, plain_term, visit_name

# key -> the sentence (python-format, named blanks; a plural one chooses its form by `count`).
PHRASES: dict[str, Promise] = {
    # What changed
    "result": _("%(name)s: %(value)s"),
    "result_out_of_range": _("%(name)s: %(value)s, %(direction)s"),
    "medication_started": _("Medicine started: %(name)s"),
    "medication_stopped": _("Medicine stopped: %(name)s"),
    "diagnosis_new": _("New diagnosis: %(name)s"),
    "visit_new": _("Visit: %(name)s"),
    "document_new": _("New visit note or document: %(name)s"),
    "reading_over_limit": _("Home reading outside your limits: %(name)s %(value)s"),
    "reading_emergency": _("Home reading at a dangerous level: %(name)s %(value)s"),
    # What needs you
    "result_no_follow_up": _(
        "%(name)s was %(direction)s and has not been checked again. Ask your care team if you need a follow-up."
    ),
    "questionnaire_to_fill": ngettext_lazy(
        "Fill in %(count)s questionnaire before your visit: %(visit_type)s",
        "Fill in %(count)s questionnaires before your visit: %(visit_type)s",
        "count",
    ),
    "unread_answer": _("An answer is waiting for you: %(subject)s"),
    # Several unread answers read as one line (grouped when read, after the reader's filter).
    "unread_answers": ngettext_lazy(
        "%(count)s answer is waiting for you in Messages",
        "%(count)s answers are waiting for you in Messages",
        "count",
    ),
    "care_gap_open": _("Due now: %(rule)s"),
    "care_gap_open_last": _("Due now: %(rule)s. Last done on %(last_done)s at %(organization)s."),
    "care_gap_open_never": _("Due now: %(rule)s. No record of it being done."),
    "refill_running_out": ngettext_lazy(
        "%(name)s runs out in %(count)s day. Request a refill.",
        "%(name)s runs out in %(count)s days. Request a refill.",
        "count",
    ),
    "refill_needs_visit": _("Your refill of %(name)s needs a visit first. Book one."),
    "refill_denied": _("Your refill request for %(name)s was not approved. See why."),
    # Refill requests (the pre-visit briefing's section from refills/previsit.py, for the clinician)
    "refill_request_waiting": _("Refill requested: %(name)s, %(days)s days' supply, waiting for a decision"),
    "renewal_request_waiting": _("Renewal requested: %(name)s, %(days)s days' supply, waiting for a decision"),
    "renewal_request_pharmacy": _(
        "Renewal asked for by %(pharmacy)s: %(name)s, %(days)s days' supply, waiting for a decision"
    ),
    "refill_request_approved": _("Approved, not yet at the pharmacy: %(name)s, %(days)s days' supply"),
    # What is next
    "visit_upcoming": _("%(visit_type)s with %(provider)s at %(location)s"),
    "request_open": _("Your message “%(subject)s”: %(owner)s answers by %(due)s"),
    "request_open_pool": _("Your message “%(subject)s”: the care team answers by %(due)s"),
    "screening_coming_due": _("Coming due: %(rule)s"),
    "screening_coming_due_last": _("Coming due: %(rule)s. Last done on %(last_done)s at %(organization)s."),
    "screening_coming_due_never": _("Coming due: %(rule)s. No record of it being done."),
    "balance_due": _("A bill to pay: %(amount)s to %(organization)s"),
}

# A caregiver reads the lines that say "you" or "your" with the patient's name instead: they are
# not the one whose message, visit or limits these are.
FOR_CAREGIVER: dict[str, Promise] = {
    "reading_over_limit": _("Home reading outside %(patient)s's limits: %(name)s %(value)s"),
    "result_no_follow_up": _(
        "%(name)s was %(direction)s and has not been checked again. "
        "Ask %(patient)s's care team whether a follow-up is needed."
    ),
    "questionnaire_to_fill": ngettext_lazy(
        "Fill in %(count)s questionnaire before %(patient)s's visit: %(visit_type)s",
        "Fill in %(count)s questionnaires before %(patient)s's visit: %(visit_type)s",
        "count",
    ),
    "unread_answer": _("An answer is waiting for %(patient)s: %(subject)s"),
    "unread_answers": ngettext_lazy(
        "%(count)s answer is waiting for %(patient)s in Messages",
        "%(count)s answers are waiting for %(patient)s in Messages",
        "count",
    ),
    "request_open": _("%(patient)s's message “%(subject)s”: %(owner)s answers by %(due)s"),
    "request_open_pool": _("%(patient)s's message “%(subject)s”: the care team answers by %(due)s"),
}

# A clinician reads a result (the pre-visit briefing) with its flag and reference range; a line
# with neither reads as the patient's "result" phrase.
FOR_CLINICIAN: dict[str, Promise] = {
    "result_ranged": _("%(name)s: %(value)s (reference range %(range)s)"),
    "result_flagged": _("%(name)s: %(value)s, %(flag)s"),
    "result_flagged_ranged": _("%(name)s: %(value)s, %(flag)s (reference range %(range)s)"),
}
# A result's flag for a clinician (records/selectors/previsit.py ResultDetail.flag).
FLAGS: dict[str, Promise] = {
    "high": pgettext_lazy("result flag", "high"),
    "low": pgettext_lazy("result flag", "low"),
    "critical_high": pgettext_lazy("result flag", "critically high"),
    "critical_low": pgettext_lazy("result flag", "critically low"),
    "abnormal": pgettext_lazy("result flag", "abnormal"),
    "critical": pgettext_lazy("result flag", "critical"),
}

# The lines that name a test result: named as the record pages name it, by its code.
RESULT_KEYS = ("result", "result_out_of_range", "result_no_follow_up")

# The care gap lines, each with a sentence for a gap last met on a date at an organization
# ("_last") and one for a gap the record never met ("_never").
GAP_KEYS = ("care_gap_open", "screening_coming_due")

# Param values that are words of the portal's own, translated at reading time.
DIRECTIONS: dict[str, Promise] = {
    "high": pgettext_lazy("result", "high"),
    "low": pgettext_lazy("result", "low"),
    "abnormal": pgettext_lazy("result", "outside the usual range"),
}
CHECK_IN: dict[str, Promise] = {
    "done": _("Check-in done"),
    "open": _("Check in now"),
    "early": _("Check-in opens 3 days before"),
    "closed": _("Check-in closed"),
}


def say(key: str, params: Mapping[str, Any], *, patient: str = "") -> str:
    """The sentence of `key` in the active language with its blanks filled; with `patient` (a
    caregiver reading), the sentence that names the patient where it would say "you"."""
    key = _variant(key, params)
    phrase = FOR_CAREGIVER.get(key, PHRASES[key]) if patient else PHRASES[key]
    values = {**dict(params), **({"patient": patient} if patient else {})}
    if "name" in values:
        values["name"] = shown_name(key, values)
    if "value" in values:
        values["value"] = shown_value(values)
    if "direction" in values:
        values["direction"] = str(DIRECTIONS.get(values["direction"], values["direction"]))
    return str(phrase % values)


def _variant(key: str, params: Mapping[str, Any]) -> str:
    """A care gap's sentence says when and where it was last done, or that it never was; a line
    stored before it knew either reads as it did."""
    if key in GAP_KEYS:
        if params.get("last_done") and params.get("organization"):
            return f"{key}_last"
        if params.get("never"):
            return f"{key}_never"
    return key


def shown_name(key: str, values: Mapping[str, Any]) -> str:
    """A record row's name as the record pages show it: a visit by its kind in the reader's language,
    a test by its plain name ("Thyroid test (TSH)") where records explains its code, any coded name
    without SNOMED CT's semantic tag ("(procedure)" is not for patients)."""
    if key == "visit_new":
        return visit_name(SimpleNamespace(code=values.get("code", ""), display=values["name"]))
    if key in RESULT_KEYS and values.get("code"):
        return plain_term(plain_name(SimpleNamespace(code=values["code"], display=values["name"])))
    return plain_term(values["name"])


def shown_value(values: Mapping[str, Any]) -> str:
    """A result's value as the record pages show it: the number to the precision a person reads, the
    unit in the words they read ("thousand/µL" for "10*3/uL"). A line built before it kept the
    number and the unit apart reads as it was stored."""
    if values.get("number") is None:
        return str(values["value"])
    return f"{measure(Decimal(str(values['number'])))} {unit_label(values.get('unit', ''))}".strip()


def say_result_to_clinician(params: Mapping[str, Any]) -> str | None:
    """A result line's sentence for a clinician: value with unit, flag and reference range; None
    for a line built without them (before the pre-visit briefing stored them)."""
    if "flag" not in params and "range" not in params:
        return None
    flag, reference = params.get("flag", ""), params.get("range", "")
    if flag and reference:
        key = "result_flagged_ranged"
    elif flag:
        key = "result_flagged"
    elif reference:
        key = "result_ranged"
    else:
        return str(PHRASES["result"] % dict(params))
    values = {"name": params["name"], "value": params["value"], "range": reference, "flag": str(FLAGS.get(flag, flag))}
    return str(FOR_CLINICIAN[key] % values)
