"""The briefing's rules: what changed, what needs the patient, what is next, and the care team,
read from the other apps' selectors for a batch of patients and turned into lines (phrase keys and
params, summaries/services/phrases.py). Every line names the row it comes from; the rules are plain
code the team can read and test. A constant number of queries per batch, whatever its size and the
records' sizes: every input is read for the whole batch at once, then each briefing is composed in
Python. One patient's briefing is a batch of one."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from messaging.selectors import briefing as messaging_inputs
from portal import briefing_needs
from records.models import HomeReading, RecordItem
from records.selectors import briefing as record_inputs
from scheduling.selectors import briefing as scheduling_inputs
from summaries.services.build_memo import once, one_build
from summaries.services.lines import CHANGED, NEXT, Line, from_need, iso, item_source, source

Kind = RecordItem.Kind
PatientId = UUID | str
# "What changed" looks back to the last visit, at least this far when there was none...
DEFAULT_WINDOW = timedelta(days=90)
# ... and never further than this.
LONGEST_WINDOW = timedelta(days=365)
# Medicine statuses that mean it was stopped.
STOPPED = ("stopped", "completed", "cancelled", "entered-in-error", "inactive")
RECORDS, MESSAGING, SCHEDULING = "records", "messaging", "scheduling"
# Record rows whose line only names them: (line kind, phrase key, rank).
NEW_ITEMS: dict[str, tuple[str, str, int]] = {
    Kind.PROBLEM: ("diagnosis", "diagnosis_new", 30),
    Kind.VISIT: ("visit", "visit_new", 40),
    Kind.DOCUMENT: ("document", "document_new", 40),
}


@dataclass(frozen=True)
class Built:
    lines: list[Line]
    care_team: list[dict[str, Any]]
    watermark: dict[str, Any]
    since: datetime


def window_start(patient_id: PatientId, *, now: datetime) -> datetime:
    """Where "What changed" begins: the last visit (any source), within the bounds below."""
    return _window(record_inputs.last_visit_before(patient_id, now=now), now)


def _window(last_visit: datetime | None, now: datetime) -> datetime:
    start = last_visit if last_visit is not None else now - DEFAULT_WINDOW
    return max(start, now - LONGEST_WINDOW)


def value_text(item: RecordItem) -> str:
    if item.value_number is not None:
        number = item.value_number.normalize() if isinstance(item.value_number, Decimal) else item.value_number
        text = f"{number:f}" if isinstance(number, Decimal) else str(number)
        return f"{text} {item.unit}".strip()
    return item.value_text


def _measured(item: RecordItem) -> dict[str, Any]:
    """A result's code, number and unit as the source sent them: the reader's page names the test
    and its unit as the record pages do (summaries/services/phrases.py shown_name, shown_value)."""
    measured: dict[str, Any] = {"code": item.code} if item.code else {}
    if item.value_number is not None:
        measured["number"] = str(item.value_number)
        measured["unit"] = item.unit
    return measured


def _group_key(item: RecordItem) -> tuple[Any, ...]:
    """The same thing from several sources shares a key: the record's dedup key where it has one;
    a result by its test, value and day (a lab result sent by the lab and by the clinic)."""
    if item.kind == Kind.RESULT:
        day = item.effective_at.date() if item.effective_at else None
        return (item.kind, item.code or item.display.lower(), value_text(item), day)
    if item.dedup_key:
        return (item.kind, item.dedup_key)
    return (item.kind, "item", item.pk)


def _grouped(items: list[RecordItem]) -> list[tuple[RecordItem, list[str], bool]]:
    """(newest item, every source's name, derived from anything confidential) per group, newest first."""
    groups: OrderedDict[tuple[Any, ...], list[RecordItem]] = OrderedDict()
    for item in items:
        groups.setdefault(_group_key(item), []).append(item)
    return [
        (members[0], sorted({member.source.name for member in members}), any(m.confidential for m in members))
        for members in groups.values()
    ]


def _record_line(item: RecordItem, organizations: list[str], confidential: bool, since: datetime) -> Line | None:
    common: dict[str, Any] = {
        "section": CHANGED,
        "scope": RECORDS,
        "organizations": organizations,
        "confidential": confidential,
        "date": iso(item.effective_at),
    }
    name = item.display
    if item.kind == Kind.RESULT:
        direction = record_inputs.is_out_of_range(item)
        # Keyed by the result, the trend opens whatever its code holds ("/", or only text).
        url = source("records.RecordItem", item.pk, "record_result_trend", item_id=item.pk)
        return Line(
            kind="result",
            key="result_out_of_range" if direction else "result",
            params={
                "name": name,
                "value": value_text(item),
                **_measured(item),
                **({"direction": direction} if direction else {}),
            },
            source=url,
            rank=0 if direction else 10,
            explain={"code": item.code, "direction": direction} if item.code else None,
            **common,
        )
    if item.kind == Kind.MEDICATION:
        stopped = (item.ended_at is not None and item.ended_at >= since) or item.status in STOPPED
        if stopped:
            common["date"] = iso(item.ended_at or item.effective_at)
        return Line(
            kind="medication",
            key="medication_stopped" if stopped else "medication_started",
            params={"name": name},
            source=item_source(item.kind, item.pk),
            rank=20,
            **common,
        )
    if item.kind in NEW_ITEMS:
        kind, key, rank = NEW_ITEMS[item.kind]
        # A note opens on its own page; a diagnosis or a visit on its list, at its line.
        page = item_source(item.kind, item.pk)
        # A visit keeps its code: the reader's page names its kind in their language (records' visit_name).
        params = {"name": name, "code": item.code} if item.kind == Kind.VISIT and item.code else {"name": name}
        return Line(kind=kind, key=key, params=params, source=page, rank=rank, **common)
    return None


def reading_value(reading: HomeReading) -> str:
    if reading.kind == HomeReading.Kind.BLOOD_PRESSURE:
        return f"{reading.systolic}/{reading.diastolic} mmHg"
    unit = "mg/dL" if reading.kind == HomeReading.Kind.GLUCOSE else "lb"
    number = reading.value.normalize() if reading.value is not None else ""
    return f"{number:f} {unit}" if isinstance(number, Decimal) else f"{number} {unit}"


def changed_lines(patient_id: PatientId, *, since: datetime) -> list[Line]:
    """New results (out of range first), medicines started or stopped, new diagnoses, visits and
    notes, and home readings past the patient's limits: grouped by what happened, each
    cross-source duplicate once with every source named."""
    return _changed_lines(
        record_inputs.changes_since(patient_id, since=since),
        record_inputs.readings_over_limit(patient_id, since=since),
        since,
    )


def _changed_lines(items: list[RecordItem], readings: list[record_inputs.JudgedReading], since: datetime) -> list[Line]:
    lines = [
        line
        for item, organizations, confidential in _grouped(items)
        if (line := _record_line(item, organizations, confidential, since)) is not None
    ]
    for judged in readings:
        reading = judged.reading
        emergency = judged.level >= record_inputs.Level.EMERGENCY
        lines.append(
            Line(
                section=CHANGED,
                kind="reading",
                key="reading_emergency" if emergency else "reading_over_limit",
                params={"reading": reading.kind, "value": reading_value(reading)},
                source=source("records.HomeReading", reading.pk, "record_reading", reading_id=reading.pk),
                scope=RECORDS,
                date=iso(reading.taken_at),
                rank=1 if emergency else 5,
            )
        )
    return _sorted(lines)


def _sorted(lines: list[Line]) -> list[Line]:
    """By rank (out of range and urgent first), then newest first."""
    newest_first = sorted(lines, key=lambda line: line.date or "", reverse=True)
    return sorted(newest_first, key=lambda line: line.rank)


def next_lines(
    upcoming_visits: list[scheduling_inputs.Upcoming], threads: list[messaging_inputs.ThreadState], gaps: list[Any]
) -> list[Line]:
    """Upcoming visits with their check-in, open requests with their named owner and committed
    time, screenings coming due: soonest first."""
    lines = []
    for upcoming in upcoming_visits:
        visit = upcoming.appointment
        lines.append(
            Line(
                section=NEXT,
                kind="visit",
                key="visit_upcoming",
                params={
                    "visit_type": visit.visit_type.name,
                    "visit_type_es": visit.visit_type.name_es,
                    "provider": visit.provider.signature,
                    "location": visit.location.name,
                    "check_in": upcoming.check_in,
                },
                source=source("scheduling.Appointment", visit.pk, "appointments_visit", appointment_id=visit.pk),
                scope=SCHEDULING,
                organizations=[visit.organization.name],
                date=iso(visit.starts_at),
            )
        )
    for state in threads:
        if not state.awaiting_clinic:
            continue
        thread = state.thread
        owner = thread.owner.signature if thread.owner is not None else ""
        lines.append(
            Line(
                section=NEXT,
                kind="request",
                key="request_open" if owner else "request_open_pool",
                params={"subject": thread.subject, "owner": owner, "due": iso(thread.first_response_due_at)},
                source=source("messaging.Thread", thread.pk, "messages_thread", thread_id=thread.pk),
                scope=MESSAGING,
                organizations=[thread.organization.name],
                date=iso(thread.first_response_due_at),
                confidential=thread.confidential,
            )
        )
    for gap in gaps:
        if gap.status != "coming_due":
            continue
        lines.append(
            Line(
                section=NEXT,
                kind="care_gap",
                key="screening_coming_due",
                params=gap_params(gap),
                source=gap_source(gap),
                scope=RECORDS,
                organizations=gap_organizations(gap),
                date=iso(gap.due_on),
                confidential=bool(gap.confidential),
            )
        )
    return sorted(lines, key=lambda line: line.date or "9999")


def gap_source(gap: Any) -> dict[str, Any]:
    """A care gap opens the page of the record item that last met the rule (a result's trend, a
    vaccine or a procedure at its line on its list); the record's overview when none did (a gap
    has no page of its own)."""
    if gap.source is None:
        return source("records.RecordItem", None, "record_overview")
    return item_source(getattr(gap, "source_kind", ""), gap.source)


def gap_organizations(gap: Any) -> list[str]:
    """The organization whose record last met the rule, when one did."""
    return [gap.organization.name] if gap.organization is not None else []


def gap_params(gap: Any) -> dict[str, Any]:
    """A gap's rule in both languages, and when and where it was last done, or that the record
    shows it never was (the reader's sentence says which: summaries/services/phrases.py)."""
    params: dict[str, Any] = {"rule": gap.rule_name_en or gap.rule_name, "rule_es": gap.rule_name_es}
    if gap.source is not None and gap.organization is not None:
        return params | {"last_done": iso(gap.as_of), "organization": gap.organization.name}
    return params | {"never": True}


def compose(patient_id: PatientId, *, now: datetime) -> Built:
    """Every line of this patient's briefing as of `now`, the care team and the inputs' watermark."""
    return compose_many([patient_id], now=now)[str(patient_id)]


def compose_many(patient_ids: Iterable[PatientId], *, now: datetime) -> dict[str, Built]:
    """`compose` for every patient of a batch (by id as a string), in a constant number of queries."""
    from summaries.services.needs import care_gaps_many

    ids = tuple(dict.fromkeys(str(patient_id) for patient_id in patient_ids))
    with one_build():  # the reads several rules share are made once
        last_visits = record_inputs.last_visits_before(ids, now=now)
        since = {patient_id: _window(last_visits[patient_id], now) for patient_id in ids}
        gaps = care_gaps_many(ids, now=now)
        needs = briefing_needs.needs_for_many(ids, now=now)
        changes = record_inputs.changes_since_many(since)
        readings = record_inputs.readings_over_limit_many(since)
        upcoming = once(scheduling_inputs.upcoming_visits_many, ids, now=now)
        threads = once(messaging_inputs.threads_for_briefing_many, ids)
        teams = record_inputs.care_team_many(ids)
        watermarks = (
            record_inputs.watermark_many(ids),
            messaging_inputs.watermark_many(ids),
            scheduling_inputs.watermark_many(ids),
        )
    built = {}
    for patient_id in ids:
        lines = (
            _changed_lines(changes[patient_id], readings[patient_id], since[patient_id])
            + _sorted([from_need(need) for need in needs[patient_id]])
            + next_lines(upcoming[patient_id], threads[patient_id], gaps[patient_id])
        )
        team = [
            {
                "organization": entry.organization,
                "people": list(entry.people),
                "last_seen": iso(entry.last_seen),
                "visit_id": entry.visit_id,
                "confidential": entry.confidential,
            }
            for entry in teams[patient_id]
        ]
        watermark = {key: value for side in watermarks for key, value in side[patient_id].items()}
        watermark["since"] = iso(since[patient_id])
        built[patient_id] = Built(lines, team, watermark, since[patient_id])
    return built
