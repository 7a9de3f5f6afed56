"""What the clinician's pre-visit briefing (summaries) reads about results beyond the patient's
briefing line: each result's reference range and its flag, for the results it names. Read by a
worker (not audited here: the briefing audits when a clinician opens it); one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from records.models import RecordItem

# FHIR v3 ObservationInterpretation codes, as the words of the clinician's flag.
FLAGS = {
    "H": "high",
    "HU": "high",
    "L": "low",
    "LU": "low",
    "HH": "critical_high",
    "LL": "critical_low",
    "A": "abnormal",
    "AA": "critical",
}


@dataclass(frozen=True)
class ResultDetail:
    range: str  # "3.5–5.1 mmol/L", "≤ 5.6 %", the source's own text, or ""
    flag: str  # a key of FLAGS' values (high, low, critical_high, ...) or ""


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def range_text(item: RecordItem) -> str:
    """The reference range as the source gave it: its numbers with the unit, else its text."""
    low, high, unit = item.reference_low, item.reference_high, item.unit
    if low is not None and high is not None:
        text = f"{_number(low)}–{_number(high)}"
    elif high is not None:
        text = f"≤ {_number(high)}"
    elif low is not None:
        text = f"≥ {_number(low)}"
    else:
        return item.reference_text
    return f"{text} {unit}".strip()


def flag(item: RecordItem) -> str:
    """The source's interpretation, else the value against the range (high or low)."""
    code = (item.interpretation or "").upper()
    if code in FLAGS:
        return FLAGS[code]
    if item.value_number is not None:
        if item.reference_high is not None and item.value_number > item.reference_high:
            return "high"
        if item.reference_low is not None and item.value_number < item.reference_low:
            return "low"
    return ""


def result_details(patient_id: UUID | str, *, since: datetime) -> dict[int, ResultDetail]:
    """The range and flag of each of the patient's results dated from `since` on, by id (one query,
    whatever the record holds: the results "what changed" names are among these)."""
    rows = RecordItem.objects.filter(patient_id=patient_id, kind=RecordItem.Kind.RESULT, effective_at__gte=since).only(
        "pk", "unit", "value_number", "reference_low", "reference_high", "reference_text", "interpretation"
    )
    return {item.pk: ResultDetail(range_text(item), flag(item)) for item in rows}
