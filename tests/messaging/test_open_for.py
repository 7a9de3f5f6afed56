"""Another app opens a thread on the clinic's behalf (threads.thread_open_for): the same routing,
ownership, promise, notices and audit as a patient's own thread, written once per key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from messaging.models import Category, Message, OwnershipChange, Pool, Thread
from messaging.services import threads
from messaging.services.routing import NoTimeToAnswer
from portal.access import Action
from portal.models import AuditEvent, Notice
from tests.messaging.conftest import MONDAY_9AM, Clinic

pytestmark = pytest.mark.django_db


def _open(clinic: Clinic, **fields: object) -> Thread:
    user = clinic.patient.user
    values: dict[str, object] = {
        "access": clinic.access(user, action=Action.SCHEDULING),
        "author": user,
        "actor": user,
        "category": Category.APPOINTMENT,
        "subject": "Please cancel my visit",
        "body": "Please cancel my visit on Tuesday.",
        "idempotency_key": "appointment-request-1",
        "now": MONDAY_9AM,
    }
    values.update(fields)
    return threads.thread_open_for(**values)  # type: ignore[arg-type]


def test_it_is_routed_owned_promised_noticed_and_audited(clinic: Clinic) -> None:
    thread = _open(clinic)

    assert (thread.pool, thread.owner, thread.urgency, thread.confidential) == (
        clinic.front_desk,
        clinic.receptionist,
        Thread.Urgency.NORMAL,
        False,
    )
    assert thread.first_response_due_at > MONDAY_9AM
    message = thread.messages.get()
    assert (message.author, message.acting_as, message.body) == (
        clinic.patient.user,
        AuditEvent.ActingAs.SELF,
        "Please cancel my visit on Tuesday.",
    )
    assert OwnershipChange.objects.get(thread=thread).to_owner == clinic.receptionist
    assert Notice.objects.filter(user=clinic.receptionist.user, target_id=thread.pk).exists()
    audited = set(AuditEvent.objects.filter(patient=clinic.patient).values_list("action", "object_type", "scope"))
    assert audited == {
        (AuditEvent.Action.CREATE, "messaging.Thread", Action.SCHEDULING),
        (AuditEvent.Action.SEND, "messaging.Message", Action.SCHEDULING),
    }


def test_the_same_key_returns_the_thread_it_opened(clinic: Clinic) -> None:
    first = _open(clinic)
    again = _open(clinic, body="Sent twice")

    assert again.pk == first.pk
    assert (Thread.objects.count(), Message.objects.count(), OwnershipChange.objects.count()) == (1, 1, 1)


def test_the_pools_the_caller_names_take_it_first_found_wins(clinic: Clinic) -> None:
    # New symptoms route to nurse triage; the caller asks for the physician inbox first.
    thread = _open(clinic, category=Category.NEW_SYMPTOM, pool_kinds=(Pool.Kind.PHYSICIAN_INBOX, Pool.Kind.FRONT_DESK))
    assert thread.pool == clinic.physicians and thread.owner in (clinic.dr_kim, clinic.dr_lee)

    # None of the kinds at this clinic: routing's own choice stands.
    other = _open(clinic, category=Category.NEW_SYMPTOM, pool_kinds=(Pool.Kind.SCHEDULING,), idempotency_key="k2")
    assert other.pool == clinic.triage


def test_safety_flags_make_it_urgent_for_a_nurse(clinic: Clinic) -> None:
    thread = _open(clinic, safety_flags=["suicide"], confidential=True)

    assert (thread.urgency, thread.pool, thread.safety_flags, thread.confidential) == (
        Thread.Urgency.URGENT,
        clinic.triage,
        ["suicide"],
        True,
    )


def test_no_time_to_answer_before_due_by_writes_nothing(clinic: Clinic) -> None:
    saturday = MONDAY_9AM - timedelta(days=2)  # the clinic is closed all weekend
    with pytest.raises(NoTimeToAnswer):
        _open(clinic, now=saturday, due_by=saturday + timedelta(days=1))

    assert (Thread.objects.count(), Message.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_a_system_opens_one_with_no_author_naming_its_sender(clinic: Clinic) -> None:
    def open_it() -> Thread:
        return threads.thread_open_for_system(
            patient=clinic.patient,
            action=Action.REFILLS,
            sender="Main Street Pharmacy (pharmacy system)",
            category=Category.APPOINTMENT,
            subject="Renewal request",
            body="Please renew lisinopril.",
            idempotency_key="pharmacy-1",
            now=MONDAY_9AM,
        )

    thread, again = open_it(), open_it()

    assert again == thread
    assert (thread.owner, thread.first_response_due_at > MONDAY_9AM) == (clinic.receptionist, True)
    message = thread.messages.get()
    assert (message.author, message.acting_as, message.sender) == (
        None,
        "system",
        "Main Street Pharmacy (pharmacy system)",
    )
    audited = set(AuditEvent.objects.filter(patient=clinic.patient).values_list("action", "actor", "acting_as"))
    assert audited == {(AuditEvent.Action.CREATE, None, "system"), (AuditEvent.Action.SEND, None, "system")}
    with pytest.raises(ValueError, match="names its sender"):
        threads.thread_open_for_system(
            patient=clinic.patient,
            action=Action.REFILLS,
            sender=" ",
            category=Category.APPOINTMENT,
            subject="s",
            body="b",
            idempotency_key="pharmacy-2",
        )


def test_the_database_keeps_a_person_or_a_named_sender_on_every_message(clinic: Clinic) -> None:
    thread = _open(clinic)

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(thread=thread, author=None, acting_as="self", body="Who wrote this?")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            thread=thread, author=clinic.patient.user, acting_as="system", sender="A system", body="Both?"
        )
