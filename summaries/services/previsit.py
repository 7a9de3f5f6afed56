"""The clinician's pre-visit briefing: for one booked visit, what the clinician should know before
the patient walks in, gathered from every app's briefing selectors and stored as a row
(`PrevisitBriefing`). Rules and data only: no sentence is stored, the page says it in the reader's
language (summaries/selectors/staff.py).

Built by workers:
- the evening before: a beat task every hour prepares the next day's visits of each clinic where it
  is evening (`prepare_tomorrow`), once per visit and evening;
- on booking, and whenever the patient's briefing inputs change (portal/briefing_inputs.py, after
  the commit): `patient_changed` queues a rebuild of the patient's upcoming visits' briefings;
- when opened and not built yet (a visit booked before this existed): the page asks a worker.
A constant number of queries per visit, whatever the record's size.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from messaging.selectors import briefing as messaging_inputs
from portal import previsit_items
from portal.models import Organization
from portal.queue import queue_task
from records.selectors import briefing as record_inputs
from records.selectors import previsit as record_details
from scheduling.models import Appointment
from scheduling.selectors import briefing as scheduling_inputs
from scheduling.services.checkin import opens_at
from summaries.models import PrevisitBriefing
from summaries.selectors.care_gaps import gaps_for_briefing
from summaries.services import care_gaps
from summaries.services.briefing import DEFAULT_WINDOW, LONGEST_WINDOW, changed_lines, reading_value
from summaries.services.lines import from_need, iso
from summaries.services.refresh import debounce_seconds

PatientId = UUID | str
BUILD_TASK = "summaries.build_previsit"
PATIENT_TASK = "summaries.previsit_for_patient"
# Class id of this module's advisory locks (the object id is the appointment's).
LOCK_CLASS = 0x42F2
# From this local hour on, a clinic's next-day visits are prepared (the beat task runs hourly).
EVENING_HOUR = 17
# The home readings' trend compares the last period with the one before.
TREND_PERIOD = timedelta(days=30)
# Open care gaps and those coming due are worth a word before a visit.
GAP_STATUSES = ("open", "coming_due")


class Outcome:
    BUILT = "built"
    GONE = "gone"  # the visit no longer exists or is no longer booked


def window_start(visit: Appointment, *, now: datetime) -> tuple[datetime, datetime | None]:
    """(where "what changed" begins, the last visit here): the patient's last visit at this clinic
    that took place, from its schedule or from its record, within the briefing's bounds."""
    before = min(now, visit.starts_at)
    scheduled = scheduling_inputs.last_visit_here(
        visit.patient_id, organization_id=visit.organization_id, before=before
    )
    recorded = record_inputs.last_visit_before(visit.patient_id, now=before, source_id=visit.organization_id)
    last = max((moment for moment in (scheduled, recorded) if moment is not None), default=None)
    start = last if last is not None else now - DEFAULT_WINDOW
    return max(start, now - LONGEST_WINDOW), last


def _reason(visit: Appointment) -> dict[str, Any]:
    return {
        "visit_type": visit.visit_type.name,
        "visit_type_es": visit.visit_type.name_es,
        "provider": visit.provider.signature,
        "location": visit.location.name,
        "organization": visit.organization.name,
        "starts_at": iso(visit.starts_at),
        "notes": list(visit.notes),  # type: ignore[attr-defined]
    }


def _gaps(patient_id: PatientId, *, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "rule": gap.rule_name_en or gap.rule_name,
            "rule_es": gap.rule_name_es,
            "status": gap.status,
            "due_on": iso(gap.due_on),
            "as_of": iso(gap.as_of),
            "confidential": gap.confidential,
            "source": gap.source,
        }
        for gap in gaps_for_briefing(patient_id, now=now)
        if gap.status in GAP_STATUSES
    ]


def _check_in(visit: Appointment) -> dict[str, Any]:
    """The questionnaires answered for this visit (scores, bands, PHQ-9 item 9) and what the patient
    reported at check-in about their medicines and allergies."""
    answers = []
    for response in scheduling_inputs.check_in_answers(visit.pk):
        questionnaire = response.questionnaire
        item_9 = response.answers.get("9") if questionnaire.builtin == "phq9" else None
        answers.append(
            {
                "id": response.pk,
                "builtin": questionnaire.builtin,
                "name": questionnaire.name,
                "name_es": questionnaire.name_es,
                "score": response.score,
                "severity": response.severity,
                "item_9": item_9,
                "safety_follow_up": response.needs_safety_follow_up,
                "alert_thread": response.alert_thread_id,
                "submitted_at": iso(response.submitted_at),
            }
        )
    reports = [
        {
            "task": task.pk,
            "item_kind": task.item.kind if task.item is not None else "",
            "item": task.item.display if task.item is not None else "",
            "item_id": task.item_id,
            "organization": task.item.source.name if task.item is not None else "",
            "words": task.text,
            "status": task.status,
            "at": iso(task.created_at),
            "confidential": bool(task.item is not None and task.item.confidential),
        }
        for task in record_inputs.check_in_reports(visit.patient_id, since=opens_at(visit), until=visit.starts_at)
    ]
    return {"done_at": iso(visit.checked_in_at), "questionnaires": answers, "reports": reports}


def _number(values: tuple[float, ...] | None) -> list[float] | None:
    return [round(value, 1) for value in values] if values is not None else None


def _readings(patient_id: PatientId, *, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "kind": trend.kind,
            "count": trend.count,
            "latest": reading_value(trend.latest),
            "latest_at": iso(trend.latest.taken_at),
            "latest_id": trend.latest.pk,
            "recent": _number(trend.recent),
            "previous": _number(trend.previous),
            "over_limit": trend.over_limit,
            "days": TREND_PERIOD.days,
        }
        for trend in record_inputs.readings_trend(patient_id, now=now, period=TREND_PERIOD)
    ]


def _threads(patient_id: PatientId) -> list[dict[str, Any]]:
    return [
        {
            "id": state.thread.pk,
            "subject": state.thread.subject,
            "owner": state.thread.owner.signature if state.thread.owner is not None else "",
            "due": iso(state.thread.first_response_due_at),
            "organization": state.thread.organization.name,
            "confidential": state.thread.confidential,
        }
        for state in messaging_inputs.threads_for_briefing(patient_id)
        if state.awaiting_clinic
    ]


def _with_result_details(patient_id: PatientId, lines: list[dict[str, Any]], since: datetime) -> list[dict[str, Any]]:
    """A clinician reads a result with its reference range and flag (the patient's line has the
    value and unit, and a plain-language meaning instead): added to each result line's params;
    critical values first."""
    results = [line for line in lines if line["kind"] == "result"]
    details = record_details.result_details(patient_id, since=since)
    for line in results:
        detail = details.get(line["source"]["id"])
        if detail is not None:
            line["params"] = {**line["params"], "range": detail.range, "flag": detail.flag}
    # Critical values before every other line (the rest keep the briefing's order: out of range first).
    return sorted(lines, key=lambda line: not str(line["params"].get("flag", "")).startswith("critical"))


def compose(visit: Appointment, *, now: datetime) -> tuple[dict[str, Any], datetime]:
    """The briefing's content for `visit` as of `now`, and where "what changed" begins."""
    patient_id = visit.patient_id
    since, last_here = window_start(visit, now=now)
    # Home readings have a trend of their own below; the record's changes are what is left.
    changed = _with_result_details(
        patient_id, [line.as_json() for line in changed_lines(patient_id, since=since) if line.kind != "reading"], since
    )
    extra = {
        section: [from_need(need).as_json() for need in needs]
        for section, needs in previsit_items.items_for(patient_id, now=now).items()
    }
    content = {
        "reason": _reason(visit),
        "last_visit_here": iso(last_here),
        "changed": changed,
        "gaps": _gaps(patient_id, now=now),
        "check_in": _check_in(visit),
        "readings": _readings(patient_id, now=now),
        "threads": _threads(patient_id),
        "extra": extra,
    }
    return content, since


def _lock(appointment_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, appointment_id])


def build(appointment_id: int, *, now: datetime | None = None) -> str:
    """Build and store the briefing of one visit (idempotent: a second build rewrites the row)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock(appointment_id)  # two workers building one visit take turns
        visit = scheduling_inputs.visit_for_previsit(appointment_id)
        if visit is None or visit.status not in scheduling_inputs.PREPARED:
            return Outcome.GONE
        # The care gaps are evaluated against the record as it is now, as the patient's rebuild does.
        care_gaps.evaluate(visit.patient_id, now=now)
        content, since = compose(visit, now=now)
        stored = PrevisitBriefing.objects.filter(appointment_id=appointment_id).update(
            content=content, since=since, built_at=now, version=F("version") + 1
        )
        if not stored:
            PrevisitBriefing.objects.create(
                appointment_id=appointment_id,
                patient_id=visit.patient_id,
                content=content,
                since=since,
                built_at=now,
                version=1,
            )
    return Outcome.BUILT


def build_for_patient(patient_id: PatientId, *, now: datetime | None = None) -> int:
    """Rebuild the briefings of the patient's upcoming visits; how many were built."""
    now = now or timezone.now()
    ids = scheduling_inputs.upcoming_visit_ids(patient_id, now=now)
    return sum(1 for appointment_id in ids if build(appointment_id, now=now) == Outcome.BUILT)


def request_build(appointment_id: int) -> None:
    """Ask a worker to build one visit's briefing, after the commit."""
    transaction.on_commit(lambda: queue_task(BUILD_TASK, appointment_id))


def patient_changed(patient_id: PatientId) -> None:
    """A change of the patient's briefing inputs (a visit booked, a result, a check-in answer):
    their upcoming visits' briefings are rebuilt by a worker, after the debounce. Runs after the
    commit (portal/briefing_inputs.py); one query when the patient has no upcoming visit."""
    if scheduling_inputs.upcoming_visit_ids(patient_id, now=timezone.now(), limit=1):
        queue_task(PATIENT_TASK, str(patient_id), countdown=debounce_seconds())


def evening_start(day: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(EVENING_HOUR), tzinfo=zone)


def due_tomorrow(*, now: datetime) -> list[int]:
    """Visits to prepare now: at each clinic where it is evening, the next day's visits whose
    briefing was not built since this evening began (three queries)."""
    visits = scheduling_inputs.visits_to_prepare(starting_from=now, starting_before=now + timedelta(hours=48))
    if not visits:
        return []
    zones = {
        pk: ZoneInfo(name)
        for pk, name in Organization.objects.filter(pk__in={visit[1] for visit in visits}).values_list(
            "pk", "time_zone"
        )
    }
    built = dict(
        PrevisitBriefing.objects.filter(appointment_id__in=[visit[0] for visit in visits]).values_list(
            "appointment_id", "built_at"
        )
    )
    due = []
    for appointment_id, organization_id, starts_at in visits:
        zone = zones[organization_id]
        local_now = now.astimezone(zone)
        if local_now.hour < EVENING_HOUR:
            continue
        tomorrow = local_now.date() + timedelta(days=1)
        if starts_at.astimezone(zone).date() != tomorrow:
            continue
        last = built.get(appointment_id)
        if last is None or last < evening_start(local_now, zone):
            due.append(appointment_id)
    return due


def prepare_tomorrow(*, now: datetime | None = None) -> int:
    """Queue a build of every visit due (the hourly beat task); how many were queued."""
    now = now or timezone.now()
    due = due_tomorrow(now=now)
    for appointment_id in due:
        queue_task(BUILD_TASK, appointment_id)
    return len(due)
