"""Every read of the clinical record: scoped by the access policy, audited, constant in queries."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, Q, QuerySet

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, Organization, User
from records.models import RecordAttachment, RecordItem

Kind = RecordItem.Kind
RESULT_KINDS = (Kind.RESULT, Kind.VITAL, Kind.OBSERVATION)
LONG_AGO = datetime(1900, 1, 1, tzinfo=UTC)  # sorts undated items last


@dataclass(frozen=True)
class Filters:
    source: int | None = None
    since: date | None = None
    until: date | None = None


def visible_items(access: Access) -> QuerySet[RecordItem]:
    """What this person may see of the patient's record: released items, minus confidential
    ones for a teen's caregiver. Staff also see results held for review."""
    items = RecordItem.objects.filter(patient=access.patient)
    if access.acting_as != AuditEvent.ActingAs.STAFF:
        items = items.filter(release=RecordItem.Release.RELEASED)
    if access.hides_confidential:
        items = items.filter(confidential=False)
    return items


def _filtered(items: QuerySet[RecordItem], filters: Filters) -> QuerySet[RecordItem]:
    if filters.source:
        items = items.filter(source_id=filters.source)
    if filters.since:
        items = items.filter(effective_at__date__gte=filters.since)
    if filters.until:
        items = items.filter(effective_at__date__lte=filters.until)
    return items


def _audit(
    access: Access, actor: User, object_type: str, object_id: object = "", *, confidential: bool = False
) -> None:
    audit.record_access(
        access,
        actor=actor,
        action=AuditEvent.Action.VIEW,
        object_type=object_type,
        object_id=object_id,
        confidential=confidential,
    )


def sources_of(access: Access) -> list[Organization]:
    """The systems that hold a piece of this patient's record (for the source filter)."""
    ids = visible_items(access).values("source_id").distinct()
    return list(Organization.objects.filter(pk__in=ids).order_by("name"))


def record_overview(*, access: Access, actor: User) -> dict[str, Any]:
    items = visible_items(access)
    counts = dict(items.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    latest = list(items.filter(kind=Kind.RESULT).select_related("source").order_by("-effective_at", "-pk")[:5])
    _audit(access, actor, "records.RecordOverview")
    return {"counts": counts, "latest_results": latest, "sources": sources_of(access)}


@dataclass
class ReportGroup:
    report: RecordItem | None
    results: list[RecordItem] = field(default_factory=list)


def results_by_report(*, access: Access, actor: User, filters: Filters, limit: int = 200) -> list[ReportGroup]:
    """Results grouped under the report that ordered them (a CBC, a metabolic panel), newest first.
    Vital signs and loose results stand in a group of their own per visit day."""
    items = _filtered(visible_items(access), filters)
    results = list(
        items.filter(kind__in=RESULT_KINDS)
        .select_related("source", "report", "hold", "report__hold")
        .order_by("-effective_at", "report_id", "display")[:limit]
    )
    groups: OrderedDict[Any, ReportGroup] = OrderedDict()
    for result in results:
        key = result.report_id or (result.effective_at.date() if result.effective_at else None, result.source_id)
        groups.setdefault(key, ReportGroup(result.report)).results.append(result)
    _audit(access, actor, "records.Results", confidential=any(r.confidential for r in results))
    return list(groups.values())


def trend(*, access: Access, actor: User, code: str) -> list[RecordItem]:
    """Every value of one test or vital over time, oldest first (for the chart and its table)."""
    points = list(
        visible_items(access)
        .filter(kind__in=RESULT_KINDS, code=code)
        .select_related("source")
        .order_by("effective_at", "pk")
    )
    _audit(access, actor, "records.Trend", code)
    return points


@dataclass
class Grouped:
    """One problem, medication, allergy or immunization, however many sources list it."""

    item: RecordItem
    sources: list[str]
    last_seen: Any


def deduplicated(*, access: Access, actor: User, kind: str, filters: Filters) -> list[Grouped]:
    """Items of `kind`, the same thing from several sources shown once with every source named."""
    items = _filtered(visible_items(access), filters).filter(kind=kind)
    keyed = items.exclude(dedup_key="").values("dedup_key").annotate(newest=Max("pk"), last_seen=Max("effective_at"))
    newest_ids = [row["newest"] for row in keyed]
    by_key = {row["dedup_key"]: row for row in keyed}
    sources: dict[str, set[str]] = {}
    for key, name in items.exclude(dedup_key="").values_list("dedup_key", "source__name").distinct():
        sources.setdefault(key, set()).add(name)
    shown = list(
        RecordItem.objects.filter(
            Q(pk__in=newest_ids) | Q(pk__in=items.filter(dedup_key="").values("pk"))
        ).select_related("source")
    )
    grouped = [
        Grouped(
            item,
            sorted(sources.get(item.dedup_key, {item.source.name})),
            by_key[item.dedup_key]["last_seen"] if item.dedup_key else item.effective_at,
        )
        for item in shown
    ]
    grouped.sort(key=lambda g: g.last_seen or LONG_AGO, reverse=True)
    _audit(access, actor, f"records.{kind}")
    return grouped


def item_list(*, access: Access, actor: User, kind: str, filters: Filters, limit: int = 200) -> list[RecordItem]:
    """Visits, procedures and documents: every one, newest first."""
    items = list(
        _filtered(visible_items(access), filters)
        .filter(kind=kind)
        .select_related("source")
        .defer("body")
        .order_by("-effective_at", "-pk")[:limit]
    )
    _audit(access, actor, f"records.{kind}")
    return items


def item_detail(*, access: Access, actor: User, item_id: int) -> RecordItem | None:
    item = visible_items(access).select_related("source").filter(pk=item_id).first()
    if item is not None:
        _audit(access, actor, "records.RecordItem", item.pk, confidential=item.confidential)
    return item


def attachment_for_download(
    *, access: Access, actor: User, item_id: int, attachment_id: int
) -> RecordAttachment | None:
    """A document a report or note carries (a PDF), if its item is one this person may see; audited."""
    attachment = (
        RecordAttachment.objects.filter(
            pk=attachment_id,
            item_id=item_id,
            item__in=visible_items(access).filter(kind__in=(RecordItem.Kind.DOCUMENT, RecordItem.Kind.REPORT)),
        )
        .select_related("item")
        .first()
    )
    if attachment is not None:
        audit.record_access(
            access,
            actor=actor,
            action=AuditEvent.Action.DOWNLOAD,
            object_type="records.RecordAttachment",
            object_id=attachment.pk,
            confidential=attachment.item.confidential,
        )
    return attachment


def items_for_rules(patient_id: UUID | str, *, kinds: Collection[str], codes: Collection[str]) -> list[RecordItem]:
    """A system read for rules evaluated over the whole record (the care gaps): in one query, every
    released item of the patient that is of one of `kinds` (whose codes the caller matches itself,
    by prefix or by name) or carries one of `codes` (exact code values, any code system: the caller
    checks the system), with its source. Not audited: nobody sees these rows here; the page that
    shows what is derived from them audits its own read. Items entered in error are left out."""
    return list(
        RecordItem.objects.filter(Q(kind__in=kinds) | Q(code__in=codes), patient_id=patient_id)
        .filter(release=RecordItem.Release.RELEASED)
        .exclude(status="entered-in-error")
        .select_related("source")
        .defer("body", "value_text", "reference_text")
        .order_by("-effective_at", "-pk")
    )
