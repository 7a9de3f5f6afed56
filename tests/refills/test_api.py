"""The refills API for the patient side: the medicine list with one action each, requests made
once however often they are sent, field errors for bad input, the timeline and who answers by
when, and the pharmacy search."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.factories import OrganizationFactory
from portal.models import AuditEvent
from refills.models import Pharmacy, RefillRequest
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two, prescription
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db


def _client(patient: Any) -> Client:
    return sign_in(Client(), patient.user)


def _url(name: str, patient: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"patient_id": patient.pk, **kwargs})


def _send(client: Client, patient: Any, **fields: Any) -> Any:
    return client.post(_url("api_refills_requests", patient), fields, content_type="application/json")


def test_the_medicine_list_gives_each_medicine_one_action_in_plain_words(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)

    outside = OrganizationFactory(name="Lakeside Cardiology", phone="555-0199")
    prescription(patient, ("197361", "amlodipine 5 MG Oral Tablet"), source=outside)

    answer = _client(patient).get(_url("api_refills_medicines", patient))

    assert answer.status_code == 200
    rows = {row["name"]: row for row in answer.json()}
    lisinopril = rows[LISINOPRIL[1]]
    assert (lisinopril["action"], lisinopril["requestable"], lisinopril["request_kind"]) == ("renewal", True, "renewal")
    assert lisinopril["key"] == key(LISINOPRIL[0])
    assert "renew" in lisinopril["explanation"]
    amlodipine = rows["amlodipine 5 MG Oral Tablet"]
    assert (amlodipine["action"], amlodipine["requestable"], amlodipine["request_kind"]) == ("outside", False, None)
    assert amlodipine["prescriber"] == {"name": "Lakeside Cardiology", "phone": "555-0199"}
    assert amlodipine["explanation"] == "Prescribed by Lakeside Cardiology. Ask them for more: call 555-0199."


def test_the_medicine_list_speaks_spanish(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])

    answer = _client(patient).get(_url("api_refills_medicines", patient))

    rows = {row["name"]: row for row in answer.json()}
    assert "renovar" in rows[LISINOPRIL[1]]["explanation"].lower()


def test_a_request_is_made_once_and_answers_with_its_owner_and_timeline(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = _client(patient)
    fields = {
        "medicines": [key(LISINOPRIL[0]), key(ATORVASTATIN[0])],
        "pharmacy": clinic.pharmacy.pk,
        "days_supply": 90,
        "note": "Running low",
    }

    first = _send(client, patient, **fields, idempotency_key="k-1")
    again = client.post(
        _url("api_refills_requests", patient), fields, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    made = first.json()["requests"]
    assert [r["name"] for r in made] == [LISINOPRIL[1], ATORVASTATIN[1]]
    assert [r["id"] for r in again.json()["requests"]] == [r["id"] for r in made]
    assert RefillRequest.objects.count() == 2
    assert made[0]["status"] == "submitted"
    assert made[0]["pharmacy"]["name"] == "Main Street Pharmacy"
    assert [e["kind"] for e in made[0]["events"]] == ["submitted"]
    assert made[0]["owner"]["name"] in {"Ana Lopez, RN", "Max Field, MA"}
    assert made[0]["owner"]["answer_by"]

    detail = client.get(_url("api_refills_request", patient, request_id=made[0]["id"]))
    listed = client.get(_url("api_refills_requests", patient))

    assert detail.status_code == 200
    assert detail.json()["owner"] == made[0]["owner"]
    assert listed.json()["count"] == 2
    assert AuditEvent.objects.filter(object_type="refills.RefillRequest", action="create").count() == 2


def test_a_medicine_already_requested_is_a_field_error(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = _client(patient)
    fields = {"medicines": [key(LISINOPRIL[0])], "pharmacy": clinic.pharmacy.pk, "days_supply": 90}
    assert _send(client, patient, **fields, idempotency_key=form_key()).status_code == 201

    second = _send(client, patient, **fields, idempotency_key=form_key())

    assert second.status_code == 400
    assert "already been requested" in second.json()["medicines"][0]
    assert RefillRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"medicines": []}, "medicines"),
        ({"pharmacy": "x"}, "pharmacy"),
        ({"days_supply": 45}, "days_supply"),
        ({"medicines": ["medication:nothing"]}, "medicines"),
        ({"pharmacy": 999999}, "pharmacy"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "x" * 65}, "idempotency_key"),
    ],
)
def test_bad_input_answers_400_naming_the_field(clinic: Clinic, fields: dict[str, Any], field: str) -> None:
    patient = patient_with_two(clinic)
    values = {
        "medicines": [key(LISINOPRIL[0])],
        "pharmacy": clinic.pharmacy.pk,
        "days_supply": 90,
        "idempotency_key": form_key(),
        **fields,
    }

    answer = _send(_client(patient), patient, **values)

    assert answer.status_code == 400
    assert field in answer.json()
    assert not RefillRequest.objects.exists()


def test_a_note_that_suggests_an_emergency_answers_422_until_confirmed(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = _client(patient)
    fields = {
        "medicines": [key(LISINOPRIL[0])],
        "pharmacy": clinic.pharmacy.pk,
        "days_supply": 90,
        "note": "I have crushing chest pain",
        "idempotency_key": form_key(),
    }

    refused = _send(client, patient, **fields)

    assert refused.status_code == 422
    assert refused.json()["safety_flags"]
    assert not RefillRequest.objects.exists()
    confirmed = _send(client, patient, **fields, confirmed_safety_flags=refused.json()["safety_flags"])
    assert confirmed.status_code == 201


def test_cancel_withdraws_and_then_refuses(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = _client(patient)
    made = _send(
        client,
        patient,
        medicines=[key(LISINOPRIL[0])],
        pharmacy=clinic.pharmacy.pk,
        days_supply=30,
        idempotency_key=form_key(),
    ).json()["requests"][0]
    url = _url("api_refills_cancel", patient, request_id=made["id"])

    first = client.post(url)
    second = client.post(url)

    assert (first.status_code, first.json()["status"]) == (200, "cancelled")
    assert [e["kind"] for e in first.json()["events"]] == ["submitted", "cancelled"]
    assert first.json()["owner"] is None
    assert second.status_code == 400


def test_pharmacy_search_finds_by_name_or_address_with_the_preferred_one(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    Pharmacy.objects.create(name="Corner Drugs", address="3 Oak Ave")
    Pharmacy.objects.create(name="Closed Pharmacy", address="1 Oak Ave", is_active=False)
    client = _client(patient)

    by_address = client.get(_url("api_refills_pharmacies", patient), {"q": "oak"})
    everything = client.get(_url("api_refills_pharmacies", patient))

    assert [p["name"] for p in by_address.json()["results"]] == ["Corner Drugs"]
    assert by_address.json()["preferred"] is None
    assert [p["name"] for p in everything.json()["results"]] == ["Corner Drugs", "Main Street Pharmacy"]
    too_long = client.get(_url("api_refills_pharmacies", patient), {"q": "x" * 101})
    assert (too_long.status_code, list(too_long.json())) == (400, ["q"])
