"""The code lists of care a minor may consent to (records/content/minor_consent.toml): loaded,
validated, and used to tell which category of sensitive care a record item is about.

Pure reading and matching, no writes: records/services/minor_consent.py stores the category on
each item and marks the items confidential while the patient is 12-17.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CODE_LISTS = Path(__file__).resolve().parent / "content" / "minor_consent.toml"
DEFAULT_STATE = "default"

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10 = frozenset({"http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"})

SNOMED_CODE = re.compile(r"\d{6,18}")
RXNORM_CODE = re.compile(r"\d{1,8}")
LOINC_CODE = re.compile(r"(\d{1,7})-(\d)")
ICD10_PREFIX = re.compile(r"[A-Z](\d[0-9A-Z]?(\.[0-9A-Z]{1,4})?)?")
INGREDIENT = re.compile(r"[a-z][a-z -]*[a-z]")
LISTS = ("snomed", "icd10", "loinc", "rxnorm", "ingredients")


@dataclass(frozen=True)
class Review:
    compiled_by: str
    compiled_on: date
    clinical_approval: str
    legal_approval: str


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    snomed: frozenset[str]
    icd10: tuple[str, ...]  # prefixes
    loinc: frozenset[str]
    rxnorm: frozenset[str]
    ingredients: re.Pattern[str] | None

    def matches_code(self, system: str, code: str) -> bool:
        if system == SNOMED:
            return code in self.snomed
        if system == LOINC:
            return code in self.loinc
        if system == RXNORM:
            return code in self.rxnorm
        if system in ICD10:
            return code.upper().startswith(self.icd10) if self.icd10 else False
        return False

    def names_an_ingredient(self, text: str) -> bool:
        return self.ingredients is not None and self.ingredients.search(text.lower()) is not None


@dataclass(frozen=True)
class CodeLists:
    review: Review
    categories: dict[str, Category]
    states: dict[str, tuple[str, ...]]  # state -> the category keys that apply there

    def for_state(self, state: str) -> tuple[Category, ...]:
        keys = self.states.get(state or DEFAULT_STATE)
        if keys is None:
            raise ImproperlyConfigured(
                f"MINOR_CONSENT_STATE is {state!r}, which {CODE_LISTS.name} has no profile for; "
                f"known: {', '.join(sorted(self.states))}."
            )
        return tuple(self.categories[key] for key in keys)


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC's mod-10 check digit, so a mistyped code in the list is caught when it loads."""
    found = LOINC_CODE.fullmatch(code)
    if found is None:
        return False
    digits = [int(c) for c in reversed(found.group(1))]
    doubled = int("".join(str(d) for d in reversed(digits[0::2]))) * 2
    total = sum(int(c) for c in str(doubled)) + sum(digits[1::2])
    return (10 - total % 10) % 10 == int(found.group(2))


def _fail(where: str, message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{CODE_LISTS.name}: {where}: {message}")


def _strings(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(where, "expected a list of strings")
    if len(set(value)) != len(value):
        raise _fail(where, "lists a code twice")
    return value


def _check_each(where: str, codes: Iterable[str], valid: Any, what: str) -> None:
    for code in codes:
        if not valid(code):
            raise _fail(where, f"{code!r} is not {what}")


def _category(key: str, spec: Any) -> Category:
    where = f"categories.{key}"
    if not isinstance(spec, dict) or not isinstance(spec.get("label"), str) or not spec["label"]:
        raise _fail(where, "needs a label")
    unknown = set(spec) - {"label", *LISTS}
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    lists = {name: _strings(f"{where}.{name}", spec.get(name, [])) for name in LISTS}
    _check_each(f"{where}.snomed", lists["snomed"], SNOMED_CODE.fullmatch, "a SNOMED CT concept id")
    _check_each(f"{where}.icd10", lists["icd10"], ICD10_PREFIX.fullmatch, "an ICD-10-CM code or prefix")
    _check_each(f"{where}.loinc", lists["loinc"], loinc_check_digit_ok, "a LOINC code with a valid check digit")
    _check_each(f"{where}.rxnorm", lists["rxnorm"], RXNORM_CODE.fullmatch, "an RxNorm concept id")
    _check_each(f"{where}.ingredients", lists["ingredients"], INGREDIENT.fullmatch, "a lower-case ingredient name")
    if not any(lists.values()):
        raise _fail(where, "lists no codes")
    names = lists["ingredients"]
    return Category(
        key=key,
        label=spec["label"],
        snomed=frozenset(lists["snomed"]),
        icd10=tuple(lists["icd10"]),
        loinc=frozenset(lists["loinc"]),
        rxnorm=frozenset(lists["rxnorm"]),
        ingredients=re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b") if names else None,
    )


def parse(document: Mapping[str, Any]) -> CodeLists:
    """Validate the parsed file; any mistake raises ImproperlyConfigured saying where it is."""
    review = document.get("review")
    fields = ("compiled_by", "compiled_on", "clinical_approval", "legal_approval")
    if not isinstance(review, dict) or any(not review.get(name) for name in fields):
        raise _fail("review", f"needs {', '.join(fields)} (who reviewed the lists, and when)")
    if not isinstance(review["compiled_on"], date):
        raise _fail("review.compiled_on", "must be a date")
    categories_spec = document.get("categories")
    if not isinstance(categories_spec, dict) or not categories_spec:
        raise _fail("categories", "none defined")
    categories = {key: _category(key, spec) for key, spec in categories_spec.items()}
    states_spec = document.get("states")
    if not isinstance(states_spec, dict) or DEFAULT_STATE not in states_spec:
        raise _fail("states", f"needs at least the {DEFAULT_STATE!r} profile")
    states = {}
    for state, spec in states_spec.items():
        keys = _strings(f"states.{state}.categories", spec.get("categories") if isinstance(spec, dict) else None)
        missing = set(keys) - set(categories)
        if missing:
            raise _fail(f"states.{state}", f"unknown categories {sorted(missing)}")
        states[state] = tuple(keys)
    return CodeLists(Review(**{name: review[name] for name in fields}), categories, states)


def load(path: Path = CODE_LISTS) -> CodeLists:
    with path.open("rb") as handle:
        try:
            document = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise _fail("syntax", str(error)) from error
    return parse(document)


@cache
def code_lists() -> CodeLists:
    return load()


def categories_here() -> tuple[Category, ...]:
    """The categories that apply under this installation's state (settings.MINOR_CONSENT_STATE)."""
    return code_lists().for_state(settings.MINOR_CONSENT_STATE)


# -- reading a FHIR resource -----------------------------------------------------------------------

# Where each resource type names what it is, and why it was done.
CODE_ELEMENTS = ("code", "medicationCodeableConcept", "type", "vaccineCode")
REASON_ELEMENTS = ("reasonCode",)
# References to the visit or the condition a resource is about.
REFERENCE_PATHS: tuple[tuple[str, ...], ...] = (
    ("encounter",),
    ("context", "encounter"),
    ("reasonReference",),
    ("addresses",),
    ("diagnosis", "condition"),
)


def _concepts(value: Any) -> Iterator[dict[str, Any]]:
    for concept in value if isinstance(value, list) else [value]:
        if isinstance(concept, dict):
            yield concept


def codings(resource: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(system, code) of every coding of what the resource is and why it was done."""
    for element in CODE_ELEMENTS + REASON_ELEMENTS:
        for concept in _concepts(resource.get(element)):
            for coding in concept.get("coding") or []:
                if isinstance(coding, dict) and coding.get("code"):
                    yield str(coding.get("system", "")), str(coding["code"])


def names(resource: Mapping[str, Any]) -> Iterator[str]:
    """The words a medicine is named by (its codings' displays and its text)."""
    for concept in _concepts(resource.get("medicationCodeableConcept")):
        if concept.get("text"):
            yield str(concept["text"])
        for coding in concept.get("coding") or []:
            if isinstance(coding, dict) and coding.get("display"):
                yield str(coding["display"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def references(resource: Mapping[str, Any]) -> Iterator[Any]:
    """Every reference to the visit or condition this resource is about (unresolved)."""
    for path in REFERENCE_PATHS:
        values: list[Any] = [resource]
        for step in path:
            values = [found for value in values if isinstance(value, dict) for found in _as_list(value.get(step))]
        yield from (value for value in values if isinstance(value, dict) and value.get("reference"))


def category_of(resource: Mapping[str, Any], categories: Iterable[Category]) -> str:
    """The key of the first category whose codes (or, for a medicine, ingredient names) the
    resource carries; "" when none does. References are the caller's to follow."""
    categories = tuple(categories)
    found = list(codings(resource))
    for category in categories:
        if any(category.matches_code(system, code) for system, code in found):
            return category.key
    if resource.get("resourceType") in ("MedicationRequest", "MedicationStatement"):
        words = list(names(resource))
        for category in categories:
            if any(category.names_an_ingredient(word) for word in words):
                return category.key
    return ""
