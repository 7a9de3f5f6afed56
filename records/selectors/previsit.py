"""What the clinician's pre-visit briefing (summaries) reads about results beyond the patient's
briefing line: each result's reference range and its flag, for the results it names. Read by a
worker (not audited here: the briefing audits when a clinician opens it); one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from records.models import RecordItem
from records.selectors.briefing import is_out_of_range

# FHIR v3 ObservationInterpretation codes a clinician reads as critical; any other flag is the
# patient's briefing's own (high, low, abnormal).
CRITICAL = {"HH": "critical_high", "LL": "critical_low", "AA": "critical"}


@dataclass(frozen=True)
class ResultDetail:
    range: str  # "3.5–5.1 mmol/L", "≤ 5.6 %", the source's own text, or ""
    flag: str  # high, low, abnormal, critical_high, critical_low, critical or ""


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
    """critical_high, critical_low or critical from the source's interpretation; else high, low,
    abnormal or "" as the patient's briefing judges it (its interpretation, else the range)."""
    return CRITICAL.get((item.interpretation or "").upper()) or is_out_of_range(item)


def result_details(patient_id: UUID | str, *, since: datetime) -> dict[int, ResultDetail]:
    """The range and flag of each of the patient's results dated from `since` on, by id (one query,
    whatever the record holds: the results "what changed" names are among these)."""
    rows = RecordItem.objects.filter(patient_id=patient_id, kind=RecordItem.Kind.RESULT, effective_at__gte=since).only(
        "pk", "unit", "value_number", "reference_low", "reference_high", "reference_text", "interpretation"
    )
    return {item.pk: ResultDetail(range_text(item), flag(item)) for item in rows}
