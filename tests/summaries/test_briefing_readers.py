"""How the briefing reads to each reader: a caregiver reads the patient's name where the patient
reads "you"; several unread answers read as one line; closing or reopening a conversation marks
the briefing stale; care-gap lines say when and where the rule was last met and open that item."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client

from messaging.factories import StaffReplyFactory, ThreadFactory
from messaging.services import threads
from portal import dates
from portal.access import Action, resolve
from portal.factories import PatientFactory, ProxyGrantFactory
from portal.models import Scope
from summaries.models import Briefing, CareGap
from summaries.selectors.patient import briefing_for
from summaries.services import refresh
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def quill():
    return PatientFactory(given_name="Quillon", preferred_name="")


def _answered(patient: Any, subject: str, *, confidential: bool = False, waiting: bool = False) -> Any:
    thread = ThreadFactory(patient=patient, subject=subject, confidential=confidential)
    if not waiting:
        StaffReplyFactory(thread=thread, is_internal_note=False)
    return thread


def _texts(user: Any, patient: Any, language: str = "en") -> dict[str, list[str]]:
    access = resolve(user, patient, Action.PROFILE)
    shown = briefing_for(access=access, actor=user, language=language)  # type: ignore[arg-type]
    return {"needs": [line.text for line in shown.needs], "next": [line.text for line in shown.next]}


def test_several_unread_answers_read_as_one_line_to_messages(quill) -> None:
    for subject in ("Knee", "Rash", "Forms"):
        _answered(quill, subject)
    refresh.rebuild(quill.pk)
    access = resolve(quill.user, quill, Action.PROFILE)

    shown = briefing_for(access=access, actor=quill.user)  # type: ignore[arg-type]

    answers = [line for line in shown.needs if "answer" in line.text]
    assert [line.text for line in answers] == ["3 answers are waiting for you in Messages"]
    assert answers[0].url == f"/p/{quill.pk}/messages/"


def test_one_unread_answer_keeps_its_own_line_and_link(quill) -> None:
    thread = _answered(quill, "Knee")
    refresh.rebuild(quill.pk)

    shown = briefing_for(access=resolve(quill.user, quill, Action.PROFILE), actor=quill.user)  # type: ignore[arg-type]

    assert [(line.text, line.url) for line in shown.needs] == [
        ("An answer is waiting for you: Knee", f"/p/{quill.pk}/messages/{thread.pk}/")
    ]


def test_a_teens_parent_counts_only_the_answers_they_may_see(quill) -> None:
    from portal.factories import born_years_ago

    quill.birth_date = born_years_ago(15)
    quill.save(update_fields=["birth_date"])
    _answered(quill, "Knee")
    _answered(quill, "Private", confidential=True)
    _answered(quill, "Counseling", confidential=True)
    parent = ProxyGrantFactory(patient=quill, scopes=[Scope.MESSAGING, Scope.RECORDS]).grantee
    refresh.rebuild(quill.pk)

    assert _texts(quill.user, quill)["needs"] == ["3 answers are waiting for you in Messages"]
    assert _texts(parent, quill)["needs"] == ["An answer is waiting for Quillon: Knee"]


def test_a_caregiver_reads_the_patients_name_not_your(client: Client, quill) -> None:
    _answered(quill, "Knee")
    _answered(quill, "Rash")
    _answered(quill, "Forms", waiting=True)
    helper = ProxyGrantFactory(patient=quill, scopes=[Scope.MESSAGING, Scope.RECORDS]).grantee
    refresh.rebuild(quill.pk)

    own, helpers = _texts(quill.user, quill), _texts(helper, quill)
    sign_in(client, helper)
    page = client.get(f"/p/{quill.pk}/").content.decode()

    assert own["needs"] == ["2 answers are waiting for you in Messages"]
    assert helpers["needs"] == ["2 answers are waiting for Quillon in Messages"]
    assert own["next"] and all(text.startswith("Your message “") for text in own["next"])
    assert [text.replace("Quillon's message", "Your message") for text in helpers["next"]] == own["next"]
    assert "Quillon&#x27;s briefing" in page or "Quillon's briefing" in page
    assert "Your briefing" not in page and "What needs you" not in page
    assert "What needs attention" in page


def test_closing_and_reopening_a_conversation_marks_the_briefing_stale(
    quill, django_capture_on_commit_callbacks: Any
) -> None:
    thread = _answered(quill, "Knee", waiting=True)
    refresh.rebuild(quill.pk)
    access = resolve(quill.user, quill, Action.MESSAGING)

    with mock.patch.object(refresh, "_enqueue"), django_capture_on_commit_callbacks(execute=True):
        threads.thread_close(access=access, actor=quill.user, thread_id=thread.pk)  # type: ignore[arg-type]
    closed = Briefing.objects.get(patient=quill)
    refresh.rebuild(quill.pk)
    with mock.patch.object(refresh, "_enqueue"), django_capture_on_commit_callbacks(execute=True):
        threads.thread_reopen(access=access, actor=quill.user, thread_id=thread.pk)  # type: ignore[arg-type]
    reopened = Briefing.objects.get(patient=quill)

    assert closed.stale_since is not None and closed.changes == 1
    assert reopened.stale_since is not None and reopened.changes == 2


def test_care_gap_lines_open_the_item_that_last_met_the_rule_and_say_when_and_where() -> None:
    from tests.summaries.care_gaps import starter
    from tests.summaries.test_care_gaps import LOINC, SNOMED, Kind, _item

    starter("a1c")
    open_gap, coming = PatientFactory(), PatientFactory()
    for patient in (open_gap, coming):
        _item(patient, Kind.PROBLEM, SNOMED, "44054006", days_ago=2000, status="active", display="Diabetes type 2")
    checked = _item(coming, Kind.RESULT, LOINC, "4548-4", days_ago=170)
    refresh.rebuild(open_gap.pk)
    refresh.rebuild(coming.pk)

    def gap_lines(patient: Any, language: str = "en") -> list[tuple[str, str, list[str]]]:
        access = resolve(patient.user, patient, Action.PROFILE)
        shown = briefing_for(access=access, actor=patient.user, language=language)  # type: ignore[arg-type]
        return [
            (line.text, line.url, line.organizations)
            for line in shown.needs + shown.next
            if line.kind in ("care_gap_open", "care_gap")
        ]

    [(due_now, due_url, due_from)] = gap_lines(open_gap)
    [(soon, soon_url, soon_from)] = gap_lines(coming)
    # Never done: the sentence says so, and the line opens the record's overview (no item to open).
    assert due_now.startswith("Due now:") and due_now.endswith("No record of it being done.")
    assert due_url == f"/p/{open_gap.pk}/record/" and due_from == []
    # Last met by a result: when and where, and the line opens that result.
    gap = CareGap.objects.get(patient=coming)
    assert gap.evidence_id == checked.pk  # as_of is its date
    when = dates.format_date(gap.as_of, language="en")
    assert soon.startswith("Coming due:")
    assert soon.endswith(f"Last done on {when} at {checked.source.name}.")
    assert soon_url == f"/p/{coming.pk}/record/results/trend/{checked.pk}/"
    assert soon_from == [checked.source.name]
    [(soon_es, _url, _from)] = gap_lines(coming, "es")
    assert dates.format_date(gap.as_of, language="es") in soon_es


def test_a_gap_met_by_a_vaccine_opens_the_vaccine_at_its_line() -> None:
    from types import SimpleNamespace

    from summaries.services.briefing import gap_source

    gap = SimpleNamespace(source=41, source_kind="immunization")
    found = gap_source(gap)

    assert (found["url"], found["kwargs"], found["anchor"]) == ("record_list", {"page": "immunizations"}, "item-41")
