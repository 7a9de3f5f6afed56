"""The patient's messaging pages: list, start (errors, safety screen, idempotency), conversation, close and
reopen, downloads, the home card."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.factories import StaffReplyFactory
from messaging.models import Attachment, BusinessHours, Category, Message, Thread
from messaging.services.attachments import save_attachments, validate_uploads
from messaging.services.threads import thread_reassign
from messaging.templatetags.messaging_patient import when
from portal.factories import ProxyGrantFactory
from portal.models import AuditEvent, Scope
from tests.conftest import sign_in
from tests.messaging.conftest import Clinic
from tests.messaging.uploads import JPEG, PNG, media_fixture, upload  # noqa: F401

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Internal: patient sounds anxious, call back"


def _url(name: str, clinic: Clinic, **kwargs: Any) -> str:
    return reverse(name, kwargs={"patient_id": clinic.patient.pk, **kwargs})


def _client(clinic: Clinic, user=None) -> Client:
    return sign_in(Client(), user or clinic.patient.user)


def _form(**fields: Any) -> dict[str, Any]:
    return {
        "category": Category.NEW_SYMPTOM,
        "subject": "Rash on my arm",
        "body": "It started yesterday and itches.",
        "idempotency_key": uuid4().hex,
        **fields,
    }


def _open_all_week(clinic: Clinic) -> None:
    BusinessHours.objects.filter(calendar__organization=clinic.organization).update(opens=time(0), closes=time(0))
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=clinic.organization.business_calendar, weekday=day, opens=time(0), closes=time(0))
        for day in (5, 6)
    )


def _closed_today(clinic: Clinic) -> None:
    """Open 08:00-17:00 on one weekday, not today's at the clinic: closed now, whatever the hour."""
    today = timezone.localtime(timezone.now(), ZoneInfo(clinic.organization.time_zone))
    BusinessHours.objects.filter(calendar__organization=clinic.organization).exclude(
        weekday=(today.weekday() + 2) % 7
    ).delete()


# -- the list ------------------------------------------------------------------------------------------------


def test_the_empty_list_invites_writing(clinic: Clinic) -> None:
    response = _client(clinic).get(_url("messages_home", clinic))
    assert response.status_code == 200
    assert "No messages yet" in response.content.decode()
    assert _url("messages_start", clinic) in response.content.decode()


def test_the_list_shows_each_thread_with_unread_replies_and_who_answers(clinic: Clinic) -> None:
    waiting = clinic.start(subject="Rash on my arm", now=timezone.now())
    answered = clinic.start(subject="Refill please", category=Category.REFILL, now=timezone.now())
    StaffReplyFactory(thread=answered, author_staff=clinic.nurse_ben)
    StaffReplyFactory(thread=answered, author_staff=clinic.nurse_ben)
    Thread.objects.filter(pk=answered.pk).update(status=Thread.Status.ANSWERED, first_responded_at=timezone.now())

    body = _client(clinic).get(_url("messages_home", clinic)).content.decode()

    assert "Rash on my arm" in body and "Refill please" in body
    assert "2 new replies" in body
    assert "Prescription refill" in body
    assert f"<strong>{waiting.owner.signature}</strong> (Nurse, Lakeside Primary Care) will answer by" in body


def test_the_list_page_costs_the_same_queries_for_one_thread_or_many(clinic: Clinic, django_assert_num_queries) -> None:
    client = _client(clinic)
    url = _url("messages_home", clinic)
    clinic.start()
    client.get(url)  # the session is warm, as for any later page

    # The page's own: patient (access), count, page of threads, audit insert, calendar hours and
    # holidays. The rest is what every signed-in page pays: session (read and save, in a savepoint),
    # user, staff check, second-factor devices (2), the people in the header.
    with django_assert_num_queries(15) as first:
        client.get(url)
    for _ in range(5):
        StaffReplyFactory(thread=clinic.start(), author_staff=clinic.nurse_ana)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


# -- starting a conversation ------------------------------------------------------------------------------------


def test_the_start_page_offers_each_category_with_its_guidance(clinic: Clinic) -> None:
    body = _client(clinic).get(_url("messages_start", clinic)).content.decode()
    assert body.count('type="radio" name="category"') == len(Category.choices)
    assert "More of a medicine you already take." in body
    assert 'name="idempotency_key"' in body
    assert 'enctype="multipart/form-data"' in body


def test_sending_starts_a_thread_with_its_files_and_shows_it(clinic: Clinic, media) -> None:
    client = _client(clinic)
    data = _form(attachments=[upload("rash.jpg", JPEG), upload("rash2.png", PNG)])

    response = client.post(_url("messages_start", clinic), data)

    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("messages_thread", clinic, thread_id=thread.pk)
    assert (thread.subject, thread.category, thread.urgency, thread.safety_flags) == (
        "Rash on my arm",
        Category.NEW_SYMPTOM,
        Thread.Urgency.NORMAL,
        [],
    )
    assert list(Attachment.objects.values_list("name", flat=True).order_by("pk")) == ["rash.jpg", "rash2.png"]
    page = client.get(response["Location"]).content.decode()
    assert "Your message was sent." in page
    assert "rash.jpg" in page


def test_errors_rerender_with_everything_typed_kept_and_files_asked_again(clinic: Clinic, media) -> None:
    data = _form(subject="", body="My knee hurts when I climb stairs.", attachments=[upload("knee.png", PNG)])

    response = _client(clinic).post(_url("messages_start", clinic), data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Give your message a subject." in body
    assert "My knee hurts when I climb stairs." in body
    assert 'value="new_symptom" id="id_category_4" required checked' in body
    assert f'value="{data["idempotency_key"]}"' in body
    assert "Choose them again before sending." in body
    assert (Thread.objects.count(), Attachment.objects.count()) == (0, 0)


def test_a_file_that_is_not_an_image_or_pdf_is_refused_by_its_content(clinic: Clinic, media) -> None:
    data = _form(attachments=[upload("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")])

    response = _client(clinic).post(_url("messages_start", clinic), data)

    assert response.status_code == 200
    refused = "scan.pdf is not a photo (JPEG, PNG, GIF or WebP) or a PDF, so it cannot be sent."
    assert refused in response.content.decode()
    assert Thread.objects.count() == 0


def test_a_double_submit_makes_one_thread(clinic: Clinic) -> None:
    client = _client(clinic)
    data = _form()
    first = client.post(_url("messages_start", clinic), data)
    second = client.post(_url("messages_start", clinic), data)
    assert first["Location"] == second["Location"]
    assert (Thread.objects.count(), Message.objects.count()) == (1, 1)


# -- the safety screen -------------------------------------------------------------------------------------------


def test_a_flagged_message_is_not_sent_until_confirmed_and_then_is_urgent(clinic: Clinic) -> None:
    client = _client(clinic)
    data = _form(subject="Help", body="I have chest pain and no puedo respirar")

    shown = client.post(_url("messages_start", clinic), data)

    body = shown.content.decode()
    assert shown.status_code == 200
    assert Thread.objects.count() == 0
    assert "This may be an emergency" in body
    assert 'href="tel:911"' in body
    assert "chest pain or pressure" in body and "trouble breathing" in body
    assert 'name="send_anyway"' in body and 'name="screened" value="chest_pain breathing"' in body
    assert "I have chest pain and no puedo respirar" in body

    sent = client.post(_url("messages_start", clinic), {**data, "send_anyway": "1", "screened": "chest_pain breathing"})

    thread = Thread.objects.get()
    assert sent.status_code == 302
    assert (thread.urgency, thread.safety_flags) == (Thread.Urgency.URGENT, ["chest_pain", "breathing"])


def test_suicidal_words_bring_the_988_line(clinic: Clinic) -> None:
    body = _client(clinic).post(_url("messages_start", clinic), _form(body="Quiero morir")).content.decode()
    assert 'href="tel:988"' in body and 'href="sms:988"' in body
    assert Thread.objects.count() == 0


def test_a_finding_added_after_the_guidance_asks_again(clinic: Clinic) -> None:
    data = _form(body="chest pain, and I fainted", send_anyway="1", screened="chest_pain")
    response = _client(clinic).post(_url("messages_start", clinic), data)
    assert response.status_code == 200
    assert 'name="screened" value="chest_pain unconscious"' in response.content.decode()
    assert Thread.objects.count() == 0


def test_a_message_no_longer_flagged_is_sent_as_normal(clinic: Clinic) -> None:
    data = _form(body="Just a rash after all", send_anyway="1", screened="chest_pain")
    assert _client(clinic).post(_url("messages_start", clinic), data).status_code == 302
    assert Thread.objects.get().urgency == Thread.Urgency.NORMAL


def test_a_flagged_reply_needs_the_confirm_and_records_the_flags(clinic: Clinic) -> None:
    thread = clinic.start(now=timezone.now())
    client = _client(clinic)
    url = _url("messages_thread", clinic, thread_id=thread.pk)

    shown = client.post(url, {"body": "Now he had a seizure"})
    assert shown.status_code == 200 and "This may be an emergency" in shown.content.decode()
    assert thread.messages.count() == 1

    sent = client.post(url, {"body": "Now he had a seizure", "send_anyway": "1", "screened": "seizure"})
    assert sent.status_code == 302
    thread.refresh_from_db()
    assert (thread.messages.count(), thread.safety_flags) == (2, ["seizure"])


# -- a conversation ------------------------------------------------------------------------------------------------


def test_the_conversation_shows_the_promise_and_marks_replies_read_with_an_audit(clinic: Clinic) -> None:
    thread = clinic.start(now=timezone.now())
    reply = StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana, body="Keep it clean and dry.")
    Thread.objects.filter(pk=thread.pk).update(first_responded_at=None)  # still waiting for its first answer

    response = _client(clinic).get(_url("messages_thread", clinic, thread_id=thread.pk))

    body = response.content.decode()
    with timezone.override(clinic.organization.time_zone):
        due = when(thread.first_response_due_at)
    assert f"(Nurse, Lakeside Primary Care) will answer by <strong>{due}</strong>" in body
    assert "Keep it clean and dry." in body and "Ana Lopez, RN" in body
    reply.refresh_from_db()
    assert reply.patient_read_at is not None
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, object_type="messaging.Thread", object_id=str(thread.pk)
    ).exists()


def test_an_answered_conversation_says_who_answered(clinic: Clinic) -> None:
    thread = clinic.start()
    StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana)
    Thread.objects.filter(pk=thread.pk).update(status=Thread.Status.ANSWERED, first_responded_at=timezone.now())
    body = _client(clinic).get(_url("messages_thread", clinic, thread_id=thread.pk)).content.decode()
    assert "Answered by <strong>Ana Lopez, RN</strong>" in body


def test_a_late_answer_taken_over_by_the_lead_is_said_honestly(clinic: Clinic) -> None:
    thread = clinic.start()
    lead = clinic.nurse_lead
    first_owner = thread.owner
    thread_reassign(
        access=clinic.access(lead.user), actor=lead.user, thread_id=thread.pk, to_staff_id=lead.pk, note="late"
    )
    thread.ownership_changes.filter(to_owner=lead).update(reason=Thread.OwnerReason.BREACH)
    Thread.objects.filter(pk=thread.pk).update(sla_state=Thread.SlaState.BREACHED)

    body = _client(clinic).get(_url("messages_thread", clinic, thread_id=thread.pk)).content.decode()

    assert "Your answer is late." in body
    assert f"{first_owner.user.full_name}'s team lead, Nora Lead, RN, has taken it over" in body


def test_a_reassigned_thread_says_who_has_it_and_why(clinic: Clinic) -> None:
    thread = clinic.start(now=timezone.now())
    nurse = clinic.nurse_ana.user
    to = clinic.nurse_ben if thread.owner != clinic.nurse_ben else clinic.nurse_ana
    thread_reassign(access=clinic.access(nurse), actor=nurse, thread_id=thread.pk, to_staff_id=to.pk, note="Off today")
    body = _client(clinic).get(_url("messages_thread", clinic, thread_id=thread.pk)).content.decode()
    assert f"Now with {to.signature}, who was asked by a colleague to answer." in body
    assert "Off today" not in body  # staff's own words stay with staff


@pytest.mark.parametrize("who", ["patient", "caregiver"])
def test_an_internal_note_never_reaches_a_patient_page(clinic: Clinic, media, who: str) -> None:
    thread = clinic.start(now=timezone.now())
    note = StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana, is_internal_note=True, body=SECRET_NOTE)
    save_attachments(note, validate_uploads([upload("secret-scan.png", PNG)]))
    caregiver = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.MESSAGING]).grantee
    client = _client(clinic, clinic.patient.user if who == "patient" else caregiver)

    pages = [
        client.get(_url("messages_home", clinic)),
        client.get(_url("messages_thread", clinic, thread_id=thread.pk)),
        client.get(_url("messages_start", clinic)),
        client.get(reverse("patient_home", kwargs={"patient_id": clinic.patient.pk})),
    ]

    for page in pages:
        assert page.status_code == 200
        assert SECRET_NOTE not in page.content.decode()
        assert "secret-scan" not in page.content.decode()
    attachment = Attachment.objects.get()
    assert client.get(_url("messages_attachment", clinic, attachment_id=attachment.pk)).status_code == 404


def test_close_and_reopen(clinic: Clinic) -> None:
    thread = clinic.start()
    client = _client(clinic)

    closed = client.post(_url("messages_close", clinic, thread_id=thread.pk))
    thread.refresh_from_db()
    assert (closed.status_code, thread.status) == (302, Thread.Status.CLOSED)
    page = client.get(closed["Location"]).content.decode()
    assert "Reopen the conversation" in page and "Send reply" not in page

    reopened = client.post(_url("messages_reopen", clinic, thread_id=thread.pk))
    thread.refresh_from_db()
    assert (reopened.status_code, thread.status) == (302, Thread.Status.OPEN)
    assert client.get(_url("messages_close", clinic, thread_id=thread.pk)).status_code == 405


def test_a_reply_to_a_closed_thread_keeps_the_text_and_says_why(clinic: Clinic) -> None:
    thread = clinic.start()
    client = _client(clinic)
    client.post(_url("messages_close", clinic, thread_id=thread.pk))
    response = client.post(_url("messages_thread", clinic, thread_id=thread.pk), {"body": "One more thing"})
    assert response.status_code == 200
    assert "This conversation is closed. Reopen it to write again." in response.content.decode()
    assert thread.messages.count() == 1


def test_a_download_is_an_attachment_of_the_checked_type(clinic: Clinic, media) -> None:
    thread = clinic.start()
    [attachment] = save_attachments(thread.messages.get(), validate_uploads([upload("my photo.html", PNG)]))

    response = _client(clinic).get(_url("messages_attachment", clinic, attachment_id=attachment.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="my photo.html.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == PNG
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD, object_id=str(attachment.pk)).count() == 1


# -- after hours and the home card ------------------------------------------------------------------------------


def test_after_hours_the_start_page_says_when_the_clinic_will_see_it(clinic: Clinic) -> None:
    _closed_today(clinic)
    body = _client(clinic).get(_url("messages_start", clinic)).content.decode()
    assert "The clinic is closed now. Your message will be seen from" in body
    assert " at 8:00 a.m. " in body


def test_while_open_there_is_no_after_hours_note(clinic: Clinic) -> None:
    _open_all_week(clinic)
    body = _client(clinic).get(_url("messages_start", clinic)).content.decode()
    assert "The clinic is closed now" not in body


def test_the_home_card_counts_unread_replies(clinic: Clinic) -> None:
    thread = clinic.start()
    StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana)
    StaffReplyFactory(thread=thread, author_staff=clinic.nurse_ana, patient_read_at=timezone.now() - timedelta(1))
    body = _client(clinic).get(reverse("patient_home", kwargs={"patient_id": clinic.patient.pk})).content.decode()
    assert "1 new reply waiting" in body
