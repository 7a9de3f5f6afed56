"""Plain-language explanations of common lab results and vital signs, in English and Spanish.

This is general educational content for patients, written for plain language (short sentences, everyday
words, about a 6th-grade reading level) and, in Spanish, for US clinics ("usted" forms). It explains what a
test measures and what a high or low result *usually* means; it is not a diagnosis and not advice for any one
patient. The patient's own care team interprets each result.

The text lives in data files, one per code, in ``records/content/plain_language/`` (see the README there):
``loinc/<code>.toml`` for each explanation and ``guidance.toml`` for the disclaimer and next-step sentences. This
module loads them once, checks them (required fields, every language present, the same placeholders in every
language, no code explained twice) and raises `ContentError` naming the file when one is wrong.

Which codes: the LOINC codes were chosen by counting every Observation (and blood-pressure component) in the
Synthea sample data (``/work/shared/data/synthea-r4-bundles``) and taking the lab and vital-sign codes, most
common first: the vital signs, basic and comprehensive metabolic panels, lipid panel, hemoglobin A1c, complete
blood count, eGFR, and the less common heart, lung and colon-screening results found there. Survey and
social-history items (such as tobacco smoking status or questionnaire scores) and pathology measurements are
left out. Common vital signs that the sample happened not to contain (heart rate, breathing rate, body
temperature, oxygen level) and the thyroid test TSH were added. Urinalysis did not appear in the sample.

Each explanation carries two next steps: ``next_step`` is the default guidance when a result is flagged
abnormal (H or L), and ``critical_next_step`` when it is flagged critically abnormal (HH or LL). ``GUIDANCE``
holds the sentence the patient sees for each. Codes for the same measurement share one file (``codes`` lists
them all).

Before a clinic goes live, its clinicians must review this text (and the next steps) against their own lab
reference ranges, critical-value policy and after-hours process. Local reference ranges always win over the
example numbers given in the text, which are typical US adult values.

This module has no dependencies beyond the standard library and does not touch Django models.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final

# Next steps, from least to most urgent.
ROUTINE: Final = "routine"
MESSAGE: Final = "message"
CALL: Final = "call"
EMERGENCY: Final = "emergency"
NEXT_STEPS: Final[tuple[str, ...]] = (ROUTINE, MESSAGE, CALL, EMERGENCY)

LANGUAGES: Final[tuple[str, ...]] = ("en", "es")
DEFAULT_LANGUAGE: Final = "en"
TEXT_FIELDS: Final[tuple[str, ...]] = ("name", "measures", "high", "low")
NEXT_STEP_FIELDS: Final[tuple[str, ...]] = ("next_step", "critical_next_step")

CONTENT: Final = Path(__file__).resolve().parent / "content" / "plain_language"
# The folder of each code system's files, and the system URI its files must name.
SYSTEMS: Final[dict[str, str]] = {"loinc": "http://loinc.org"}
LOINC_CODE: Final = re.compile(r"\d{1,7}-\d")
# str.format fields, %-style fields and HTML tags: a translation must keep every one the English has.
PLACEHOLDER: Final = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[-#0+]*\d*(?:\.\d+)?[sdifr]|<[^<>]+>")
PENDING: Final = "pending"


def normalize_language(language: str | None) -> str:
    """``"es-MX"``, ``"es_US"`` or ``"ES"`` -> ``"es"``; empty -> the default language."""
    if not language:
        return DEFAULT_LANGUAGE
    return language.strip().replace("_", "-").split("-", 1)[0].lower() or DEFAULT_LANGUAGE


def guidance(next_step: str, language: str | None = DEFAULT_LANGUAGE) -> str:
    """The patient-facing sentence for a next step, in `language` (English when that language is missing)."""
    sentences = GUIDANCE[next_step]
    return sentences.get(normalize_language(language)) or sentences[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Explanation:
    """What one test measures and what a high or low result usually means, by language code."""

    loinc: str
    name: dict[str, str]
    measures: dict[str, str]
    high: dict[str, str]
    low: dict[str, str]
    next_step: str
    critical_next_step: str

    def __post_init__(self) -> None:
        for field in TEXT_FIELDS:
            if not getattr(self, field).get(DEFAULT_LANGUAGE):
                raise ValueError(f"{self.loinc}: {field} has no {DEFAULT_LANGUAGE!r} text")
        for field in NEXT_STEP_FIELDS:
            if getattr(self, field) not in NEXT_STEPS:
                raise ValueError(f"{self.loinc}: {field} must be one of {NEXT_STEPS}")
        if NEXT_STEPS.index(self.critical_next_step) < NEXT_STEPS.index(self.next_step):
            raise ValueError(f"{self.loinc}: critical_next_step is less urgent than next_step")

    def text(self, field: str, language: str | None = DEFAULT_LANGUAGE) -> str:
        """`field` ("name", "measures", "high", "low", or a next-step field for its guidance sentence) in
        `language`, falling back to English when that language is missing."""
        if field in NEXT_STEP_FIELDS:
            return guidance(getattr(self, field), language)
        if field not in TEXT_FIELDS:
            raise ValueError(f"unknown field {field!r}; expected one of {TEXT_FIELDS + NEXT_STEP_FIELDS}")
        texts: dict[str, str] = getattr(self, field)
        return texts.get(normalize_language(language)) or texts[DEFAULT_LANGUAGE]


class ContentError(ValueError):
    """A plain-language data file is missing, malformed or inconsistent; the message names the file."""


@dataclass(frozen=True)
class Review:
    """Who wrote a file's text and who reviewed it clinically (both languages, as one unit)."""

    written_by: str
    written_on: date
    reviewed_by: str  # PENDING until a clinician has reviewed it
    reviewed_on: date | str  # a date, or PENDING
    status: str


@dataclass(frozen=True)
class Content:
    explanations: dict[str, Explanation]  # code -> explanation
    guidance: dict[str, dict[str, str]]  # next step -> language -> sentence
    disclaimer: dict[str, str]  # language -> sentence
    reviews: dict[str, Review]  # file path (relative to the content folder) -> its review


def _fail(path: Path, message: str) -> ContentError:
    return ContentError(f"{path}: {message}")


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise _fail(path, str(error)) from error


def _keys(path: Path, document: dict[str, Any], required: set[str], where: str = "") -> None:
    missing, unknown = required - set(document), set(document) - required
    if missing or unknown:
        found = ", ".join(
            f"{label} {sorted(keys)}" for label, keys in (("missing", missing), ("unknown", unknown)) if keys
        )
        raise _fail(path, f"{where or 'top level'}: {found}")


def _string(path: Path, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise _fail(path, f"{where}: expected non-empty text without leading or trailing spaces")
    return value


def _texts(path: Path, value: Any, where: str) -> dict[str, str]:
    """One text in every language, with the same placeholders in each."""
    if not isinstance(value, dict):
        raise _fail(path, f"{where}: expected a table with one text per language {list(LANGUAGES)}")
    _keys(path, value, set(LANGUAGES), where)
    texts = {language: _string(path, value[language], f"{where}.{language}") for language in LANGUAGES}
    expected = sorted(PLACEHOLDER.findall(texts[DEFAULT_LANGUAGE]))
    for language, text in texts.items():
        if sorted(PLACEHOLDER.findall(text)) != expected:
            raise _fail(
                path,
                f"{where}.{language}: placeholders {sorted(PLACEHOLDER.findall(text))} differ from "
                f"{DEFAULT_LANGUAGE!r} {expected}",
            )
    return texts


def _review(path: Path, value: Any) -> Review:
    if not isinstance(value, dict):
        raise _fail(path, "review: missing (who wrote the text, who reviewed it, when, and its status)")
    _keys(path, value, {"written_by", "written_on", "reviewed_by", "reviewed_on", "status"}, "review")
    if not isinstance(value["written_on"], date):
        raise _fail(path, "review.written_on: must be a date")
    reviewed_by = _string(path, value["reviewed_by"], "review.reviewed_by")
    reviewed_on = value["reviewed_on"]
    # Reviewed means both a reviewer and a date; a reviewer is never invented, so pending stays pending.
    if (reviewed_by == PENDING) != (reviewed_on == PENDING) or not (
        reviewed_on == PENDING or isinstance(reviewed_on, date)
    ):
        raise _fail(path, f"review: reviewed_by and reviewed_on are both {PENDING!r}, or a name and a date")
    return Review(
        written_by=_string(path, value["written_by"], "review.written_by"),
        written_on=value["written_on"],
        reviewed_by=reviewed_by,
        reviewed_on=reviewed_on,
        status=_string(path, value["status"], "review.status"),
    )


def _explanations(path: Path, system: str) -> tuple[list[str], Explanation, Review]:
    document = _read(path)
    _keys(path, document, {"system", "codes", "display", "next_step", "critical_next_step", "review", *TEXT_FIELDS})
    if document["system"] != system:
        raise _fail(path, f"system: expected {system!r} for a file in {path.parent.name}/")
    codes = document["codes"]
    if not isinstance(codes, list) or not codes or not all(isinstance(code, str) for code in codes):
        raise _fail(path, "codes: expected a list of at least one code")
    if len(set(codes)) != len(codes):
        raise _fail(path, "codes: lists a code twice")
    for code in codes:
        if not LOINC_CODE.fullmatch(code):
            raise _fail(path, f"codes: {code!r} is not a LOINC code (digits, a hyphen, a check digit)")
    if path.stem != codes[0]:
        raise _fail(path, f"codes: the file of {codes[0]!r} is named {codes[0]}.toml")
    _string(path, document["display"], "display")
    review = _review(path, document["review"])
    texts = {field: _texts(path, document[field], field) for field in TEXT_FIELDS}
    try:
        explanation = Explanation(
            loinc=codes[0],
            next_step=document["next_step"],
            critical_next_step=document["critical_next_step"],
            **texts,
        )
    except ValueError as error:
        raise _fail(path, str(error)) from error
    return codes, explanation, review


def load(folder: Path = CONTENT) -> Content:
    """Read and check every file under `folder`; the first mistake raises ContentError naming its file."""
    explanations: dict[str, Explanation] = {}
    defined_in: dict[str, Path] = {}
    reviews: dict[str, Review] = {}
    for directory, system in SYSTEMS.items():
        for path in sorted((folder / directory).glob("*.toml")):
            codes, explanation, review = _explanations(path, system)
            for code in codes:
                if code in defined_in:
                    raise _fail(path, f"codes: {code} is already explained in {defined_in[code]}")
                defined_in[code] = path
                explanations[code] = replace(explanation, loinc=code)
            reviews[str(path.relative_to(folder))] = review
    if not explanations:
        raise _fail(folder, f"no explanations in {', '.join(sorted(SYSTEMS))}/")

    path = folder / "guidance.toml"
    document = _read(path)
    _keys(path, document, {"review", "disclaimer", "guidance"})
    reviews[path.name] = _review(path, document["review"])
    disclaimer = _texts(path, document["disclaimer"], "disclaimer")
    steps = document["guidance"]
    if not isinstance(steps, dict):
        raise _fail(path, f"guidance: expected one table per next step {list(NEXT_STEPS)}")
    _keys(path, steps, set(NEXT_STEPS), "guidance")
    guidance = {step: _texts(path, steps[step], f"guidance.{step}") for step in NEXT_STEPS}
    return Content(explanations=explanations, guidance=guidance, disclaimer=disclaimer, reviews=reviews)


@cache
def content() -> Content:
    """The shipped content, loaded and checked once per process."""
    return load()


GUIDANCE: Final[dict[str, dict[str, str]]] = content().guidance
# Shown with every explanation.
DISCLAIMER: Final[dict[str, str]] = content().disclaimer
EXPLANATIONS: Final[dict[str, Explanation]] = content().explanations


def explain(loinc: str) -> Explanation | None:
    """The explanation for a LOINC code such as ``"2339-0"``, or None when there is none."""
    return EXPLANATIONS.get(loinc.strip())
