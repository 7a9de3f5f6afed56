"""The patient pages' reads: unread counts from rows, constant queries, no internal notes, audited, after hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from messaging.factories import BusinessCalendarFactory, StaffReplyFactory, ThreadFactory
from messaging.models import Message
from messaging.selectors import patient as patient_selectors
from messaging.services.threads import thread_mark_read, thread_reassign
from portal.access import Action, resolve
from portal.factories import OrganizationFactory, PatientFactory
from portal.models import AuditEvent
from tests.messaging.conftest import Clinic, at

pytestmark = pytest.mark.django_db


def _replies(clinic: Clinic, thread, count: int, **fields) -> list[Message]:
    return [StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana, **fields) for _ in range(count)]


def test_unread_counts_only_unseen_staff_replies(clinic: Clinic) -> None:
    first, second, quiet = clinic.start(), clinic.start(), clinic.start()
    _replies(clinic, first, 2)
    _replies(clinic, first, 1, patient_read_at=timezone.now())  # seen
    _replies(clinic, first, 1, is_internal_note=True)  # staff only: never counted
    _replies(clinic, second, 1)
    user = clinic.patient.user

    page = patient_selectors.thread_list(access=clinic.access(user), actor=user)

    assert {thread.pk: thread.unread for thread in page.object_list} == {first.pk: 2, second.pk: 1, quiet.pk: 0}
    assert patient_selectors.unread_total(clinic.access(clinic.patient.user)) == 3


def test_viewing_a_thread_marks_its_replies_read_and_the_counts_follow(clinic: Clinic) -> None:
    thread = clinic.start()
    _replies(clinic, thread, 2)
    access = clinic.access(clinic.patient.user)

    assert thread_mark_read(access=access, thread_id=thread.pk) == 2
    assert patient_selectors.unread_total(clinic.access(clinic.patient.user)) == 0


def test_the_list_is_newest_first_with_late_threads_marked(clinic: Clinic) -> None:
    older = clinic.start(now=at(2026, 3, 2, 9))
    newer = clinic.start(now=at(2026, 3, 3, 9))
    user = clinic.patient.user

    page = patient_selectors.thread_list(access=clinic.access(user), actor=user)

    # Both were due in March 2026, long before the test runs: late, swept or not.
    assert [(t.pk, t.late) for t in page.object_list] == [(newer.pk, True), (older.pk, True)]


def test_the_list_costs_the_same_queries_for_one_thread_or_many(clinic: Clinic, django_assert_num_queries) -> None:
    user = clinic.patient.user
    access = clinic.access(user)
    clinic.start()

    def count_list() -> None:
        page = patient_selectors.thread_list(access=access, actor=user)
        for thread in page.object_list:
            _ = (thread.owner.signature, thread.organization.name, thread.pool.name, thread.unread)

    # Count, page (threads with owner, user, organization, pool, unread), audit insert.
    with django_assert_num_queries(3):
        count_list()
    for _ in range(6):
        _replies(clinic, clinic.start(), 2)
    with django_assert_num_queries(3):
        count_list()


def test_the_list_is_audited_once(clinic: Clinic) -> None:
    clinic.start()
    user = clinic.patient.user
    patient_selectors.thread_list(access=clinic.access(user), actor=user)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).get()
    assert (event.actor, event.patient, event.object_type) == (user, clinic.patient, "messaging.ThreadList")


def test_the_list_and_counts_show_only_this_patients_threads(clinic: Clinic) -> None:
    mine = clinic.start()
    ThreadFactory(patient=PatientFactory(home_organization=clinic.organization))
    user = clinic.patient.user
    assert [t.pk for t in patient_selectors.thread_list(access=clinic.access(user), actor=user).object_list] == [
        mine.pk
    ]


def test_a_conversation_never_holds_internal_notes(clinic: Clinic) -> None:
    thread = clinic.start()
    reply = StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana, body="Keep it clean.")
    StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana, is_internal_note=True, body="Secret note")
    user = clinic.patient.user

    conversation = patient_selectors.conversation(access=clinic.access(user), actor=user, thread_id=thread.pk)

    assert [m.pk for m in conversation.messages] == [thread.messages.earliest("pk").pk, reply.pk]
    assert conversation.answered_by == reply
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).get()
    assert (event.object_type, event.object_id) == ("messaging.Thread", str(thread.pk))


def test_a_conversation_of_another_patient_or_another_action_is_404(clinic: Clinic) -> None:
    other = ThreadFactory(patient=PatientFactory(home_organization=clinic.organization))
    user = clinic.patient.user
    with pytest.raises(Http404):
        patient_selectors.conversation(access=clinic.access(user), actor=user, thread_id=other.pk)
    records = resolve(user, clinic.patient, Action.RECORDS)
    assert records is not None
    with pytest.raises(Http404):
        patient_selectors.conversation(access=records, actor=user, thread_id=clinic.start().pk)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count() == 0


def test_a_conversation_knows_when_the_owner_moved_and_when_it_is_late(clinic: Clinic) -> None:
    thread = clinic.start(now=timezone.now())
    nurse = clinic.nurse_ana.user
    access = clinic.access(clinic.patient.user)
    fresh = patient_selectors.conversation(access=access, actor=clinic.patient.user, thread_id=thread.pk)
    assert (fresh.waiting, fresh.late, fresh.owner_moved) == (True, False, False)

    before = thread.owner
    to = clinic.nurse_ben if before != clinic.nurse_ben else clinic.nurse_ana
    thread_reassign(access=clinic.access(nurse), actor=nurse, thread_id=thread.pk, to_staff_id=to.pk, note="Off")
    thread.first_response_due_at = timezone.now() - timedelta(minutes=1)
    thread.at_risk_at = thread.first_response_due_at
    thread.save()

    moved = patient_selectors.conversation(access=access, actor=clinic.patient.user, thread_id=thread.pk)
    assert (moved.waiting, moved.late, moved.owner_moved) == (True, True, True)
    assert moved.latest_change is not None
    assert (moved.latest_change.from_owner, moved.latest_change.to_owner) == (before, to)


def test_next_opening_is_none_while_open_and_the_next_opening_when_closed(clinic: Clinic) -> None:
    organization = clinic.organization
    assert patient_selectors.next_opening(organization, at(2026, 3, 2, 9)) is None
    # Friday evening: Monday 08:00 at the clinic.
    assert patient_selectors.next_opening(organization, at(2026, 3, 6, 18)) == at(2026, 3, 9, 8)


def test_next_opening_assumes_weekday_hours_without_a_calendar() -> None:
    organization = OrganizationFactory(time_zone="America/Chicago")
    assert patient_selectors.next_opening(organization, at(2026, 3, 7, 12)) == at(2026, 3, 9, 8)
    empty = BusinessCalendarFactory(hours=[]).organization
    assert patient_selectors.next_opening(empty, at(2026, 3, 7, 12)) is not None
