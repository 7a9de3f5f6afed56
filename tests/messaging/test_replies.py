"""Replies, internal notes, ownership changes, closing and reopening, read receipts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.http import Http404

from messaging import notifications
from messaging.factories import StaffReplyFactory
from messaging.models import Message, OwnershipChange, SlaEvent, Thread
from messaging.services.threads import (
    thread_claim,
    thread_close,
    thread_mark_read,
    thread_reassign,
    thread_reopen,
    thread_reply,
)
from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory
from portal.models import AuditEvent, Notice, Scope, StaffRole
from portal.services.errors import InvalidTransition, ServiceError
from tests.messaging.conftest import MONDAY_9AM, Clinic, at

pytestmark = pytest.mark.django_db

Status = Thread.Status


def reply(clinic: Clinic, thread: Thread, user, body: str = "Thanks", **fields) -> Message:
    return thread_reply(access=clinic.access(user), actor=user, thread_id=thread.pk, body=body, **fields)


# -- the first staff reply keeps the promise -----------------------------------------------------------------


def test_the_first_staff_reply_answers_the_thread(clinic: Clinic) -> None:
    thread = clinic.start()
    nurse = clinic.nurse_ana.user

    message = reply(clinic, thread, nurse, "Keep it clean and dry.", now=at(2026, 3, 2, 10))

    thread.refresh_from_db()
    assert (thread.status, thread.first_responded_at, thread.last_message_at, thread.sla_state) == (
        Status.ANSWERED,
        at(2026, 3, 2, 10),
        at(2026, 3, 2, 10),
        Thread.SlaState.ON_TRACK,
    )
    assert (message.acting_as, message.author_staff, message.is_internal_note) == (
        Message.ActingAs.STAFF,
        clinic.nurse_ana,
        False,
    )
    event = AuditEvent.objects.filter(actor=nurse).get()
    assert (event.action, event.object_type, event.object_id, event.acting_as) == (
        AuditEvent.Action.SEND,
        "messaging.Message",
        str(message.pk),
        AuditEvent.ActingAs.STAFF,
    )


def test_a_later_staff_reply_does_not_move_the_first_response(clinic: Clinic) -> None:
    thread = clinic.start()
    reply(clinic, thread, clinic.nurse_ana.user, now=at(2026, 3, 2, 10))
    reply(clinic, thread, clinic.patient.user, "One more question", now=at(2026, 3, 2, 11))

    reply(clinic, thread, clinic.nurse_ben.user, now=at(2026, 3, 2, 12))

    thread.refresh_from_db()
    assert (thread.status, thread.first_responded_at, thread.last_message_at) == (
        Status.ANSWERED,
        at(2026, 3, 2, 10),
        at(2026, 3, 2, 12),
    )


def test_an_internal_note_is_not_an_answer(clinic: Clinic) -> None:
    thread = clinic.start()

    note = reply(clinic, thread, clinic.nurse_ana.user, "Check her allergy list first.", internal_note=True)

    thread.refresh_from_db()
    assert (thread.status, thread.first_responded_at, thread.last_message_at) == (Status.OPEN, None, MONDAY_9AM)
    assert note.is_internal_note is True
    event = AuditEvent.objects.filter(actor=clinic.nurse_ana.user).get()
    assert (event.action, event.object_type, event.object_id) == (
        AuditEvent.Action.CREATE,
        "messaging.InternalNote",
        str(note.pk),
    )


def test_only_staff_write_internal_notes(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(Http404):
        reply(clinic, thread, clinic.patient.user, internal_note=True)

    assert Message.objects.filter(is_internal_note=True).count() == 0


def test_a_late_first_answer_records_the_breach_even_before_the_sweep_sees_it(clinic: Clinic) -> None:
    thread = clinic.start()  # due Monday 13:00

    reply(clinic, thread, clinic.nurse_ana.user, now=at(2026, 3, 2, 13, 1))

    thread.refresh_from_db()
    assert (thread.status, thread.sla_state) == (Status.ANSWERED, Thread.SlaState.BREACHED)
    assert list(SlaEvent.objects.values_list("thread", "kind", "at", "owner")) == [
        (thread.pk, SlaEvent.Kind.BREACHED, at(2026, 3, 2, 13, 1), clinic.nurse_ana.pk)
    ]


def deliveries(callbacks: list[Any]) -> list[Any]:
    """The after-commit callbacks but the briefing's "its inputs changed" mark (portal/briefing_inputs.py)."""
    return [callback for callback in callbacks if callback.__module__ != "portal.briefing_inputs"]


def test_a_staff_reply_writes_the_patients_notice_in_its_transaction_and_nothing_else_does(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:
    thread = clinic.start()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply(clinic, thread, clinic.nurse_ana.user, "note", internal_note=True)
        reply(clinic, thread, clinic.patient.user, "more")
    assert (Notice.objects.filter(kind=notifications.Kind.REPLY_WAITING).count(), deliveries(callbacks)) == (0, [])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply(clinic, thread, clinic.nurse_ana.user, "Here is the answer")

    assert list(
        Notice.objects.filter(kind=notifications.Kind.REPLY_WAITING).values_list("user", "channel", "sent_at")
    ) == [(clinic.patient.user.pk, Notice.Channel.EMAIL, None)]
    assert len(deliveries(callbacks)) == 1  # its delivery, handed to a worker once the reply is committed


# -- the patient's side ----------------------------------------------------------------------------------


def test_a_patient_reply_to_an_answered_thread_makes_it_wait_for_the_clinic_again(clinic: Clinic) -> None:
    thread = clinic.start()
    reply(clinic, thread, clinic.nurse_ana.user, now=at(2026, 3, 2, 10))

    message = reply(clinic, thread, clinic.patient.user, "It is spreading.", now=at(2026, 3, 2, 11))

    thread.refresh_from_db()
    assert (thread.status, thread.first_responded_at, message.acting_as) == (
        Status.OPEN,
        at(2026, 3, 2, 10),
        Message.ActingAs.SELF,
    )


def test_a_caregiver_with_the_scope_replies_as_a_caregiver(clinic: Clinic) -> None:
    carer = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.MESSAGING]).grantee
    thread = clinic.start()

    message = reply(clinic, thread, carer)

    assert (message.author, message.acting_as) == (carer, Message.ActingAs.PROXY)


def test_another_patients_thread_is_not_found(clinic: Clinic) -> None:
    thread = clinic.start()
    other = PatientFactory(home_organization=clinic.organization)

    with pytest.raises(Http404):
        thread_reply(access=clinic.access(other.user, other), actor=other.user, thread_id=thread.pk, body="Hi")

    assert Message.objects.count() == 1


def test_an_empty_reply_is_refused(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(ServiceError) as refused:
        reply(clinic, thread, clinic.patient.user, "   ")

    assert refused.value.field == "body"


# -- closing and reopening ---------------------------------------------------------------------------------


def test_a_closed_thread_takes_no_reply_until_reopened(clinic: Clinic) -> None:
    thread = clinic.start()

    closed = thread_close(access=clinic.access(clinic.patient.user), actor=clinic.patient.user, thread_id=thread.pk)
    assert (closed.status, closed.closed_at is not None) == (Status.CLOSED, True)
    with pytest.raises(InvalidTransition):
        reply(clinic, thread, clinic.nurse_ana.user)
    with pytest.raises(InvalidTransition):
        reply(clinic, thread, clinic.patient.user)
    note = reply(clinic, thread, clinic.nurse_ana.user, "Closed by the patient.", internal_note=True)

    reopened = thread_reopen(access=clinic.access(clinic.patient.user), actor=clinic.patient.user, thread_id=thread.pk)

    assert (note.is_internal_note, reopened.status, reopened.closed_at) == (True, Status.OPEN, None)
    assert reply(clinic, thread, clinic.patient.user).thread_id == thread.pk


def test_closing_twice_changes_nothing_the_second_time(clinic: Clinic) -> None:
    thread = clinic.start()
    staff = clinic.nurse_ana.user
    kwargs = {"thread_id": thread.pk, "outcome": Thread.Outcome.ANSWERED}
    first = thread_close(access=clinic.access(staff), actor=staff, now=at(2026, 3, 2, 10), **kwargs)

    again = thread_close(access=clinic.access(staff), actor=staff, now=at(2026, 3, 2, 11), **kwargs)

    assert (first.closed_at, again.closed_at, again.status) == (at(2026, 3, 2, 10), at(2026, 3, 2, 10), Status.CLOSED)
    assert AuditEvent.objects.filter(actor=staff).count() == 1


def test_reopening_a_thread_that_is_not_closed_changes_nothing(clinic: Clinic) -> None:
    thread = clinic.start()
    reply(clinic, thread, clinic.nurse_ana.user)

    again = thread_reopen(access=clinic.access(clinic.patient.user), actor=clinic.patient.user, thread_id=thread.pk)

    assert again.status == Status.ANSWERED
    assert AuditEvent.objects.filter(actor=clinic.patient.user, action=AuditEvent.Action.UPDATE).count() == 0


# -- ownership -------------------------------------------------------------------------------------------------


def test_reassigning_records_who_why_and_keeps_the_answer_time(clinic: Clinic) -> None:
    thread = clinic.start()
    due = thread.first_response_due_at
    ana = clinic.nurse_ana.user

    thread_reassign(
        access=clinic.access(ana),
        actor=ana,
        thread_id=thread.pk,
        to_staff_id=clinic.dr_kim.pk,
        note="Needs a physician's review",
        now=at(2026, 3, 2, 10),
    )

    thread.refresh_from_db()
    assert (thread.owner, thread.owner_reason, thread.first_response_due_at) == (
        clinic.dr_kim,
        Thread.OwnerReason.REASSIGNED,
        due,
    )
    change = OwnershipChange.objects.filter(thread=thread).last()
    assert (change.from_owner, change.to_owner, change.reason, change.note, change.changed_by, change.at) == (
        clinic.nurse_ana,
        clinic.dr_kim,
        Thread.OwnerReason.REASSIGNED,
        "Needs a physician's review",
        ana,
        at(2026, 3, 2, 10),
    )
    event = AuditEvent.objects.filter(actor=ana).get()
    assert (event.action, event.object_type, event.object_id) == (
        AuditEvent.Action.UPDATE,
        "messaging.Thread",
        str(thread.pk),
    )


def test_reassigning_needs_a_reason(clinic: Clinic) -> None:
    thread = clinic.start()
    ana = clinic.nurse_ana.user

    with pytest.raises(ServiceError) as refused:
        thread_reassign(
            access=clinic.access(ana), actor=ana, thread_id=thread.pk, to_staff_id=clinic.dr_kim.pk, note=" "
        )

    assert refused.value.field == "note"


@pytest.mark.parametrize("who", ["elsewhere", "administrator", "inactive", "current owner"])
def test_a_thread_goes_only_to_a_colleague_who_answers_messages_here(clinic: Clinic, who: str) -> None:
    thread = clinic.start()
    to = {
        "elsewhere": lambda: StaffMemberFactory(role=StaffRole.NURSE),
        "administrator": lambda: StaffMemberFactory(organization=clinic.organization, role=StaffRole.ADMINISTRATOR),
        "inactive": lambda: StaffMemberFactory(organization=clinic.organization, is_active=False),
        "current owner": lambda: clinic.nurse_ana,
    }[who]()
    ana = clinic.nurse_ana.user

    with pytest.raises(ServiceError):
        thread_reassign(access=clinic.access(ana), actor=ana, thread_id=thread.pk, to_staff_id=to.pk, note="Please")

    assert OwnershipChange.objects.filter(thread=thread).count() == 1


def test_patients_cannot_reassign_or_claim(clinic: Clinic) -> None:
    thread = clinic.start()
    me = clinic.patient.user

    with pytest.raises(Http404):
        thread_reassign(access=clinic.access(me), actor=me, thread_id=thread.pk, to_staff_id=clinic.dr_kim.pk, note="x")
    with pytest.raises(Http404):
        thread_claim(access=clinic.access(me), actor=me, thread_id=thread.pk)


def test_a_colleague_claims_a_thread(clinic: Clinic) -> None:
    thread = clinic.start()
    ben = clinic.nurse_ben.user

    thread_claim(access=clinic.access(ben), actor=ben, thread_id=thread.pk)

    thread.refresh_from_db()
    assert (thread.owner, thread.owner_reason) == (clinic.nurse_ben, Thread.OwnerReason.CLAIMED)
    assert OwnershipChange.objects.filter(thread=thread).last().changed_by == ben


def test_claiming_a_thread_you_own_changes_nothing(clinic: Clinic) -> None:
    thread = clinic.start()
    ana = clinic.nurse_ana.user

    thread_claim(access=clinic.access(ana), actor=ana, thread_id=thread.pk)

    assert OwnershipChange.objects.filter(thread=thread).count() == 1


def test_care_team_staff_of_another_organization_cannot_claim(clinic: Clinic) -> None:
    from portal.factories import CareTeamMembershipFactory

    specialist = StaffMemberFactory(role=StaffRole.PHYSICIAN)
    CareTeamMembershipFactory(patient=clinic.patient, staff=specialist)
    thread = clinic.start()

    with pytest.raises(ServiceError):
        thread_claim(access=clinic.access(specialist.user), actor=specialist.user, thread_id=thread.pk)


# -- read receipts -----------------------------------------------------------------------------------------------


def test_the_patient_reading_stamps_staff_replies_once_and_never_notes(clinic: Clinic) -> None:
    thread = clinic.start()
    answer = reply(clinic, thread, clinic.nurse_ana.user)
    note = reply(clinic, thread, clinic.nurse_ana.user, "internal", internal_note=True)

    assert thread_mark_read(access=clinic.access(clinic.nurse_ben.user), thread_id=thread.pk) == 0
    assert thread_mark_read(access=clinic.access(clinic.patient.user), thread_id=thread.pk) == 1
    assert thread_mark_read(access=clinic.access(clinic.patient.user), thread_id=thread.pk) == 0

    answer.refresh_from_db()
    note.refresh_from_db()
    assert (answer.patient_read_at is not None, note.patient_read_at) == (True, None)


def test_reading_another_patients_thread_stamps_nothing(clinic: Clinic) -> None:
    thread = clinic.start()
    StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana)
    other = PatientFactory(home_organization=clinic.organization)

    assert thread_mark_read(access=clinic.access(other.user, other), thread_id=thread.pk) == 0


def test_the_due_time_stays_put_when_nobody_answers(clinic: Clinic) -> None:
    thread = clinic.start()

    reply(clinic, thread, clinic.patient.user, "Anyone there?", now=MONDAY_9AM + timedelta(hours=1))

    thread.refresh_from_db()
    assert (thread.status, thread.first_response_due_at) == (Status.OPEN, at(2026, 3, 2, 13))
