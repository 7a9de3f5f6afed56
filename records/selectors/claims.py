"""Claims and explanations of benefit as imported, for billing to build its charges from (billing
never writes records' tables; it reads the raw resources here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q

from records import minor_consent
from records.models import RecordItem, SourceRecord

CLAIM_TYPES = ("Claim", "ExplanationOfBenefit")
NAMED_TYPES = ("Practitioner", "Organization")


@dataclass(frozen=True)
class RawClaim:
    """One imported Claim or ExplanationOfBenefit: who it is about, from which source, as sent."""

    source_id: int
    patient_id: UUID
    resource_type: str
    resource_id: str
    raw: dict[str, Any]
    content_hash: str


def claims_for(*, patient_ids: Iterable[object]) -> list[RawClaim]:
    """Every Claim and ExplanationOfBenefit imported for these patients (matched to a portal
    patient), in one query, oldest first."""
    rows = (
        SourceRecord.objects.filter(patient_id__in=list(patient_ids), resource_type__in=CLAIM_TYPES)
        .order_by("first_imported_at", "pk")
        .values_list("source_id", "patient_id", "resource_type", "resource_id", "raw", "content_hash")
    )
    return [RawClaim(*row) for row in rows]


def claims_changed_since(*, patient_id: UUID | str, since: datetime | None) -> bool:
    """Whether a Claim or ExplanationOfBenefit of this patient was imported or changed after
    `since` (any at all when `since` is None). One indexed query."""
    rows = SourceRecord.objects.filter(patient_id=patient_id, resource_type__in=CLAIM_TYPES)
    if since is not None:
        rows = rows.filter(updated_at__gt=since)
    return rows.exists()


def patients_with_claims() -> list[UUID]:
    """The patients any source sent a claim for (what a full rebuild walks)."""
    return list(
        SourceRecord.objects.filter(resource_type="Claim", patient__isnull=False)
        .values_list("patient_id", flat=True)
        .distinct()
        .order_by("patient_id")
    )


def _name(raw: dict[str, Any]) -> str:
    if raw.get("resourceType") == "Organization":
        return str(raw.get("name") or "")
    for name in raw.get("name") or []:
        if not isinstance(name, dict):
            continue
        if name.get("text"):
            return str(name["text"])
        parts = [*(name.get("prefix") or []), *(name.get("given") or []), name.get("family") or ""]
        return " ".join(str(part) for part in parts if part)
    return ""


def provider_names(*, source_ids: Iterable[int], resource_ids: Iterable[str]) -> dict[tuple[int, str], str]:
    """The display names of the practitioners and organizations these claims name, by (source,
    resource id); one query. An id the source never sent is simply absent."""
    wanted = {rid for rid in resource_ids if rid}
    if not wanted:
        return {}
    rows = SourceRecord.objects.filter(
        Q(source_id__in=list(source_ids)), resource_type__in=NAMED_TYPES, resource_id__in=wanted
    ).values_list("source_id", "resource_id", "raw")
    return {(source_id, rid): _name(raw) for source_id, rid, raw in rows}


def confidential_visits(*, patient_id: UUID | str) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """The patient's visits marked confidential, and those the care team decided to show, each as
    (source, encounter id): billing hides a teenager's charges for such visits from a caregiver.
    One query."""
    marked: set[tuple[int, str]] = set()
    shown: set[tuple[int, str]] = set()
    rows = RecordItem.objects.filter(patient_id=patient_id, kind=RecordItem.Kind.VISIT).filter(
        Q(confidential=True) | Q(confidential_by=RecordItem.ConfidentialBy.STAFF)
    )
    for source_id, resource_id, confidential in rows.values_list("source_id", "record__resource_id", "confidential"):
        (marked if confidential else shown).add((source_id, resource_id))
    return marked, shown


def sensitive_coding(system: str, code: str) -> bool:
    """Whether a billed service's code is care a minor consents to alone (mental health, sexual
    health...) under this installation's state rules."""
    return bool(code) and any(category.matches_code(system, code) for category in minor_consent.categories_here())
