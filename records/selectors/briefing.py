"""What the patient's briefing reads from the record, for a batch of patients at a time, in a
constant number of queries whatever the batch's size (each `*_many` read answers per patient id,
as a string; the one-patient reads are batches of one). The briefing's builder (summaries) is a
worker, not a person: these reads are not audited here; the briefing audits when someone reads it,
and filters each line for its reader (every row returned carries its `confidential` flag, and
nothing held for review is returned)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Exists, F, Max, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from records.models import CareTask, HomeReading, RecordItem, SourceRecord
from records.selectors.visits import NOT_HELD
from records.services.readings import Level, assess, effective_limits, effective_limits_many

Kind = RecordItem.Kind
PatientId = UUID | str
# Kinds whose new rows the briefing names under "What changed".
CHANGE_KINDS = (Kind.RESULT, Kind.PROBLEM, Kind.MEDICATION, Kind.VISIT, Kind.DOCUMENT)
# Interpretation codes (FHIR v3 ObservationInterpretation) that say a result is outside its range.
OUT_OF_RANGE = ("H", "L", "HH", "LL", "A", "AA", "HU", "LU")


def _released(patient_id: PatientId) -> Any:
    return RecordItem.objects.filter(patient_id=patient_id, release=RecordItem.Release.RELEASED)


def _released_of(patient_ids: Collection[str]) -> Any:
    return RecordItem.objects.filter(patient_id__in=list(patient_ids), release=RecordItem.Release.RELEASED)


def _by_patient(patient_ids: Iterable[str], rows: Iterable[Any]) -> dict[str, list[Any]]:
    """Rows (models or dicts with `patient_id`) per patient id, in the order read; every id has a list."""
    found: dict[str, list[Any]] = {str(patient_id): [] for patient_id in patient_ids}
    for row in rows:
        found[str(row["patient_id"] if isinstance(row, dict) else row.patient_id)].append(row)
    return found


def _each_since(since: Mapping[str, datetime], condition: Any) -> Q:
    """Each patient's rows that meet `condition(start)` for their own start: one branch per
    distinct start (patients with the default window share one), not one per patient."""
    patients_by_start: dict[datetime, list[str]] = {}
    for patient_id, start in since.items():
        patients_by_start.setdefault(start, []).append(str(patient_id))
    either = Q(pk__in=[])
    for start, patient_ids in patients_by_start.items():
        either |= Q(patient_id__in=patient_ids) & condition(start)
    return either


def is_out_of_range(item: RecordItem) -> str:
    """ "high", "low", "abnormal" or "" for a result: its interpretation, else its value against its range."""
    code = (item.interpretation or "").upper()
    if code in ("H", "HH", "HU"):
        return "high"
    if code in ("L", "LL", "LU"):
        return "low"
    if code in ("A", "AA"):
        return "abnormal"
    if item.value_number is not None:
        if item.reference_high is not None and item.value_number > item.reference_high:
            return "high"
        if item.reference_low is not None and item.value_number < item.reference_low:
            return "low"
    return ""


def changes_since(patient_id: PatientId, *, since: datetime) -> list[RecordItem]:
    """Released results, problems, medicines, visits and documents dated from `since` on, and
    medicines that ended since then, newest first (one query). Rows of every source: the caller
    groups the same thing from several sources by `dedup_key`."""
    return changes_since_many({str(patient_id): since})[str(patient_id)]


def changes_since_many(since: Mapping[str, datetime]) -> dict[str, list[RecordItem]]:
    """`changes_since` for every patient of a batch, each from their own `since` (one query)."""
    rows = (
        RecordItem.objects.filter(
            _each_since(
                since,
                lambda start: (
                    Q(kind__in=CHANGE_KINDS, effective_at__gte=start) | Q(kind=Kind.MEDICATION, ended_at__gte=start)
                ),
            ),
            release=RecordItem.Release.RELEASED,
        )
        .select_related("source")
        .defer("body")
        .order_by("-effective_at", "-pk")
    )
    return _by_patient(since, rows)


def _public_visits_held_before(visits: Any, now: datetime) -> Any:
    """A confidential visit never counts: the date heads the briefing every reader sees, and a
    teen's parent must not learn from it when that visit took place."""
    return visits.filter(kind=Kind.VISIT, effective_at__lt=now, confidential=False).exclude(status__in=NOT_HELD)


def last_visit_before(patient_id: PatientId, *, now: datetime, source_id: int | None = None) -> datetime | None:
    """When the patient's last visit (at any source, or at `source_id`'s only) began, if it took
    place before `now` (confidential visits left out, see above)."""
    visits = _public_visits_held_before(_released(patient_id), now)
    if source_id is not None:
        visits = visits.filter(source_id=source_id)
    return visits.aggregate(last=Max("effective_at"))["last"]


def last_visits_before(patient_ids: Collection[str], *, now: datetime) -> dict[str, datetime | None]:
    """`last_visit_before` (any source) for every patient of a batch (one query)."""
    rows = (
        _public_visits_held_before(_released_of(patient_ids), now)
        .order_by()
        .values("patient_id")
        .annotate(last=Max("effective_at"))
    )
    found: dict[str, datetime | None] = dict.fromkeys(patient_ids)
    found.update({str(row["patient_id"]): row["last"] for row in rows})
    return found


def unfollowed_out_of_range(patient_id: PatientId, *, since: datetime) -> list[RecordItem]:
    """Out-of-range results from `since` on with no later result of the same test (one query)."""
    return unfollowed_out_of_range_many([str(patient_id)], since=since)[str(patient_id)]


def unfollowed_out_of_range_many(patient_ids: Collection[str], *, since: datetime) -> dict[str, list[RecordItem]]:
    """`unfollowed_out_of_range` for every patient of a batch (one query)."""
    later = RecordItem.objects.filter(
        patient_id=OuterRef("patient_id"),
        release=RecordItem.Release.RELEASED,
        kind=Kind.RESULT,
        code=OuterRef("code"),
        effective_at__gt=OuterRef("effective_at"),
    )
    candidates = (
        _released_of(patient_ids)
        .filter(kind=Kind.RESULT, effective_at__gte=since)
        .exclude(code="")
        .filter(
            Q(interpretation__in=OUT_OF_RANGE)
            | Q(reference_high__isnull=False, value_number__gt=F("reference_high"))
            | Q(reference_low__isnull=False, value_number__lt=F("reference_low"))
        )
        .annotate(followed=Exists(later))
        .filter(followed=False)
        .select_related("source")
        .defer("body")
        .order_by("-effective_at", "-pk")
    )
    return _by_patient(patient_ids, candidates)


@dataclass(frozen=True)
class JudgedReading:
    reading: HomeReading
    level: Level


def readings_over_limit(patient_id: PatientId, *, since: datetime) -> list[JudgedReading]:
    """Home readings from `since` on that crossed this patient's limits, newest first (two queries)."""
    return readings_over_limit_many({str(patient_id): since})[str(patient_id)]


def readings_over_limit_many(since: Mapping[str, datetime]) -> dict[str, list[JudgedReading]]:
    """`readings_over_limit` for every patient of a batch, each from their own `since` (two queries)."""
    readings = _by_patient(
        since,
        HomeReading.objects.filter(_each_since(since, lambda start: Q(taken_at__gte=start))).order_by(
            "-taken_at", "-pk"
        ),
    )
    limits = effective_limits_many(list(since))
    found: dict[str, list[JudgedReading]] = {}
    for patient_id, taken in readings.items():
        judged = [JudgedReading(reading, assess(reading, limits[patient_id]).level) for reading in taken]
        found[patient_id] = [entry for entry in judged if entry.level >= Level.OUT_OF_RANGE]
    return found


@dataclass(frozen=True)
class CareTeamEntry:
    organization: str
    people: tuple[str, ...]
    last_seen: datetime | None
    visit_id: int
    confidential: bool


def care_team(patient_id: PatientId, *, limit: int = 12) -> list[CareTeamEntry]:
    """Who has seen the patient, where, and when last: per source system, its latest visits'
    clinicians (as the source names them), newest first. One query."""
    return care_team_many([str(patient_id)], limit=limit)[str(patient_id)]


def care_team_many(patient_ids: Collection[str], *, limit: int = 12) -> dict[str, list[CareTeamEntry]]:
    """`care_team` for every patient of a batch: each patient's latest visits (a window per
    patient, so a long record reads no more rows than a short one). One query."""
    visits = (
        _released_of(patient_ids)
        .filter(kind=Kind.VISIT)
        .exclude(status__in=NOT_HELD)
        .exclude(effective_at__isnull=True)
        .annotate(
            newest=Window(
                RowNumber(), partition_by=[F("patient_id")], order_by=[F("effective_at").desc(), F("pk").desc()]
            )
        )
        .filter(newest__lte=limit * 5)
        .order_by("patient_id", "-effective_at", "-pk")
        .values("patient_id", "pk", "source__name", "effective_at", "confidential", "record__raw__participant")
    )
    return {patient_id: _care_team(rows, limit) for patient_id, rows in _by_patient(patient_ids, visits).items()}


def _care_team(visits: list[dict[str, Any]], limit: int) -> list[CareTeamEntry]:
    by_source: dict[str, CareTeamEntry] = {}
    for visit in visits:
        people = tuple(
            sorted(
                {
                    str(participant.get("individual", {}).get("display", "")).strip()
                    for participant in visit["record__raw__participant"] or []
                    if isinstance(participant, dict) and isinstance(participant.get("individual"), dict)
                }
                - {""}
            )
        )
        name = visit["source__name"]
        if name not in by_source:
            by_source[name] = CareTeamEntry(name, people, visit["effective_at"], visit["pk"], visit["confidential"])
    return list(by_source.values())[:limit]


# -- the clinician's pre-visit briefing -----------------------------------------------------------------


def check_in_reports(patient_id: PatientId, *, since: datetime, until: datetime) -> list[CareTask]:
    """What the patient reported about their medicines and allergies at a check-in between `since`
    and `until`: the correction tasks eCheck-in opened (scheduling.services.checkin.medicines_review),
    each with the record item it is about (none for a new medicine or allergy). One query."""
    return list(
        CareTask.objects.filter(
            patient_id=patient_id, kind=CareTask.Kind.CORRECTION, created_at__gte=since, created_at__lte=until
        )
        .filter(Q(item__isnull=True) | Q(item__kind__in=[Kind.MEDICATION, Kind.ALLERGY]))
        .select_related("item__source")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class ReadingTrend:
    """One kind of home reading over the last period and the one before: how many, the latest,
    the averages (systolic/diastolic for blood pressure) and how many crossed the patient's limits."""

    kind: str
    count: int
    latest: HomeReading
    recent: tuple[float, ...]  # averages of the last period: (value,) or (systolic, diastolic)
    previous: tuple[float, ...] | None  # the period before, if it had readings
    over_limit: int


def _average(readings: list[HomeReading]) -> tuple[float, ...]:
    if readings[0].kind == HomeReading.Kind.BLOOD_PRESSURE:
        return (
            sum(r.systolic or 0 for r in readings) / len(readings),
            sum(r.diastolic or 0 for r in readings) / len(readings),
        )
    return (float(sum(r.value or 0 for r in readings)) / len(readings),)


def readings_trend(patient_id: PatientId, *, now: datetime, period: timedelta) -> list[ReadingTrend]:
    """Per kind of home reading, the last `period` against the one before (two queries)."""
    readings = list(
        HomeReading.objects.filter(patient_id=patient_id, taken_at__gte=now - 2 * period, taken_at__lte=now).order_by(
            "kind", "-taken_at", "-pk"
        )
    )
    if not readings:
        return []
    limits = effective_limits(patient_id)  # type: ignore[arg-type]
    by_kind: dict[str, list[HomeReading]] = {}
    for reading in readings:
        by_kind.setdefault(reading.kind, []).append(reading)
    trends = []
    for kind, found in by_kind.items():
        recent = [r for r in found if r.taken_at >= now - period]
        previous = [r for r in found if r.taken_at < now - period]
        if not recent:
            continue
        trends.append(
            ReadingTrend(
                kind=kind,
                count=len(recent),
                latest=recent[0],
                recent=_average(recent),
                previous=_average(previous) if previous else None,
                over_limit=sum(1 for r in recent if assess(r, limits).level >= Level.OUT_OF_RANGE),
            )
        )
    return trends


def _watermark_sql() -> str:
    """Five aggregates of each patient's rows in one statement (a row per patient of the batch).
    Written as SQL: the ORM's subqueries cost more to compile than the round trips they save."""
    records, items, readings = (model._meta.db_table for model in (SourceRecord, RecordItem, HomeReading))
    # Only the models' own table names are formatted in; every value is a bound parameter.
    return (
        "SELECT p.id,"  # noqa: S608
        f" (SELECT count(*) FROM {records} WHERE patient_id = p.id),"
        f" (SELECT max(updated_at) FROM {records} WHERE patient_id = p.id),"
        f" (SELECT count(*) FROM {items} WHERE patient_id = p.id AND release = %(released)s),"
        f" (SELECT count(*) FROM {readings} WHERE patient_id = p.id),"
        f" (SELECT max(created_at) FROM {readings} WHERE patient_id = p.id)"
        " FROM unnest(%(patients)s::uuid[]) AS p(id)"
    )


def watermark(patient_id: PatientId) -> dict[str, Any]:
    """The record's side of the briefing's inputs watermark: newest update and counts (one query)."""
    return watermark_many([str(patient_id)])[str(patient_id)]


def watermark_many(patient_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """`watermark` for every patient of a batch (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _watermark_sql(),
            {"patients": [UUID(str(pk)) for pk in patient_ids], "released": RecordItem.Release.RELEASED},
        )
        rows = cursor.fetchall()
    return {
        str(patient_id): {
            "records": records,
            "records_newest": records_newest.isoformat() if records_newest else None,
            "released": released,
            "readings": readings,
            "readings_newest": readings_newest.isoformat() if readings_newest else None,
        }
        for patient_id, records, records_newest, released, readings, readings_newest in rows
    }
