"""The safety screen guards every way in: the services refuse red-flag words the sender has not
confirmed (page, JSON API start and reply), and a flagged thread goes to a nurse or physician with
the urgent promise, to the on-call pool after hours, never to a role whose protocol cannot close it.

Attacks that once worked: the API started "crushing chest pain ... can't breathe" as a routine
message, and "Send it anyway" on chest pain was owned by a medical assistant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from messaging import safety
from messaging.factories import PoolFactory
from messaging.models import Category, Message, OwnershipChange, Pool, SetupAlert, Thread
from messaging.selectors.patient import urgent_cover
from messaging.services.threads import thread_claim, thread_reassign, thread_reply
from portal.factories import StaffMemberFactory
from portal.models import StaffRole
from portal.services.errors import ServiceError
from tests.conftest import sign_in
from tests.messaging.conftest import MONDAY_9AM, Clinic, at

pytestmark = pytest.mark.django_db

CHEST = "Crushing chest pain since lunch and I can't breathe"
# Monday 2 March 2026 at 21:00 at the clinic, closed until Tuesday 08:00.
MONDAY_9PM = at(2026, 3, 2, 21)


def _on_call(clinic: Clinic) -> Pool:
    return PoolFactory(
        organization=clinic.organization,
        name="On call",
        kind=Pool.Kind.ON_CALL,
        lead=clinic.dr_lee,
        members=[clinic.dr_lee],
    )


# -- the service: start -----------------------------------------------------------------------------------------


def test_start_refuses_unconfirmed_red_flag_words_with_the_guidance_and_writes_nothing(clinic: Clinic) -> None:
    with pytest.raises(safety.Unconfirmed) as refused:
        clinic.start(subject="Help", body=CHEST)

    assert refused.value.flags == ["chest_pain", "breathing"]
    assert "call 911" in refused.value.message
    assert (Thread.objects.count(), Message.objects.count()) == (0, 0)


def test_start_refuses_a_finding_added_after_the_guidance(clinic: Clinic) -> None:
    with pytest.raises(safety.Unconfirmed) as refused:
        clinic.start(body="Chest pain, and now I fainted", confirmed_flags=["chest_pain"])

    assert refused.value.flags == ["chest_pain", "unconscious"]
    assert Thread.objects.count() == 0


def test_a_flagged_subject_is_screened_too(clinic: Clinic) -> None:
    with pytest.raises(safety.Unconfirmed):
        clinic.start(subject="Quiero morir", body="Hola")


def test_confirmed_red_flags_go_to_nurse_triage_not_the_categorys_pool(clinic: Clinic) -> None:
    # Appointment questions go to the front desk; chest pain must not.
    thread = clinic.start(
        category=Category.APPOINTMENT, subject="Help", body=CHEST, confirmed_flags=["chest_pain", "breathing"]
    )

    assert (thread.urgency, thread.safety_flags, thread.pool, thread.owner) == (
        Thread.Urgency.URGENT,
        ["chest_pain", "breathing"],
        clinic.triage,
        clinic.nurse_ana,
    )
    # The clinic's urgent promise: two business hours from Monday 09:00.
    assert thread.first_response_due_at == at(2026, 3, 2, 11)


def test_a_flagged_thread_is_never_owned_by_a_medical_assistant(clinic: Clinic) -> None:
    assistant = StaffMemberFactory(organization=clinic.organization, role=StaffRole.MEDICAL_ASSISTANT)
    clinic.triage.members.add(assistant)
    # The nurses are busier than the assistant, who would win on load.
    clinic.start(body="A rash")
    clinic.start(body="A cough")

    thread = clinic.start(body=CHEST, confirmed_flags=["chest_pain", "breathing"])

    assert thread.owner in (clinic.nurse_ana, clinic.nurse_ben)
    assert clinic.start(body="Another rash").owner == assistant  # routine messages still go to them


def test_a_flagged_thread_with_no_clinical_pool_is_owned_by_a_clinician_and_alerts(clinic: Clinic) -> None:
    Pool.objects.filter(kind__in=[Pool.Kind.NURSE_TRIAGE, Pool.Kind.PHYSICIAN_INBOX]).update(kind=Pool.Kind.BILLING)
    clinic.front_desk.members.add(clinic.nurse_ben)

    thread = clinic.start(category=Category.APPOINTMENT, body=CHEST, confirmed_flags=["chest_pain", "breathing"])

    assert (thread.pool, thread.owner) == (clinic.front_desk, clinic.nurse_ben)
    assert SetupAlert.objects.filter(thread=thread, kind=SetupAlert.Kind.NO_TRIAGE).count() == 1


def test_after_hours_a_flagged_thread_goes_to_the_on_call_pool_on_the_wall_clock(clinic: Clinic) -> None:
    on_call = _on_call(clinic)

    thread = clinic.start(body=CHEST, confirmed_flags=["chest_pain", "breathing"], now=MONDAY_9PM)

    assert (thread.pool, thread.owner) == (on_call, clinic.dr_lee)
    assert thread.first_response_due_at == MONDAY_9PM + timedelta(minutes=120)
    with time_machine.travel(MONDAY_9PM, tick=False):
        cover = urgent_cover(thread)
    assert cover == (
        "The clinic is closed now. Sam Lee, MD is on call and will answer by today at 11:00 p.m. CST. "
        "If this is an emergency, call 911 now: do not wait for an answer."
    )


def test_after_hours_without_an_on_call_pool_the_patient_is_told_nobody_reads_it_before_opening(
    clinic: Clinic,
) -> None:
    thread = clinic.start(body=CHEST, confirmed_flags=["chest_pain", "breathing"], now=MONDAY_9PM)

    assert thread.pool == clinic.triage
    with time_machine.travel(MONDAY_9PM, tick=False):
        cover = urgent_cover(thread)
    assert cover == (
        "The clinic is closed now: nobody will read your message before tomorrow at 8:00 a.m. CST. "
        "If this is an emergency, call 911 now: do not wait for an answer."
    )


def test_in_opening_hours_the_on_call_pool_is_not_used(clinic: Clinic) -> None:
    _on_call(clinic)
    thread = clinic.start(body=CHEST, confirmed_flags=["chest_pain", "breathing"])
    assert thread.pool == clinic.triage


def test_a_routine_thread_has_no_urgent_cover(clinic: Clinic) -> None:
    assert urgent_cover(clinic.start()) is None


# -- the service: reply -----------------------------------------------------------------------------------------


def _reply(clinic: Clinic, thread: Thread, body: str, **fields: Any) -> Message:
    user = clinic.patient.user
    return thread_reply(access=clinic.access(user), actor=user, thread_id=thread.pk, body=body, **fields)


def test_reply_refuses_unconfirmed_red_flag_words(clinic: Clinic) -> None:
    thread = clinic.start()

    with pytest.raises(safety.Unconfirmed) as refused:
        _reply(clinic, thread, "Now he had a seizure", now=MONDAY_9AM)

    assert refused.value.flags == ["seizure"]
    assert thread.messages.count() == 1


def test_a_confirmed_flagged_reply_moves_a_front_desk_thread_to_triage_with_the_urgent_promise(
    clinic: Clinic,
) -> None:
    thread = clinic.start(category=Category.APPOINTMENT, subject="My visit", body="Can I come Friday?")
    assert (thread.pool, thread.owner, thread.first_response_due_at) == (
        clinic.front_desk,
        clinic.receptionist,
        at(2026, 3, 2, 17),
    )

    _reply(clinic, thread, "Actually I can't breathe", confirmed_flags=["breathing"], now=MONDAY_9AM)

    thread.refresh_from_db()
    assert (thread.urgency, thread.safety_flags, thread.pool, thread.owner, thread.owner_reason) == (
        Thread.Urgency.URGENT,
        ["breathing"],
        clinic.triage,
        clinic.nurse_ana,
        Thread.OwnerReason.SAFETY,
    )
    assert thread.first_response_due_at == at(2026, 3, 2, 11)
    change = OwnershipChange.objects.filter(thread=thread).latest("pk")
    assert (change.from_owner, change.to_owner, change.from_pool, change.to_pool) == (
        clinic.receptionist,
        clinic.nurse_ana,
        clinic.front_desk,
        clinic.triage,
    )


def test_a_confirmed_flagged_reply_on_a_nurses_thread_keeps_its_owner_and_adds_the_flags(clinic: Clinic) -> None:
    thread = clinic.start(body=CHEST, confirmed_flags=["chest_pain", "breathing"])

    _reply(clinic, thread, "Now I also fainted", confirmed_flags=["unconscious"], now=MONDAY_9AM)

    thread.refresh_from_db()
    assert (thread.safety_flags, thread.owner, thread.first_response_due_at) == (
        ["breathing", "chest_pain", "unconscious"],
        clinic.nurse_ana,
        at(2026, 3, 2, 11),
    )


def test_staff_replies_are_not_screened(clinic: Clinic) -> None:
    thread = clinic.start()
    nurse = clinic.nurse_ana.user
    thread_reply(
        access=clinic.access(nurse), actor=nurse, thread_id=thread.pk, body="If you have chest pain, call 911."
    )
    thread.refresh_from_db()
    assert (thread.safety_flags, thread.urgency) == ([], Thread.Urgency.NORMAL)


def test_a_flagged_thread_cannot_be_passed_to_or_claimed_by_the_front_desk(clinic: Clinic) -> None:
    thread = clinic.start(body=CHEST, confirmed_flags=["chest_pain", "breathing"])
    nurse, receptionist = clinic.nurse_ana.user, clinic.receptionist.user

    with pytest.raises(ServiceError, match="pass it to a nurse or a physician"):
        thread_reassign(
            access=clinic.access(nurse),
            actor=nurse,
            thread_id=thread.pk,
            to_staff_id=clinic.receptionist.pk,
            note="Please call them",
        )
    with pytest.raises(ServiceError, match="only a nurse or a physician can take it"):
        thread_claim(access=clinic.access(receptionist), actor=receptionist, thread_id=thread.pk)
    thread.refresh_from_db()
    assert thread.owner == clinic.nurse_ana


# -- the JSON API -------------------------------------------------------------------------------------------------


def _api(clinic: Clinic) -> Client:
    return sign_in(Client(), clinic.patient.user)


def _post(client: Client, url: str, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


def _start_payload(**fields: Any) -> dict[str, Any]:
    return {
        "category": Category.NEW_SYMPTOM,
        "subject": "Help",
        "body": CHEST,
        "idempotency_key": uuid4().hex,
        **fields,
    }


def test_api_start_answers_422_with_the_guidance_until_confirmed(clinic: Clinic) -> None:
    client = _api(clinic)
    url = f"/api/v1/patients/{clinic.patient.pk}/threads/"
    payload = _start_payload()

    with time_machine.travel(MONDAY_9AM, tick=False):
        refused = _post(client, url, payload)

    assert refused.status_code == 422
    body = refused.json()
    assert (body["code"], body["safety_flags"], body["labels"], body["emergency_numbers"]) == (
        "safety_confirmation_required",
        ["chest_pain", "breathing"],
        ["chest pain or pressure", "trouble breathing"],
        ["911"],
    )
    assert "call 911" in body["detail"]
    assert Thread.objects.count() == 0

    with time_machine.travel(MONDAY_9AM, tick=False):
        sent = _post(client, url, {**payload, "confirmed_safety_flags": body["safety_flags"]})

    assert sent.status_code == 201
    thread = Thread.objects.get()
    assert (thread.urgency, thread.safety_flags, thread.pool) == (
        Thread.Urgency.URGENT,
        ["chest_pain", "breathing"],
        clinic.triage,
    )
    assert sent.json()["safety_flags"] == ["chest_pain", "breathing"]
    assert sent.json()["urgent_cover"] == (
        "Ana Lopez, RN will answer by today at 11:00 a.m. CST. "
        "If this is an emergency, call 911 now: do not wait for an answer."
    )


def test_api_suicide_words_offer_988(clinic: Clinic) -> None:
    url = f"/api/v1/patients/{clinic.patient.pk}/threads/"
    refused = _post(_api(clinic), url, _start_payload(body="Quiero morir"))
    assert (refused.status_code, refused.json()["emergency_numbers"]) == (422, ["911", "988"])
    assert "988" in refused.json()["detail"]


def test_api_unknown_confirmations_are_bad_input(clinic: Clinic) -> None:
    url = f"/api/v1/patients/{clinic.patient.pk}/threads/"
    response = _post(_api(clinic), url, _start_payload(confirmed_safety_flags=["sniffles"]))
    assert response.status_code == 400 and "confirmed_safety_flags" in response.json()
    assert Thread.objects.count() == 0


def test_api_reply_answers_422_until_confirmed(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.APPOINTMENT)
    client = _api(clinic)
    url = f"/api/v1/patients/{clinic.patient.pk}/threads/{thread.pk}/messages/"

    refused = _post(client, url, {"body": "He is not breathing"})

    assert (refused.status_code, refused.json()["safety_flags"]) == (422, ["breathing"])
    assert thread.messages.count() == 1

    sent = _post(client, url, {"body": "He is not breathing", "confirmed_safety_flags": ["breathing"]})

    assert sent.status_code == 201
    assert "call 911" in sent.json()["urgent_cover"]
    thread.refresh_from_db()
    assert (thread.urgency, thread.safety_flags, thread.pool) == (
        Thread.Urgency.URGENT,
        ["breathing"],
        clinic.triage,
    )


def test_the_schema_documents_the_safety_refusal(clinic: Clinic) -> None:
    schema = _api(clinic).get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path in (
        "/api/v1/patients/{patient_id}/threads/",
        "/api/v1/patients/{patient_id}/threads/{thread_id}/messages/",
    ):
        responses = schema["paths"][path]["post"]["responses"]
        assert responses["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/SafetyRefusal"
        }
    assert "confirmed_safety_flags" in schema["components"]["schemas"]["ThreadStart"]["properties"]


# -- the pages ------------------------------------------------------------------------------------------------------


def test_the_page_tells_who_covers_a_flagged_message_after_hours(clinic: Clinic) -> None:
    _on_call(clinic)
    client = _api(clinic)
    data = {
        "category": Category.NEW_SYMPTOM,
        "subject": "Help",
        "body": CHEST,
        "idempotency_key": uuid4().hex,
        "send_anyway": "1",
        "screened": "chest_pain breathing",
    }

    with time_machine.travel(MONDAY_9PM, tick=False):
        page = client.post(reverse("messages_start", kwargs={"patient_id": clinic.patient.pk}), data, follow=True)

    body = page.content.decode()
    assert "Sam Lee, MD is on call and will answer by today at 11:00 p.m. CST." in body
    assert Thread.objects.get().pool.kind == Pool.Kind.ON_CALL


def test_a_page_reply_with_flags_is_filed_urgent_in_triage(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.APPOINTMENT)
    client = _api(clinic)
    url = reverse("messages_thread", kwargs={"patient_id": clinic.patient.pk, "thread_id": thread.pk})

    shown = client.post(url, {"body": "Chest pain again"})
    assert shown.status_code == 200 and "This may be an emergency" in shown.content.decode()
    sent = client.post(url, {"body": "Chest pain again", "send_anyway": "1", "screened": "chest_pain"})

    assert sent.status_code == 302
    thread.refresh_from_db()
    assert (thread.urgency, thread.safety_flags, thread.pool) == (
        Thread.Urgency.URGENT,
        ["chest_pain"],
        clinic.triage,
    )
