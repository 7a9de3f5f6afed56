"""Replies and internal notes sent twice (a double click, a retried request) are sent once: the
idempotency key from the form, in the service, the patient and staff pages, the API, and two
requests racing on the same key."""

from __future__ import annotations

import re
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connections, transaction
from django.test import Client
from django.urls import reverse

from messaging import notifications
from messaging.models import Message, Thread
from messaging.services import threads
from messaging.services.threads import thread_close, thread_reply
from portal.models import AuditEvent, Notice
from portal.services.errors import ServiceError
from tests.conftest import sign_in
from tests.messaging.conftest import Clinic, at

pytestmark = pytest.mark.django_db

KEY = "form-7f3a"


def reply(clinic: Clinic, thread: Thread, user, body: str = "Keep it clean and dry.", **fields: Any) -> Message:
    return thread_reply(access=clinic.access(user), actor=user, thread_id=thread.pk, body=body, **fields)


def counts(thread: Thread) -> tuple[int, int, int]:
    """Messages on the thread, audit events, reply notices."""
    return (
        thread.messages.count(),
        AuditEvent.objects.count(),
        Notice.objects.filter(kind=notifications.Kind.REPLY_WAITING).count(),
    )


# -- the service ---------------------------------------------------------------------------------------------


def test_the_same_reply_sent_twice_is_one_message_one_audit_one_notice_set(
    clinic: Clinic, django_assert_num_queries
) -> None:
    thread = clinic.start()
    nurse = clinic.nurse_ana.user
    first = reply(clinic, thread, nurse, idempotency_key=KEY, now=at(2026, 3, 2, 10))
    after_first = counts(thread)

    access = clinic.access(nurse)

    with django_assert_num_queries(4):  # savepoint, the thread's lock, the lookup by key, release
        again = thread_reply(
            access=access,
            actor=nurse,
            thread_id=thread.pk,
            body="Edited before the retry",
            idempotency_key=KEY,
            now=at(2026, 3, 2, 11),
        )

    thread.refresh_from_db()
    assert again == first
    assert (again.body, again.created_at) == ("Keep it clean and dry.", at(2026, 3, 2, 10))
    assert after_first == counts(thread) == (2, 2, 1)  # the thread's first message and this reply
    assert (thread.last_message_at, thread.first_responded_at) == (at(2026, 3, 2, 10), at(2026, 3, 2, 10))


def test_the_same_internal_note_sent_twice_is_one_note(clinic: Clinic) -> None:
    thread = clinic.start()

    first = reply(clinic, thread, clinic.nurse_ana.user, "Called, no answer.", internal_note=True, idempotency_key=KEY)
    again = reply(clinic, thread, clinic.nurse_ana.user, "Called, no answer.", internal_note=True, idempotency_key=KEY)

    assert again == first
    assert thread.messages.filter(is_internal_note=True).count() == 1
    assert AuditEvent.objects.filter(object_type="messaging.InternalNote").count() == 1


def test_a_patient_reply_retried_after_the_thread_closed_finds_the_reply(clinic: Clinic) -> None:
    thread = clinic.start()
    patient = clinic.patient.user
    first = reply(clinic, thread, patient, "It is spreading.", idempotency_key=KEY)
    thread_close(access=clinic.access(patient), actor=patient, thread_id=thread.pk)

    again = reply(clinic, thread, patient, "It is spreading.", idempotency_key=KEY)

    assert again == first
    assert thread.messages.count() == 2


def test_another_thread_may_use_the_same_key(clinic: Clinic) -> None:
    one, two = clinic.start(), clinic.start()

    first = reply(clinic, one, clinic.nurse_ana.user, idempotency_key=KEY)
    second = reply(clinic, two, clinic.nurse_ana.user, idempotency_key=KEY)

    assert first != second
    assert (one.messages.count(), two.messages.count()) == (2, 2)


def test_without_a_key_each_call_is_a_message(clinic: Clinic) -> None:
    thread = clinic.start()

    reply(clinic, thread, clinic.nurse_ana.user)
    reply(clinic, thread, clinic.nurse_ana.user)

    assert list(thread.messages.values_list("idempotency_key", flat=True)) == ["", "", ""]


@pytest.mark.parametrize("note", [False, True], ids=["someone else's", "a note's key for a reply"])
def test_a_key_that_sent_another_message_is_refused_and_hands_nothing_back(clinic: Clinic, note: bool) -> None:
    thread = clinic.start()
    reply(clinic, thread, clinic.nurse_ana.user, "Patient sounds anxious.", internal_note=True, idempotency_key=KEY)
    user = clinic.nurse_ana.user if note else clinic.patient.user

    with pytest.raises(ServiceError) as refused:
        reply(clinic, thread, user, "Any news?", idempotency_key=KEY)

    assert refused.value.message == "Something went wrong with the form. Reload the page and send again."
    assert thread.messages.count() == 2


def test_a_key_too_long_is_refused(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(ServiceError):
        reply(clinic, thread, clinic.patient.user, idempotency_key="k" * 65)

    assert thread.messages.count() == 1


def test_losing_a_race_on_the_key_returns_the_message_the_other_request_wrote(clinic: Clinic, monkeypatch) -> None:
    thread = clinic.start()
    first = reply(clinic, thread, clinic.nurse_ana.user, idempotency_key=KEY)
    before = counts(thread)
    # The other request wrote its message between our look-up and our insert.
    monkeypatch.setattr(threads, "_sent_before", mock.Mock(side_effect=[None, first]))

    again = reply(clinic, thread, clinic.nurse_ana.user, idempotency_key=KEY)

    assert again == first
    assert counts(thread) == before


def test_an_integrity_error_that_is_not_the_key_is_not_swallowed(clinic: Clinic, monkeypatch) -> None:
    thread = clinic.start()
    monkeypatch.setattr(Message.objects, "create", mock.Mock(side_effect=IntegrityError("another constraint")))

    with pytest.raises(IntegrityError):
        reply(clinic, thread, clinic.nurse_ana.user, idempotency_key=KEY)


def test_the_database_refuses_a_key_twice_on_one_thread_but_not_empty_keys(clinic: Clinic) -> None:
    thread = clinic.start()
    row = {"thread": thread, "author": clinic.patient.user, "acting_as": Message.ActingAs.SELF, "body": "Hi"}
    Message.objects.create(**row, idempotency_key=KEY)
    Message.objects.create(**row)  # empty keys (the first message, demo data) never collide

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(**row, idempotency_key=KEY)


# -- the pages -------------------------------------------------------------------------------------------------


def hidden_key(html: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no hidden {name} in the page"
    return found.group(1)


def test_the_patient_reply_form_carries_a_fresh_key_and_sent_twice_sends_once(clinic: Clinic) -> None:
    thread = clinic.start()
    client = sign_in(Client(), clinic.patient.user)
    url = reverse("messages_thread", kwargs={"patient_id": clinic.patient.pk, "thread_id": thread.pk})
    key = hidden_key(client.get(url).content.decode(), "idempotency_key")

    first = client.post(url, {"body": "It is spreading.", "idempotency_key": key})
    second = client.post(url, {"body": "It is spreading.", "idempotency_key": key})

    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert (first.status_code, second.status_code) == (302, 302)
    assert thread.messages.filter(body="It is spreading.").count() == 1
    assert hidden_key(client.get(url).content.decode(), "idempotency_key") != key  # the next reply is a new one


def test_the_patient_reply_form_keeps_its_key_through_the_safety_screen(clinic: Clinic) -> None:
    thread = clinic.start()
    client = sign_in(Client(), clinic.patient.user)
    url = reverse("messages_thread", kwargs={"patient_id": clinic.patient.pk, "thread_id": thread.pk})
    data = {"body": "Now he had a seizure", "idempotency_key": KEY}

    shown = client.post(url, data)
    confirmed = {**data, "send_anyway": "1", "screened": "seizure"}
    sent = [client.post(url, confirmed), client.post(url, confirmed)]  # "Send it anyway", clicked twice

    assert hidden_key(shown.content.decode(), "idempotency_key") == KEY
    assert [response.status_code for response in sent] == [302, 302]
    assert thread.messages.filter(body="Now he had a seizure").count() == 1


def staff_client(clinic: Clinic) -> Client:
    return sign_in(Client(), clinic.nurse_ana.user, second_factor=True)


def test_the_staff_reply_and_note_forms_sent_twice_send_once(clinic: Clinic) -> None:
    thread = clinic.start()
    client = staff_client(clinic)
    page = client.get(reverse("staff_thread", args=[thread.pk])).content.decode()
    reply_key, note_key = hidden_key(page, "reply-idempotency_key"), hidden_key(page, "note-idempotency_key")
    reply_data = {"reply-body": "Use the cream.", "reply-idempotency_key": reply_key, "action": "send"}
    note_data = {"note-body": "Called, no answer.", "note-idempotency_key": note_key}

    replies = [client.post(reverse("staff_thread_reply", args=[thread.pk]), reply_data) for _ in range(2)]
    notes = [client.post(reverse("staff_thread_note", args=[thread.pk]), note_data) for _ in range(2)]

    assert reply_key != note_key
    assert [response.status_code for response in replies + notes] == [302, 302, 302, 302]
    assert (thread.messages.filter(body="Use the cream.").count(), thread.messages.count()) == (1, 3)
    assert thread.messages.get(is_internal_note=True).body == "Called, no answer."


def test_the_staff_reply_form_keeps_its_key_after_an_error_and_an_insert(clinic: Clinic) -> None:
    thread = clinic.start()
    client = staff_client(clinic)
    url = reverse("staff_thread_reply", args=[thread.pk])

    refused = client.post(url, {"reply-body": "  ", "reply-idempotency_key": KEY, "action": "send"})
    inserted = client.post(url, {"reply-body": "Hello,", "reply-idempotency_key": KEY, "action": "insert"})

    assert refused.status_code == 400
    assert hidden_key(refused.content.decode(), "reply-idempotency_key") == KEY
    assert hidden_key(inserted.content.decode(), "reply-idempotency_key") == KEY
    assert thread.messages.count() == 1


# -- the API -----------------------------------------------------------------------------------------------------


def api_reply_url(clinic: Clinic, thread: Thread) -> str:
    return f"/api/v1/patients/{clinic.patient.pk}/threads/{thread.pk}/messages/"


def test_the_api_answers_a_repeated_reply_with_200_and_the_same_message(clinic: Clinic) -> None:
    thread = clinic.start()
    client = sign_in(Client(), clinic.patient.user)
    data = {"body": "It is spreading.", "idempotency_key": KEY}

    first = client.post(api_reply_url(clinic, thread), data, content_type="application/json")
    again = client.post(api_reply_url(clinic, thread), data, content_type="application/json")
    too_long = client.post(
        api_reply_url(clinic, thread), {**data, "idempotency_key": "k" * 65}, content_type="application/json"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert (too_long.status_code, list(too_long.json())) == (400, ["idempotency_key"])
    assert thread.messages.count() == 2


# -- two requests at once ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_key_at_once_send_one_message(clinic: Clinic) -> None:
    thread = clinic.start()
    url = api_reply_url(clinic, thread)
    clients = [sign_in(Client(), clinic.patient.user) for _ in range(2)]
    start = threading.Barrier(2, timeout=10)
    answers: list[tuple[int, int]] = []

    def send(client: Client) -> None:
        try:
            start.wait()  # both requests leave together, each on its own database connection
            response = client.post(url, {"body": "Sent twice", "idempotency_key": KEY}, content_type="application/json")
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=send, args=(client,)) for client in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)

    message = thread.messages.get(body="Sent twice")
    assert sorted(answers) == [(200, message.pk), (201, message.pk)]
    assert thread.messages.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SEND, object_id=str(message.pk)).count() == 1
