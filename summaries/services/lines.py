"""One line of a briefing, as stored in `Briefing.lines` (JSON) and read back.

A line never holds a sentence: a phrase key and its params (summaries/services/phrases.py), the
row it comes from and the patient page that shows it, the organizations that sent it, its date,
the proxy scope a caregiver needs to see it and whether it derives from a confidential item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from portal.briefing_needs import Need

CHANGED = "changed"
NEEDS = "needs"
NEXT = "next"
SECTIONS = (CHANGED, NEEDS, NEXT)


@dataclass(frozen=True)
class Line:
    section: str
    kind: str
    key: str
    params: dict[str, Any]
    # model, id, url (a URL name under /p/<patient_id>/), kwargs; and "staff" ({url, kwargs}: the
    # staff page of the row) where the patient's page is not one staff may open
    source: dict[str, Any]
    scope: str
    organizations: list[str] = field(default_factory=list)
    date: str | None = None  # ISO date or date-time
    confidential: bool = False
    rank: int = 50
    # A result's plain-language meaning is looked up at reading time, in the reader's language.
    explain: dict[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        # What dataclasses.asdict gives, written out: asdict's deep copy was a tenth of a batch
        # rebuild's time. Params and kwargs hold only plain values (names, numbers, ISO dates).
        return {
            "section": self.section,
            "kind": self.kind,
            "key": self.key,
            "params": dict(self.params),
            "source": {key: dict(value) if key == "kwargs" else value for key, value in self.source.items()},
            "scope": self.scope,
            "organizations": list(self.organizations),
            "date": self.date,
            "confidential": self.confidential,
            "rank": self.rank,
            "explain": dict(self.explain) if self.explain is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Line:
        return cls(**data)


def source(model: str, pk: object, url: str, **kwargs: Any) -> dict[str, Any]:
    return {"model": model, "id": pk, "url": url, "kwargs": kwargs}


# The record's list page of each kind (records/views/patient.py LIST_PAGES); results open their trend
# and documents their own page (item_source).
LIST_PAGES: dict[str, str] = {
    "problem": "problems",
    "medication": "medications",
    "allergy": "allergies",
    "immunization": "immunizations",
    "visit": "visits",
    "procedure": "procedures",
    "care_plan": "care-plans",
    "goal": "goals",
    "imaging": "imaging",
    "device": "devices",
}
TREND_KINDS = ("result", "vital", "observation")
DOCUMENT_KINDS = ("document", "report")


def item_source(kind: str, pk: object) -> dict[str, Any]:
    """A record item's own page where it has one (a result's trend, a document), else its kind's list
    anchored at its line (#item-<id>), else the record's overview."""
    if kind in TREND_KINDS:
        return source("records.RecordItem", pk, "record_result_trend", item_id=pk)
    if kind in DOCUMENT_KINDS:
        return source("records.RecordItem", pk, "record_document", item_id=pk)
    if kind in LIST_PAGES:
        return {**source("records.RecordItem", pk, "record_list", page=LIST_PAGES[kind]), "anchor": f"item-{pk}"}
    return source("records.RecordItem", pk, "record_overview")


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _need_source(need: Need) -> dict[str, Any]:
    """The need's source row and patient page, and its staff page when it has one."""
    found = source(need.source.model, need.source.id, need.source.url, **need.source.kwargs)
    if need.source.anchor:
        found["anchor"] = need.source.anchor
    if need.source.staff_url:
        found["staff"] = {"url": need.source.staff_url, "kwargs": dict(need.source.staff_kwargs)}
    return found


def from_need(need: Need) -> Line:
    """A provider's need (portal/briefing_needs.py) as a line of "What needs you"."""
    return Line(
        section=NEEDS,
        kind=need.key,
        key=need.key,
        params=dict(need.params),
        source=_need_source(need),
        scope=need.scope,
        organizations=list(need.organizations),
        date=iso(need.on),
        confidential=need.confidential,
        rank=need.rank,
    )
