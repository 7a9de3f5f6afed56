"""Parse FHIR search parameters into filters on the record (RecordItem) and a page.

Supported: `date` prefixes eq/ne/ge/gt/le/lt on `effective_at`, and on the time the portal
last changed the resource for `_lastUpdated` (a date without a time zone is a day in the
clinic's time zone, as the portal shows it); tokens as `system|code`, `|code`, `system|` or a
bare `code`, matched against every coding of the element as the source sent it (a resource
coded in LOINC and SNOMED is found by either); commas for "any of", repeated parameters for
"all of"; `_include=<Type>:patient`. Anything else is a SearchError that names the parameter
(answered 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.http import QueryDict

from portal.lookups import NOTHING
from records.fhir_api import conformance
from records.fhir_api.raw_query import json_path
from records.fhir_api.resource_types import (
    ALL_TYPES,
    CLINICAL_TYPES,
    CONTROL_PARAMS,
    INCLUDE,
    LAST_UPDATED,
    PATIENT_PARAM,
    Date,
    Token,
)

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Far past any real search, far below PostgreSQL's bigint: a larger _offset once reached the
# database as OFFSET and failed there (500 "bigint out of range").
MAX_OFFSET = 1_000_000_000
WHOLE_NUMBER = re.compile(r"[0-9]+")
PREFIXES = ("eq", "ne", "ge", "gt", "le", "lt")
# C0 controls and DEL: no search value holds one, and PostgreSQL refuses NUL in text (a DataError,
# once a 500), so they are refused before any filter is built.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
FHIR_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$")


class SearchError(ValueError):
    """A search parameter the server cannot honour; `param` names it for the OperationOutcome."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Page:
    count: int = DEFAULT_COUNT
    offset: int = 0


@dataclass(frozen=True)
class SearchQuery:
    filters: Q
    patient_id: str | None
    ids: tuple[str, ...]
    page: Page
    # `_include=<Type>:patient`: the page's patient comes along (search mode "include").
    include_patient: bool = False


@dataclass(frozen=True)
class PatientQuery:
    ids: tuple[str, ...]
    # (system or None, value) of the home clinic's medical record number
    identifier: tuple[str | None, str] | None
    page: Page


def _refuse_control_characters(params: QueryDict) -> None:
    """Every parser below starts here: a parameter whose name or value holds a control character
    is a SearchError naming it."""
    for name, values in params.lists():
        if CONTROL_CHARACTER.search(name) or any(CONTROL_CHARACTER.search(value) for value in values):
            raise SearchError(name, "contains a control character.")


def page_of(params: QueryDict) -> Page:
    _refuse_control_characters(params)
    # A _count above MAX_COUNT is read as MAX_COUNT (FHIR lets a server page less than asked);
    # an _offset above MAX_OFFSET cannot be honoured, so it is refused.
    count = _integer(params, "_count", DEFAULT_COUNT, MAX_COUNT, clamp=True)
    return Page(count=count, offset=_integer(params, "_offset", 0, MAX_OFFSET, clamp=False))


def _integer(params: QueryDict, name: str, default: int, ceiling: int, *, clamp: bool) -> int:
    """A whole number of 0 to `ceiling`: above it, `ceiling` (clamp) or a SearchError. ASCII digits
    only: str.isdigit() also passes '²', which int() then rejects."""
    value = params.get(name)
    if value is None:
        return default
    if not WHOLE_NUMBER.fullmatch(value):
        raise SearchError(name, "must be a whole number of 0 or more.")
    # Compare lengths first: int() refuses a string of thousands of digits (and is slow on it).
    digits = value.lstrip("0") or "0"
    if len(digits) <= len(str(ceiling)) and int(digits) <= ceiling:
        return int(digits)
    if clamp:
        return ceiling
    raise SearchError(name, f"must be at most {ceiling}.")


def patient_reference(param: str, value: str) -> str:
    """The patient id of `123`, `Patient/123` or an absolute `.../Patient/123`."""
    if "," in value:
        raise SearchError(param, "search one patient at a time.")
    kind, _, rid = value.rstrip("/").rpartition("/")
    if kind and not kind.endswith("Patient"):
        raise SearchError(param, "must refer to a Patient.")
    if not rid:
        raise SearchError(param, "is empty.")
    return rid


def _refuse_unknown(params: QueryDict, known: set[str], where: str) -> None:
    unknown = sorted(set(params) - CONTROL_PARAMS - known)
    if unknown:
        raise SearchError(unknown[0], f"is not a search parameter this server supports for {where}.")


def patient_query(params: QueryDict) -> PatientQuery:
    _refuse_control_characters(params)
    _refuse_unknown(params, {"_id", "identifier"}, "Patient")
    ids = tuple(i for value in params.getlist("_id") for i in _ids("_id", value))
    identifier: tuple[str | None, str] | None = None
    if "identifier" in params:
        system, value = _token("identifier", params.get("identifier", ""))
        if not value:
            raise SearchError("identifier", "needs a value ('system|value' or 'value').")
        identifier = (system or None, value)
    return PatientQuery(ids, identifier, page_of(params))


def everything_types(params: QueryDict) -> set[str] | None:
    """The types `_type` asks Patient/$everything for (None: all), refusing any other parameter."""
    _refuse_control_characters(params)
    _refuse_unknown(params, {"_type"}, "Patient/$everything")
    if "_type" not in params:
        return None
    types = {name for value in params.getlist("_type") for name in _ids("_type", value)}
    unknown = sorted(types - set(ALL_TYPES))
    if unknown:
        raise SearchError("_type", f"'{unknown[0]}' is not a resource type this server exposes.")
    return types


def summary_params(params: QueryDict) -> None:
    """Patient/$summary takes no parameter of its own (the IPS `profile` is the only one it writes)."""
    _refuse_control_characters(params)
    _refuse_unknown(params, set(), "Patient/$summary")


def clinical_query(resource_type: str, params: QueryDict) -> SearchQuery:
    """The filters (on SourceRecord, and its RecordItem through `item__`) and page for a search
    of a clinical type."""
    _refuse_control_characters(params)
    spec = CLINICAL_TYPES[resource_type]
    filters = Q()
    patient_id: str | None = None
    ids: tuple[str, ...] = ()
    include_patient = False
    for name, values in params.lists():
        if name in CONTROL_PARAMS:
            continue
        for value in values:
            param = spec.params.get(name)
            if name == PATIENT_PARAM:
                patient_id = patient_reference(name, value)
            elif name == "_id":
                ids = tuple(_ids(name, value))
            elif name == LAST_UPDATED:
                filters &= _any(name, value, lambda n, v: _date_filter(n, v, "updated_at"))
            elif name == INCLUDE:
                include_patient = _include(resource_type, value)
            elif isinstance(param, Date):
                filters &= _any(name, value, _date_filter)
                if param.only_with:
                    filters &= json_path(param.only_with, {})
            elif isinstance(param, Token):
                filters &= _any(name, value, _token_filter(resource_type, name, param))
            else:
                raise SearchError(name, f"is not a search parameter this server supports for {resource_type}.")
    return SearchQuery(filters, patient_id, ids, page_of(params), include_patient)


def _include(resource_type: str, value: str) -> bool:
    """`<Type>:patient` (or `<Type>:patient:Patient`): the only inclusion this server makes."""
    if value in (f"{resource_type}:{PATIENT_PARAM}", f"{resource_type}:{PATIENT_PARAM}:Patient"):
        return True
    raise SearchError(INCLUDE, f"only '{resource_type}:{PATIENT_PARAM}' is supported (the patient of the results).")


def _ids(name: str, value: str) -> list[str]:
    ids = [part for part in value.split(",") if part]
    if not ids:
        raise SearchError(name, "is empty.")
    return ids


def _any(name: str, value: str, build: Callable[[str, str], Q]) -> Q:
    parts = value.split(",")
    if not all(parts):
        raise SearchError(name, "has an empty value.")
    found = Q()
    for part in parts:
        found |= build(name, part)
    return found


def _token(name: str, value: str) -> tuple[str | None, str]:
    if "|" not in value:
        return None, value
    system, _, code = value.partition("|")
    if not system and not code:
        raise SearchError(name, "needs a code, a system or both ('system|code').")
    return system, code


def _token_filter(resource_type: str, name: str, param: Token) -> Callable[[str, str], Q]:
    def build(_name: str, value: str) -> Q:
        system, code = _token(name, value)
        if param.plain_code:
            # A bare `code` element's system is the one the specification binds it to.
            if system is not None and system != param.system:
                return NOTHING
            if not code:
                return json_path(param.path, {})
            return json_path(f"{param.path} ? (@ == $code)", {"code": code})
        conditions, variables = [], {}
        if system:
            conditions.append("@.system == $system")
            variables["system"] = system
        elif system == "":
            conditions.append("!exists(@.system)")
        if code:
            conditions.append("@.code == $code")
            variables["code"] = code
        found = json_path(f"{param.path} ? ({' && '.join(conditions)})", variables)
        derived = conformance.derived_token(resource_type, name, system, code)
        return found | derived if derived is not None else found

    return build


def _date_filter(name: str, value: str, field: str = "item__effective_at") -> Q:
    prefix = value[:2] if value[:2].isalpha() else "eq"
    moment = value[2:] if value[:2].isalpha() else value
    if prefix not in PREFIXES:
        raise SearchError(name, f"the prefix '{prefix}' is not supported (use eq, ne, ge, gt, le or lt).")
    start, end = _interval(name, moment)
    return {
        "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
        "ne": ~Q(**{f"{field}__gte": start, f"{field}__lt": end}) & Q(**{f"{field}__isnull": False}),
        "ge": Q(**{f"{field}__gte": start}),
        "gt": Q(**{f"{field}__gte": end}),
        "le": Q(**{f"{field}__lt": end}),
        "lt": Q(**{f"{field}__lt": start}),
    }[prefix]


def _interval(name: str, value: str) -> tuple[datetime, datetime]:
    """The instants [start, end) a FHIR date or dateTime of any precision covers."""
    if not FHIR_DATE.match(value):
        raise SearchError(name, f"'{value}' is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime).")
    clinic = ZoneInfo(settings.CLINIC_TIME_ZONE)
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            start = moment if moment.tzinfo else moment.replace(tzinfo=clinic)
            step = timedelta(seconds=1) if value.count(":") >= 2 else timedelta(minutes=1)
            return start, start + step
        parts = [int(part) for part in value.split("-")]
        first = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as error:
        raise SearchError(name, f"'{value}' is not a real date.") from error
    if len(parts) == 3:
        after = first + timedelta(days=1)
    elif len(parts) == 2:
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    else:
        after = date(first.year + 1, 1, 1)
    midnight = datetime.min.time()
    return datetime.combine(first, midnight, tzinfo=clinic), datetime.combine(after, midnight, tzinfo=clinic)
