"""Reads of the stored care gaps, for the briefing (the builder) and for a viewer.

The status is read again against `now` from the stored due date, so a gap stored weeks ago still
turns from up to date to coming due to due on the right day between two evaluations.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone

from portal.access import Access, Action
from portal.models import Organization
from summaries.models import CareGap
from summaries.services.care_gaps import clinic_zone, status_on


@dataclass(frozen=True)
class BriefingGap:
    """One care gap as the briefing shows it (the briefing codes against exactly these names)."""

    rule_name: str  # in the active language
    status: str  # CareGap.Status: open, coming_due or closed
    due_on: date | None
    as_of: date
    confidential: bool
    source: int | None  # the RecordItem that closed it, if any
    organization: Organization | None  # where that item comes from
    source_kind: str = ""  # that item's kind (RecordItem.Kind), for its page
    # Both names, so a line stored by a worker reads in each reader's language.
    rule_name_en: str = ""
    rule_name_es: str = ""


def gaps_for_briefing(patient_id: UUID | str, *, now: datetime) -> list[BriefingGap]:
    """The patient's gaps of rules still active and approved, those that apply, due first, in one
    query. Everything, confidential ones included: the caller filters for its viewer (visible_gaps)."""
    return gaps_for_briefing_many([str(patient_id)], now=now)[str(patient_id)]


def gaps_for_briefing_many(patient_ids: Collection[str], *, now: datetime) -> dict[str, list[BriefingGap]]:
    """`gaps_for_briefing` for every patient of a batch (one query)."""
    rows = (
        CareGap.objects.filter(patient_id__in=list(patient_ids), rule__is_active=True, rule__approved_on__isnull=False)
        .exclude(rule__approved_by="")
        .exclude(status=CareGap.Status.NOT_APPLICABLE)
        .select_related("rule", "evidence__source", "patient__home_organization")
    )
    found: dict[str, list[BriefingGap]] = {str(patient_id): [] for patient_id in patient_ids}
    for row in rows:
        today = timezone.localdate(now, clinic_zone(row.patient))
        status = status_on(row.due_on, row.rule.coming_due_days, today) if row.due_on else row.status
        evidence = row.evidence
        found[str(row.patient_id)].append(
            BriefingGap(
                rule_name=row.rule.name,
                rule_name_en=row.rule.name_en,
                rule_name_es=row.rule.name_es,
                status=status,
                due_on=row.due_on,
                as_of=row.as_of,
                # The evidence may have been marked confidential since the evaluation.
                confidential=row.confidential or (evidence is not None and evidence.confidential),
                source=evidence.pk if evidence is not None else None,
                organization=evidence.source if evidence is not None else None,
                source_kind=evidence.kind if evidence is not None else "",
            )
        )
    order = {CareGap.Status.OPEN: 0, CareGap.Status.COMING_DUE: 1, CareGap.Status.CLOSED: 2}
    for gaps in found.values():
        gaps.sort(key=lambda gap: (order[CareGap.Status(gap.status)], gap.due_on or date.max, gap.rule_name))
    return found


def visible_gaps(access: Access, *, now: datetime) -> list[BriefingGap]:
    """The gaps this viewer may see: none without the records scope; without the ones derived from
    confidential care for the caregiver of a 12-17-year-old (as records hides the items themselves).
    Not audited here: Access carries no actor; the page that shows the gaps audits its read."""
    if Action.RECORDS not in access.scopes:
        return []
    gaps = gaps_for_briefing(access.patient.pk, now=now)
    if access.hides_confidential:
        gaps = [gap for gap in gaps if not gap.confidential]
    return gaps
