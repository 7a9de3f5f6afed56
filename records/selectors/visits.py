"""Visits in the record, for other apps to ask about (e-visit billing: was there a visit near a message?)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from records.models import RecordItem

# FHIR Encounter statuses of a visit that did not take place.
NOT_HELD = ("planned", "cancelled", "entered-in-error")


def visit_times(
    *, patient_ids: Iterable[object], organization_ids: Iterable[int], since: datetime
) -> list[tuple[Any, int, datetime]]:
    """(patient id, organization id, start) of every visit held at these organizations for these
    patients from `since` on. One query; ids only (the caller decides what a visit means)."""
    rows = (
        RecordItem.objects.filter(
            kind=RecordItem.Kind.VISIT,
            patient_id__in=list(patient_ids),
            source_id__in=list(organization_ids),
            effective_at__gte=since,
        )
        .exclude(status__in=NOT_HELD)
        .values_list("patient_id", "source_id", "effective_at")
    )
    return [(patient_id, source_id, start) for patient_id, source_id, start in rows if start is not None]
