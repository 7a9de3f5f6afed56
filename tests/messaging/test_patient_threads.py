"""thread_start and thread_reply with what the patient pages pass: safety confirmations and files
(every path of the safety screen: test_safety_paths)."""

from __future__ import annotations

import pytest

from messaging.models import Attachment, Message, Thread
from messaging.services.attachments import validate_uploads
from tests.messaging.conftest import Clinic, at
from tests.messaging.uploads import PDF, PNG, media_fixture, upload  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_thread_sent_anyway_after_the_safety_screen_is_urgent_and_keeps_the_flags(clinic: Clinic) -> None:
    thread = clinic.start(
        subject="Chest pain", body="Since an hour, and I can't breathe", confirmed_flags=["chest_pain", "breathing"]
    )

    assert (thread.urgency, thread.safety_flags) == (Thread.Urgency.URGENT, ["chest_pain", "breathing"])
    # The urgent policy of the clinic: two business hours from Monday 09:00.
    assert thread.first_response_due_at == at(2026, 3, 2, 11)


def test_a_thread_without_flags_keeps_its_urgency(clinic: Clinic) -> None:
    thread = clinic.start(confirmed_flags=["chest_pain"])  # a confirmation of words no longer there
    assert (thread.urgency, thread.safety_flags) == (Thread.Urgency.NORMAL, [])
    assert thread.first_response_due_at == at(2026, 3, 2, 13)


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
