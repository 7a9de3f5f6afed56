"""The built-in release rules for teenagers' sensitive care: while a patient is 12-17, items about
care a minor may consent to (mental health, substance use, sexual and reproductive health, STI and
HIV tests, pregnancy) are confidential, so a parent acting for them never sees them.

Every imported item gets its category (`RecordItem.sensitivity`, from records/minor_consent.py)
whatever the patient's age. At import an item of a 12-17-year-old is marked at once; the beat
sweep marks the rest when a patient turns 12 (and classifies items imported before these rules, or
filed by other apps).
Marks are never taken back by a rule: at 18 the rules stop marking new items, and a care team's
decision either way (records/services/confidentiality.py) is never overridden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal import audit
from portal.access import ADULT_AT, MINOR_CONFIDENTIAL_FROM, Action, years_ago
from portal.models import AuditEvent, Patient
from records import minor_consent
from records.models import RecordItem

ConfidentialBy = RecordItem.ConfidentialBy
SWEEP_CHUNK = 500
# A reference resolved to the resource id it points at (None: cannot tell).
Resolver = Callable[[Any], str | None]


def plain_resolver(reference: Any) -> str | None:
    """ "Encounter/12" -> "12"; "urn:uuid:ab-cd" -> "ab-cd" (bundles conventionally use the id)."""
    text = reference.get("reference") if isinstance(reference, dict) else reference
    if not isinstance(text, str) or not text or "?" in text:
        return None
    if text.startswith("urn:uuid:"):
        return text.removeprefix("urn:uuid:")
    return text.rstrip("/").rsplit("/", 1)[-1]


def _teen_window(today: date) -> tuple[date, date]:
    """Born after the first date and on or before the second: 12 to 17 years old on `today`."""
    return years_ago(today, ADULT_AT), years_ago(today, MINOR_CONFIDENTIAL_FROM)


def _is_teen(birth_date: date | None, today: date) -> bool:
    if birth_date is None:
        return False
    after, until = _teen_window(today)
    return after < birth_date <= until


def classify(items: Iterable[RecordItem], *, resolve: Resolver = plain_resolver) -> list[RecordItem]:
    """Set `sensitivity` on each item (in memory; the caller saves) from its own codes, or else from
    the visit or condition it refers to: this batch's items first, then stored ones (one query).
    Returns the items whose references point at something not stored yet (to look at again)."""
    categories = tuple(minor_consent.code_lists().categories.values())
    items = list(items)
    by_id: dict[tuple[int, str], str] = {}
    pointing: list[tuple[RecordItem, list[str]]] = []
    for item in items:
        raw = item.record.raw
        item.sensitivity = minor_consent.category_of(raw, categories)
        by_id[(item.source_id, item.record.resource_id)] = item.sensitivity
        if not item.sensitivity:
            targets = [rid for rid in map(resolve, minor_consent.references(raw)) if rid]
            if targets:
                pointing.append((item, targets))
    wanted = {(item.source_id, rid) for item, targets in pointing for rid in targets} - set(by_id)
    if wanted:
        stored = RecordItem.objects.filter(
            source_id__in={source for source, _ in wanted}, record__resource_id__in={rid for _, rid in wanted}
        ).values_list("source_id", "record__resource_id", "sensitivity")
        by_id.update({(source, rid): sensitivity or "" for source, rid, sensitivity in stored})
    unresolved: dict[int, RecordItem] = {}
    # Twice, so a note about a visit whose reason is a referenced condition is found too.
    for _pass in range(2):
        unresolved.clear()
        for item, targets in pointing:
            found = [by_id.get((item.source_id, rid)) for rid in targets]
            item.sensitivity = next((key for key in found if key), "")
            by_id[(item.source_id, item.record.resource_id)] = item.sensitivity
            if item.sensitivity == "" and None in found:
                unresolved[id(item)] = item
    return list(unresolved.values())


def mark(items: Iterable[RecordItem], *, today: date | None = None) -> list[RecordItem]:
    """Mark confidential (in memory; the caller saves) the items of 12-17-year-olds whose category
    applies in this state, unless the care team has decided. One query for the birth dates."""
    today = today or timezone.localdate()
    keys = {category.key for category in minor_consent.categories_here()}
    candidates = [
        item
        for item in items
        if item.sensitivity in keys and not item.confidential and item.confidential_by != ConfidentialBy.STAFF
    ]
    if not candidates:
        return []
    born = dict(Patient.objects.filter(pk__in={item.patient_id for item in candidates}).values_list("pk", "birth_date"))
    marked = [item for item in candidates if item.patient_id and _is_teen(born.get(item.patient_id), today)]
    for item in marked:
        item.confidential, item.confidential_by = True, ConfidentialBy.RULE
    return marked


@transaction.atomic
def follow_up(
    *, item_ids: Iterable[int], results: Iterable[RecordItem] = (), resolve: Resolver = plain_resolver
) -> int:
    """After an import run: classify again the items whose visit or condition arrived later in
    the run, and give results the category of their report. Returns how many were marked."""
    items = list(RecordItem.objects.select_related("record").filter(pk__in=list(item_ids)))
    classify(items, resolve=resolve)
    changed = [item for item in items if item.sensitivity]
    results = [result for result in results if not result.sensitivity and result.report_id is not None]
    if results:
        reports = dict(
            RecordItem.objects.filter(pk__in={r.report_id for r in results}, sensitivity__gt="").values_list(
                "pk", "sensitivity"
            )
        )
        for result in results:
            if result.report_id in reports:
                result.sensitivity = reports[result.report_id]
                changed.append(result)
    marked = mark(changed)
    if changed:
        RecordItem.objects.bulk_update(changed, ["sensitivity", "confidential", "confidential_by"])
    return len(marked)


def _audit_marked(rows: list[tuple[int, Any]]) -> None:
    """One system event per patient; confidential, so a parent's activity view never shows it."""
    patients = sorted({patient_id for _pk, patient_id in rows}, key=str)
    audit.record_list(
        (audit.Line(patient_id, confidential=True) for patient_id in patients),
        actor=None,
        acting_as=AuditEvent.ActingAs.SYSTEM,
        action=AuditEvent.Action.UPDATE,
        object_type="records.Confidentiality",
        scope=Action.RECORDS,
    )


def _classify_chunk() -> int:
    with transaction.atomic():
        items = list(
            RecordItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("record")
            # The partial index record_item_unclassified answers this; it empties once the items
            # imported before these rules (and those other apps file) have been looked at.
            .filter(sensitivity__isnull=True)
            .order_by("pk")[:SWEEP_CHUNK]
        )
        if not items:
            return 0
        classify(items)
        RecordItem.objects.bulk_update(items, ["sensitivity"])
        return len(items)


def _mark_chunk(today: date, keys: list[str]) -> int:
    after, until = _teen_window(today)
    with transaction.atomic():
        rows = list(
            RecordItem.objects.select_for_update(skip_locked=True, of=("self",))
            # The partial index record_item_sensitive_open answers this.
            .filter(
                confidential=False,
                sensitivity__gt="",
                sensitivity__in=keys,
                patient__birth_date__gt=after,
                patient__birth_date__lte=until,
            )
            .exclude(confidential_by=ConfidentialBy.STAFF)
            .order_by("pk")
            .values_list("pk", "patient_id")[:SWEEP_CHUNK]
        )
        if not rows:
            return 0
        RecordItem.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            confidential=True, confidential_by=ConfidentialBy.RULE
        )
        _audit_marked(rows)
        return len(rows)


def minor_consent_sweep(*, today: date | None = None) -> int:
    """Classify items not yet looked at, then mark confidential the sensitive
    items of every 12-17-year-old. Rows, not memory: each chunk locked with SKIP LOCKED and done in
    its own transaction, so it is safe to run twice or concurrently. Returns how many were marked."""
    today = today or timezone.localdate()
    keys = [category.key for category in minor_consent.categories_here()]
    while _classify_chunk():
        pass
    marked = 0
    while done := _mark_chunk(today, keys):
        marked += done
    return marked
