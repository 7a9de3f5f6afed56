"""The briefing's own "What needs you" providers, registered in portal/briefing_needs.py by
SummariesConfig.ready next to those other apps add (refills: a refill running out; billing: a
balance due): an out-of-range result nobody has checked again, a questionnaire to fill before a
visit, an unread answer, an open care gap. Each for a batch of patients (the workers' rebuild)
and, as a batch of one, for one patient; inside a build the reads they share with the briefing's
rules are made once (summaries/services/build_memo.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from messaging.selectors import briefing as messaging_inputs
from portal.briefing_needs import BatchNeedProvider, Need, Source, register
from records.selectors import briefing as record_inputs
from scheduling.selectors import briefing as scheduling_inputs
from summaries.selectors.care_gaps import gaps_for_briefing_many
from summaries.services.briefing import gap_params, gap_source
from summaries.services.build_memo import once

PatientId = UUID | str
# How far back an out-of-range result still asks for a follow-up.
FOLLOW_UP_WINDOW = timedelta(days=180)


def care_gaps(patient_id: PatientId, *, now: datetime) -> list[Any]:
    """The patient's care gaps as the care-gap engine last evaluated them: objects with
    rule_name, status, due_on, as_of, confidential and source."""
    return care_gaps_many((str(patient_id),), now=now)[str(patient_id)]


def care_gaps_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Any]]:
    """`care_gaps` for every patient of a batch (read once per build)."""
    return dict(once(gaps_for_briefing_many, tuple(patient_ids), now=now))


def _one(many: BatchNeedProvider, patient_id: PatientId, now: datetime) -> list[Need]:
    return many((str(patient_id),), now=now)[str(patient_id)]


def results_without_follow_up(patient_id: PatientId, *, now: datetime) -> list[Need]:
    return _one(results_without_follow_up_many, patient_id, now)


def results_without_follow_up_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]:
    unfollowed = record_inputs.unfollowed_out_of_range_many(patient_ids, since=now - FOLLOW_UP_WINDOW)
    return {patient_id: _follow_ups(items) for patient_id, items in unfollowed.items()}


def _follow_ups(items: list[Any]) -> list[Need]:
    seen: set[str] = set()
    needs = []
    for item in items:
        if item.code in seen:  # the same test from two sources: once, the newest
            continue
        seen.add(item.code)
        needs.append(
            Need(
                key="result_no_follow_up",
                params={
                    "name": item.display,
                    "direction": record_inputs.is_out_of_range(item) or "abnormal",
                    **({"code": item.code} if item.code else {}),
                },
                source=Source("records.RecordItem", item.pk, "record_result_trend", {"item_id": item.pk}),
                scope="records",
                organizations=(item.source.name,),
                on=item.effective_at,
                confidential=item.confidential,
                rank=10,
            )
        )
    return needs


def questionnaires_to_fill(patient_id: PatientId, *, now: datetime) -> list[Need]:
    return _one(questionnaires_to_fill_many, patient_id, now)


def questionnaires_to_fill_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]:
    visits = once(scheduling_inputs.upcoming_visits_many, tuple(patient_ids), now=now)
    return {
        patient_id: [
            Need(
                key="questionnaire_to_fill",
                params={
                    "count": upcoming.questionnaires_to_fill,
                    "visit_type": upcoming.appointment.visit_type.name,
                    "visit_type_es": upcoming.appointment.visit_type.name_es,
                },
                source=Source(
                    "scheduling.Appointment",
                    upcoming.appointment.pk,
                    "appointments_visit",
                    {"appointment_id": upcoming.appointment.pk},
                ),
                scope="scheduling",
                organizations=(upcoming.appointment.organization.name,),
                on=upcoming.appointment.starts_at,
                rank=20,
            )
            for upcoming in visits[patient_id]
            if upcoming.questionnaires_to_fill
        ]
        for patient_id in patient_ids
    }


def unread_answers(patient_id: PatientId, *, now: datetime) -> list[Need]:
    return _one(unread_answers_many, patient_id, now)


def unread_answers_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]:
    threads = once(messaging_inputs.threads_for_briefing_many, tuple(patient_ids))
    return {
        patient_id: [
            Need(
                key="unread_answer",
                params={"subject": state.thread.subject, "count": state.unread},
                source=Source("messaging.Thread", state.thread.pk, "messages_thread", {"thread_id": state.thread.pk}),
                scope="messaging",
                organizations=(state.thread.organization.name,),
                on=state.newest_reply_at,
                confidential=state.thread.confidential,
                rank=15,
            )
            for state in threads[patient_id]
            if state.unread
        ]
        for patient_id in patient_ids
    }


def open_care_gaps(patient_id: PatientId, *, now: datetime) -> list[Need]:
    return _one(open_care_gaps_many, patient_id, now)


def open_care_gaps_many(patient_ids: Sequence[str], *, now: datetime) -> dict[str, list[Need]]:
    return {
        patient_id: [
            Need(
                key="care_gap_open",
                params=gap_params(gap),
                source=_as_source(gap_source(gap)),
                scope="records",
                organizations=(gap.organization.name,) if gap.organization is not None else (),
                on=gap.due_on,
                confidential=bool(gap.confidential),
                rank=30,
            )
            for gap in gaps
            if gap.status == "open"
        ]
        for patient_id, gaps in care_gaps_many(patient_ids, now=now).items()
    }


def _as_source(found: dict[str, Any]) -> Source:
    return Source(found["model"], found["id"], found["url"], dict(found["kwargs"]), anchor=found.get("anchor", ""))


def register_builtin() -> None:
    register("records.results_without_follow_up", results_without_follow_up, many=results_without_follow_up_many)
    register("scheduling.questionnaires_to_fill", questionnaires_to_fill, many=questionnaires_to_fill_many)
    register("messaging.unread_answers", unread_answers, many=unread_answers_many)
    register("summaries.care_gaps", open_care_gaps, many=open_care_gaps_many)
