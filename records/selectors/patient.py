"""Every read of the clinical record: scoped by the access policy, audited, constant in queries."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, Organization, User
from records.dedup_keys import EVENT_PREFIX, PAIRED
from records.models import RecordAttachment, RecordItem

Kind = RecordItem.Kind
RESULT_KINDS = (Kind.RESULT, Kind.VITAL, Kind.OBSERVATION)
# A report that is a document too: it carries a file or text of its own.
REPORT_WITH_DOCUMENT = Q(Exists(RecordAttachment.objects.filter(item=OuterRef("pk")))) | ~Q(body="")
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


# Kinds whose lines are events (a result, a visit, an imaging study...): the same one from two sources is
# merged, two of one source never are (records/dedup_keys.py).
EVENT_KINDS = tuple(EVENT_PREFIX)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Place:
    """A source system holding a line, with the page of the record that shows only its lines."""

    pk: int
    name: str


@dataclass
class Grouped:
    """One problem, medicine, result, visit... however many sources list it, with every source."""

    item: RecordItem
    places: list[Place]
    last_seen: Any

    @property
    def sources(self) -> list[str]:
        return [place.name for place in self.places]


_GROUPS_SQL = """
WITH shown AS ({inner}),
keyed AS (
    SELECT shown.*,
        CASE WHEN dedup_key = '' THEN 'line:' || id::text
             WHEN kind = ANY(%s) OR dedup_key LIKE 'paired:%%' THEN dedup_key || '#' ||
                 row_number() OVER (PARTITION BY dedup_key, source_id ORDER BY id)::text
             ELSE dedup_key END AS line_group
    FROM shown
)
"""


class GroupedLines:
    """The lines of some kinds of the record as a patient reads them, one per thing however many
    sources sent it, newest first, in SQL: `Paginator` counts them (one query) and reads a page
    (two: the groups, then their lines with their sources)."""

    def __init__(self, items: QuerySet[RecordItem], *, by_report: bool = False, extra: tuple[str, ...] = ()) -> None:
        inner = items.values(
            "id", "kind", "dedup_key", "source_id", "effective_at", "display", "report_id", *extra
        ).order_by()
        self.sql, self.params = inner.query.sql_with_params()
        self.by_report = by_report
        self._count: int | None = None

    def _run(self, tail: str, params: list[Any]) -> list[tuple[Any, ...]]:
        sql = _GROUPS_SQL.format(inner=self.sql) + tail
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self.params, list(EVENT_KINDS), *params])
            return cursor.fetchall()

    def count(self) -> int:
        if self._count is None:
            self._count = self._run("SELECT count(DISTINCT line_group) FROM keyed", [])[0][0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def newest(self, n: int) -> list[RecordItem]:
        """The newest line of each of the `n` newest groups, with its source, in one query."""
        chosen = _GROUPS_SQL.format(inner=self.sql) + (  # noqa: S608 - fixed SQL; values are parameters
            "SELECT max(id) FROM keyed GROUP BY line_group ORDER BY max(effective_at) DESC NULLS LAST, max(id) DESC "
            "LIMIT %s"
        )
        ids = RawSQL(chosen, [*self.params, list(EVENT_KINDS), n])  # noqa: S611 - fixed SQL; values are parameters
        lines = RecordItem.objects.filter(pk__in=ids).select_related("source").defer("body")
        return list(lines.order_by(F("effective_at").desc(nulls_last=True), "-pk"))

    def __getitem__(self, window: slice) -> list[Grouped]:
        if not isinstance(window, slice):
            raise TypeError("GroupedLines is read a page (a slice) at a time.")
        offset = window.start or 0
        limit = None if window.stop is None else max(window.stop - offset, 0)
        # Within one moment, a report's results stay together and read in name order.
        order = "max(report_id) NULLS LAST, min(display), " if self.by_report else ""
        rows = self._run(
            f"""SELECT max(id), max(effective_at), array_agg(DISTINCT source_id ORDER BY source_id)
                FROM keyed GROUP BY line_group
                ORDER BY max(effective_at) DESC NULLS LAST, {order}max(id) DESC
                LIMIT %s OFFSET %s""",  # noqa: S608 - fixed SQL; values are parameters
            [limit, offset],
        )
        lines = RecordItem.objects.select_related("source", "report", "hold", "report__hold").defer("body")
        by_pk = lines.in_bulk([row[0] for row in rows])
        source_ids = {source for row in rows for source in row[2]}
        places = dict(Organization.objects.filter(pk__in=source_ids).values_list("pk", "name"))
        return [
            Grouped(
                by_pk[pk],
                sorted((Place(source, places[source]) for source in sources), key=lambda p: p.name),
                seen,
            )
            for pk, seen, sources in rows
        ]


def record_counts(access: Access) -> dict[str, int]:
    """How many lines each kind's page lists (the same thing from several sources once), and under
    "results" how many the results page lists of its three kinds together (a result merged across
    sources counts once even where each source filed it under another kind); documents count the
    reports that carry one (`of_kind`). One query."""
    items = visible_items(access).annotate(
        listed_as=Case(
            When(Q(kind=Kind.REPORT) & REPORT_WITH_DOCUMENT, then=Value(Kind.DOCUMENT.value)),
            default=F("kind"),
        )
    )
    rows = GroupedLines(items, extra=("listed_as",))._run(
        """SELECT kind, count(DISTINCT line_group) FROM keyed WHERE kind <> %s GROUP BY kind
        UNION ALL SELECT %s, count(DISTINCT line_group) FROM keyed WHERE listed_as = %s
        UNION ALL SELECT 'results', count(DISTINCT line_group) FROM keyed WHERE kind = ANY(%s)""",
        [Kind.DOCUMENT.value, Kind.DOCUMENT.value, Kind.DOCUMENT.value, list(RESULT_KINDS)],
    )
    return dict(rows)


def newest_results(items: QuerySet[RecordItem], n: int) -> list[RecordItem]:
    """The `n` newest lab results of `items`, each once however many sources sent it, with their
    source (one query)."""
    return GroupedLines(items.filter(kind=Kind.RESULT), by_report=True).newest(n)


def record_overview(*, access: Access, actor: User) -> dict[str, Any]:
    items = visible_items(access)
    latest = newest_results(items, 5)
    _audit(access, actor, "records.RecordOverview")
    return {"counts": record_counts(access), "latest_results": latest, "sources": sources_of(access)}


@dataclass
class ReportGroup:
    report: RecordItem | None
    results: list[Grouped] = field(default_factory=list)
    # The report is a document too (a PDF, its text): the group links to it.
    has_document: bool = False


def _page(lines: GroupedLines, page_number: Any) -> Page[Grouped]:
    return Paginator(lines, PAGE_SIZE, allow_empty_first_page=True).get_page(page_number)  # type: ignore[arg-type]


def results_page(
    *, access: Access, actor: User, filters: Filters, page_number: Any = None
) -> tuple[Page[Grouped], list[ReportGroup]]:
    """A page of results, the same result from several sources once, grouped under the report that
    ordered them (a CBC, a metabolic panel), newest first. Vital signs and loose results stand in a
    group of their own per visit day. A constant number of queries whatever the page."""
    items = _filtered(visible_items(access), filters).filter(kind__in=RESULT_KINDS)
    page = _page(GroupedLines(items, by_report=True), page_number)
    groups: OrderedDict[Any, ReportGroup] = OrderedDict()
    for line in page.object_list:
        result = line.item
        key = result.report_id or (result.effective_at.date() if result.effective_at else None, result.source_id)
        groups.setdefault(key, ReportGroup(result.report)).results.append(line)
    reports = [group.report for group in groups.values() if group.report is not None]
    with_files = (
        set(
            RecordAttachment.objects.filter(item__in=[report.pk for report in reports]).values_list(
                "item_id", flat=True
            )
        )
        if reports
        else set()
    )
    for group in groups.values():
        group.has_document = group.report is not None and (group.report.pk in with_files or bool(group.report.body))
    _audit(access, actor, "records.Results", confidential=any(line.item.confidential for line in page.object_list))
    return page, list(groups.values())


def results_by_report(*, access: Access, actor: User, filters: Filters) -> list[ReportGroup]:
    """The first page of results grouped by report (see `results_page`)."""
    return results_page(access=access, actor=actor, filters=filters)[1]


@dataclass(frozen=True)
class TrendOf:
    """What one trend follows: a test's code, or its name when the source coded it only in text."""

    code: str
    display: str = ""


def test_of(*, access: Access, item_id: int) -> TrendOf | None:
    """The test a visible result measures (the trend page keyed by a result, whatever its code holds)."""
    found = visible_items(access).filter(pk=item_id, kind__in=RESULT_KINDS).values_list("code", "display").first()
    if found is None:
        return None
    code, display = found
    return TrendOf(code, "" if code else display)


def merged_across_sources(items: list[RecordItem]) -> list[Grouped]:
    """`items` (in their order) with the same event from several sources once, as GroupedLines
    merges them in SQL: by dedup key, the n-th of each source with the n-th of the others."""
    seen: dict[tuple[str, int], int] = {}
    groups: dict[Any, Grouped] = {}
    for item in items:
        if item.dedup_key:
            ordinal = seen[(item.dedup_key, item.source_id)] = seen.get((item.dedup_key, item.source_id), 0) + 1
            paired = item.kind in EVENT_KINDS or item.dedup_key.startswith(PAIRED)
            key: Any = (item.dedup_key, ordinal if paired else 0)
        else:
            key = item.pk
        place = Place(item.source_id, item.source.name)
        if key in groups:
            group = groups[key]
            if place not in group.places:
                group.places = sorted([*group.places, place], key=lambda p: p.name)
            if item.pk > group.item.pk:
                group.item = item
        else:
            groups[key] = Grouped(item, [place], item.effective_at)
    return list(groups.values())


def trend(*, access: Access, actor: User, code: str = "", test: TrendOf | None = None) -> list[Grouped]:
    """Every value of one test or vital over time, oldest first, each measurement once however
    many sources sent it (for the chart and its table)."""
    test = test or TrendOf(code)
    points = visible_items(access).filter(kind__in=RESULT_KINDS, code=test.code)
    if not test.code:
        points = points.filter(display=test.display)
    merged = merged_across_sources(list(points.select_related("source").order_by("effective_at", "pk")))
    _audit(access, actor, "records.Trend", test.code or test.display[:64])
    return merged


def of_kind(items: QuerySet[RecordItem], kind: str) -> QuerySet[RecordItem]:
    """The lines a kind's page lists: documents include the reports that carry a document of their
    own (a report sent as a PDF or as text), which are also under their results."""
    if kind == Kind.DOCUMENT:
        return items.filter(Q(kind=Kind.DOCUMENT) | (Q(kind=Kind.REPORT) & REPORT_WITH_DOCUMENT))
    return items.filter(kind=kind)


def deduplicated(*, access: Access, actor: User, kind: str, filters: Filters) -> list[Grouped]:
    """Every line of `kind`, the same thing from several sources shown once with every source named."""
    lines = GroupedLines(of_kind(_filtered(visible_items(access), filters), kind))
    _audit(access, actor, f"records.{kind}")
    return lines[0 : lines.count()]


def item_page(*, access: Access, actor: User, kind: str, filters: Filters, page_number: Any = None) -> Page[Grouped]:
    """A page of a list (problems, medicines, visits, goals...), newest first, the same thing from
    several sources once with every source named. A constant number of queries whatever the page."""
    page = _page(GroupedLines(of_kind(_filtered(visible_items(access), filters), kind)), page_number)
    _audit(access, actor, f"records.{kind}", confidential=any(line.item.confidential for line in page.object_list))
    return page


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
        _for_rules(kinds, codes)
        .filter(patient_id=patient_id)
        .select_related("source")
        .defer("body", "value_text", "reference_text")
    )


def _for_rules(kinds: Collection[str], codes: Collection[str]) -> QuerySet[RecordItem]:
    return (
        RecordItem.objects.filter(Q(kind__in=kinds) | Q(code__in=codes))
        .filter(release=RecordItem.Release.RELEASED)
        .exclude(status="entered-in-error")
        .order_by("-effective_at", "-pk")
    )


@dataclass(frozen=True, slots=True)
class RuleFact:
    """What rules over the whole record read of one item (the care gaps): a light row, not a model."""

    pk: int
    kind: str
    code_system: str
    code: str
    display: str
    status: str
    effective_at: datetime | None
    ended_at: datetime | None
    confidential: bool


RULE_FACT_FIELDS = (
    "pk",
    "kind",
    "code_system",
    "code",
    "display",
    "status",
    "effective_at",
    "ended_at",
    "confidential",
)


def rule_facts_many(
    patient_ids: Collection[str], *, kinds: Collection[str], codes: Collection[str]
) -> dict[str, list[RuleFact]]:
    """The rows `items_for_rules` reads, for every patient of a batch (one query), as `RuleFact`s,
    newest first per patient: a batch of records is read without building a model per item. Not
    audited, for the same reason."""
    found: dict[str, list[RuleFact]] = {str(patient_id): [] for patient_id in patient_ids}
    rows = (
        _for_rules(kinds, codes).filter(patient_id__in=list(patient_ids)).values_list("patient_id", *RULE_FACT_FIELDS)
    )
    for patient_id, *fields in rows:
        found[str(patient_id)].append(RuleFact(*fields))
    return found
