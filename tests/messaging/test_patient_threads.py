"""thread_start and thread_reply with what the patient pages pass: safety flags and files."""

from __future__ import annotations

import pytest

from messaging.models import Attachment, Message, Thread
from messaging.services.attachments import validate_uploads
from messaging.services.threads import thread_reply
from tests.messaging.conftest import MONDAY_9AM, Clinic, at
from tests.messaging.uploads import PDF, PNG, media_fixture, upload  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_thread_sent_anyway_after_the_safety_screen_is_urgent_and_keeps_the_flags(clinic: Clinic) -> None:
    thread = clinic.start(subject="Chest pain", body="Since an hour", safety_flags=["chest_pain", "breathing"])

    assert (thread.urgency, thread.safety_flags) == (Thread.Urgency.URGENT, ["chest_pain", "breathing"])
    # The urgent policy of the clinic: two business hours from Monday 09:00.
    assert thread.first_response_due_at == at(2026, 3, 2, 11)


def test_a_thread_without_flags_keeps_its_urgency(clinic: Clinic) -> None:
    thread = clinic.start(safety_flags=[])
    assert (thread.urgency, thread.safety_flags) == (Thread.Urgency.NORMAL, [])
    assert thread.first_response_due_at == at(2026, 3, 2, 13)


def test_unknown_flags_are_a_programming_error(clinic: Clinic) -> None:
    with pytest.raises(ValueError, match="unknown safety flags"):
        clinic.start(safety_flags=["sniffles"])
    assert Thread.objects.count() == 0


def test_start_stores_the_first_message_with_its_files(clinic: Clinic, media) -> None:
    thread = clinic.start(attachments=validate_uploads([upload("rash.png", PNG), upload("note.pdf", PDF)]))

    message = thread.messages.get()
    assert list(message.attachments.values_list("name", "content_type")) == [
        ("rash.png", "image/png"),
        ("note.pdf", "application/pdf"),
    ]


def test_a_second_submit_of_the_same_form_stores_no_more_files(clinic: Clinic, media) -> None:
    first = clinic.start(idempotency_key="form-1", attachments=validate_uploads([upload("a.png", PNG)]))
    again = clinic.start(idempotency_key="form-1", attachments=validate_uploads([upload("a.png", PNG)]))

    assert again == first
    assert (Thread.objects.count(), Message.objects.count(), Attachment.objects.count()) == (1, 1, 1)


def test_a_flagged_reply_adds_its_flags_to_the_thread_without_changing_the_promise(clinic: Clinic) -> None:
    thread = clinic.start(safety_flags=["stroke"])
    due = thread.first_response_due_at
    user = clinic.patient.user

    thread_reply(
        access=clinic.access(user),
        actor=user,
        thread_id=thread.pk,
        body="Now I also fainted",
        safety_flags=["unconscious", "stroke"],
        now=MONDAY_9AM,
    )

    thread.refresh_from_db()
    assert (thread.safety_flags, thread.urgency, thread.first_response_due_at) == (
        ["stroke", "unconscious"],
        Thread.Urgency.URGENT,
        due,
    )


def test_a_flagged_reply_to_a_normal_thread_records_the_flags_only(clinic: Clinic) -> None:
    thread = clinic.start()
    user = clinic.patient.user

    thread_reply(access=clinic.access(user), actor=user, thread_id=thread.pk, body="x", safety_flags=["seizure"])

    thread.refresh_from_db()
    assert (thread.safety_flags, thread.urgency) == (["seizure"], Thread.Urgency.NORMAL)
