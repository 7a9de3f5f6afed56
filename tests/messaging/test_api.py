"""The messaging API for the mobile app: threads for the patient and caregivers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from messaging.factories import StaffReplyFactory
from messaging.models import Attachment, Category, Message, Thread
from messaging.services.threads import thread_reply
from portal.factories import ProxyGrantFactory
from portal.models import AuditEvent, Scope
from tests.conftest import sign_in
from tests.messaging.conftest import Clinic

pytestmark = pytest.mark.django_db


def threads_url(clinic: Clinic) -> str:
    return f"/api/v1/patients/{clinic.patient.pk}/threads/"


def start_payload(**fields: Any) -> dict[str, Any]:
    values = {
        "category": Category.NEW_SYMPTOM,
        "subject": "Rash on my arm",
        "body": "It started yesterday.",
        "urgency": "normal",
        "idempotency_key": "compose-1",
    }
    values.update(fields)
    return values


def post(client: Client, url: str, data: dict[str, Any] | None = None):
    return client.post(url, data or {}, content_type="application/json")


def staff_reply(clinic: Clinic, thread: Thread, body: str = "Use the cream twice a day.") -> Message:
    nurse = clinic.nurse_ana.user
    return thread_reply(access=clinic.access(nurse), actor=nurse, thread_id=thread.pk, body=body)


def test_categories_come_with_guidance(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)

    rows = client.get("/api/v1/messaging/categories/").json()

    assert [row["value"] for row in rows] == Category.values
    assert rows[0] == {
        "value": "appointment",
        "name": "Appointment question",
        "guidance": "A visit you have booked, or want to book, change or cancel.",
    }


def test_starting_a_thread_routes_it_and_names_who_answers_by_when(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)

    response = post(client, threads_url(clinic), start_payload())

    assert response.status_code == 201
    thread = Thread.objects.get()
    body = response.json()
    assert (body["id"], body["status"], body["owner"], body["owner_reason"], body["unread_count"]) == (
        thread.pk,
        "open",
        "Ana Lopez, RN",
        "answers messages like this one",
        0,
    )
    assert body["first_response_due_at"] is not None


def test_the_same_idempotency_key_returns_the_same_thread_with_200(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)
    first = post(client, threads_url(clinic), start_payload())

    again = post(client, threads_url(clinic), start_payload(body="Sent twice"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (Thread.objects.count(), Message.objects.count()) == (1, 1)


def test_bad_input_answers_400_with_field_errors(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)

    response = post(client, threads_url(clinic), start_payload(category="gossip", subject="", idempotency_key=""))

    assert response.status_code == 400
    assert set(response.json()) == {"category", "subject", "idempotency_key"}
    blank = post(client, threads_url(clinic), start_payload(body="   "))
    assert (blank.status_code, blank.json()) == (400, {"body": ["This field may not be blank."]})
    assert Thread.objects.count() == 0


def test_the_list_shows_unread_staff_replies_and_costs_the_same_queries_however_long(
    client: Client, clinic: Clinic, django_assert_num_queries
) -> None:
    thread = clinic.start()
    staff_reply(clinic, thread)
    staff_reply(clinic, thread, "And another thing.")
    StaffReplyFactory(thread=thread, is_internal_note=True, author_staff=clinic.nurse_ana)
    sign_in(client, clinic.patient.user)
    client.get(threads_url(clinic))  # warm the session

    # session, user, staff role, two device kinds, patient (own record: no grant query), audit insert,
    # count, page with unread counts, saving the session (3 with its savepoint).
    with django_assert_num_queries(12):
        response = client.get(threads_url(clinic))
    for _ in range(4):
        clinic.start()
    with django_assert_num_queries(12):
        longer = client.get(threads_url(clinic))

    [row] = response.json()["results"]
    assert (row["id"], row["unread_count"], row["owner"]) == (thread.pk, 2, "Ana Lopez, RN")
    assert longer.json()["count"] == 5


def test_the_thread_shows_replies_never_internal_notes_and_marks_replies_read(client: Client, clinic: Clinic) -> None:
    thread = clinic.start()
    answer = staff_reply(clinic, thread)
    StaffReplyFactory(thread=thread, is_internal_note=True, author_staff=clinic.nurse_ana, body="Secret staff note")
    Attachment.objects.create(
        message=answer,
        file="messaging/x/y",
        name="cream.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="0" * 64,
    )
    sign_in(client, clinic.patient.user)

    response = client.get(f"{threads_url(clinic)}{thread.pk}/")

    body = response.json()
    assert "Secret staff note" not in response.content.decode()
    assert [(m["acting_as"], m["author_name"], m["body"]) for m in body["messages"]] == [
        ("self", clinic.patient.user.full_name, "It started yesterday and itches."),
        ("staff", "Ana Lopez, RN", "Use the cream twice a day."),
    ]
    assert body["messages"][1]["attachments"] == [
        {"id": answer.attachments.get().pk, "name": "cream.pdf", "content_type": "application/pdf", "size": 2048}
    ]
    answer.refresh_from_db()
    assert answer.patient_read_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_id=str(thread.pk)).count() == 1
    assert client.get(threads_url(clinic)).json()["results"][0]["unread_count"] == 0


def test_a_caregiver_replies_closes_and_reopens(client: Client, clinic: Clinic) -> None:
    carer = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.MESSAGING]).grantee
    thread = clinic.start()
    staff_reply(clinic, thread)
    sign_in(client, carer)
    url = f"{threads_url(clinic)}{thread.pk}/"

    sent = post(client, f"{url}messages/", {"body": "Thank you, she will."})
    closed = post(client, f"{url}close/")
    refused = post(client, f"{url}messages/", {"body": "One more"})
    reopened = post(client, f"{url}reopen/")

    assert (sent.status_code, sent.json()["acting_as"], sent.json()["author_name"]) == (201, "proxy", carer.full_name)
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert (refused.status_code, refused.json()) == (
        400,
        {"non_field_errors": ["This conversation is closed. Reopen it to write again."]},
    )
    assert (reopened.status_code, reopened.json()["status"]) == (200, "open")


def test_an_empty_reply_answers_400(client: Client, clinic: Clinic) -> None:
    thread = clinic.start()
    sign_in(client, clinic.patient.user)

    response = post(client, f"{threads_url(clinic)}{thread.pk}/messages/", {"body": ""})

    assert (response.status_code, list(response.json())) == (400, ["body"])
    assert Message.objects.count() == 1


def test_another_patients_thread_is_not_found(client: Client, clinic: Clinic) -> None:
    mine = clinic.start()
    other = ProxyGrantFactory(scopes=[Scope.MESSAGING]).patient
    sign_in(client, other.user)

    assert client.get(f"/api/v1/patients/{other.pk}/threads/{mine.pk}/").status_code == 404
    assert post(client, f"/api/v1/patients/{other.pk}/threads/{mine.pk}/close/").status_code == 404


def test_staff_use_their_own_pages_not_this_api(client: Client, clinic: Clinic) -> None:
    clinic.start()
    sign_in(client, clinic.nurse_ana.user, second_factor=True)

    assert client.get(threads_url(clinic)).status_code == 404


def test_the_schema_describes_the_messaging_api(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert {
        "/api/v1/messaging/categories/",
        "/api/v1/patients/{patient_id}/threads/",
        "/api/v1/patients/{patient_id}/threads/{thread_id}/",
        "/api/v1/patients/{patient_id}/threads/{thread_id}/messages/",
        "/api/v1/patients/{patient_id}/threads/{thread_id}/close/",
        "/api/v1/patients/{patient_id}/threads/{thread_id}/reopen/",
    } <= set(schema["paths"])
    assert "ThreadStatusEnum" in schema["components"]["schemas"]


def test_thread_paging_with_numbers_past_bigint_answers_a_page_or_400_not_500(client: Client, clinic: Clinic) -> None:
    sign_in(client, clinic.patient.user)
    post(client, threads_url(clinic), start_payload())

    huge_limit = client.get(threads_url(clinic), {"limit": "99999999999999999999"})
    huge_offset = client.get(threads_url(clinic), {"offset": "99999999999999999999"})

    assert (huge_limit.status_code, len(huge_limit.json()["results"])) == (200, 1)
    assert (huge_offset.status_code, list(huge_offset.json())) == (400, ["offset"])
