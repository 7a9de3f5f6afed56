"""The briefing's own "What needs you" providers, registered in portal/briefing_needs.py by
SummariesConfig.ready next to those other apps add (refills: a refill running out; billing: a
balance due): an out-of-range result nobody has checked again, a questionnaire to fill before a
visit, an unread answer, an open care gap."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from messaging.selectors import briefing as messaging_inputs
from portal.briefing_needs import Need, Source, register
from records.selectors import briefing as record_inputs
from scheduling.selectors import briefing as scheduling_inputs
from summaries.selectors.care_gaps import gaps_for_briefing
from summaries.services.build_memo import once

PatientId = UUID | str
# How far back an out-of-range result still asks for a follow-up.
FOLLOW_UP_WINDOW = timedelta(days=180)


def care_gaps(patient_id: PatientId, *, now: datetime) -> list[Any]:
    """The patient's care gaps as the care-gap engine last evaluated them: objects with
    rule_name, status, due_on, as_of, confidential and source."""
    return list(once(gaps_for_briefing, patient_id, now=now))


def results_without_follow_up(patient_id: PatientId, *, now: datetime) -> list[Need]:
    seen: set[str] = set()
    needs = []
    for item in record_inputs.unfollowed_out_of_range(patient_id, since=now - FOLLOW_UP_WINDOW):
        if item.code in seen:  # the same test from two sources: once, the newest
            continue
        seen.add(item.code)
        needs.append(
            Need(
                key="result_no_follow_up",
                params={"name": item.display, "direction": record_inputs.is_out_of_range(item) or "abnormal"},
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
    return [
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
        for upcoming in once(scheduling_inputs.upcoming_visits, patient_id, now=now)
        if upcoming.questionnaires_to_fill
    ]


def unread_answers(patient_id: PatientId, *, now: datetime) -> list[Need]:
    return [
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
        for state in once(messaging_inputs.threads_for_briefing, patient_id)
        if state.unread
    ]


def open_care_gaps(patient_id: PatientId, *, now: datetime) -> list[Need]:
    return [
        Need(
            key="care_gap_open",
            params={"rule": gap.rule_name_en or gap.rule_name, "rule_es": gap.rule_name_es},
            # A gap opens the record's overview (it has no page of its own).
            source=Source("records.RecordItem", gap.source, "record_overview"),
            scope="records",
            organizations=(gap.organization.name,) if gap.organization is not None else (),
            on=gap.due_on,
            confidential=bool(gap.confidential),
            rank=30,
        )
        for gap in care_gaps(patient_id, now=now)
        if gap.status == "open"
    ]


def register_builtin() -> None:
    register("records.results_without_follow_up", results_without_follow_up)
    register("scheduling.questionnaires_to_fill", questionnaires_to_fill)
    register("messaging.unread_answers", unread_answers)
    register("summaries.care_gaps", open_care_gaps)
