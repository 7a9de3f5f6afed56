"""Pharmacy-initiated renewals: a pharmacy's system, with its key (stored hashed), asks the clinic
to renew a prescription; it lands in the refill queue, once per message id, and anything else
answers 401 or 400 with field errors, writing nothing."""

from __future__ import annotations

import hashlib
import html
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.models import Thread
from portal.factories import OrganizationFactory, PatientFactory
from portal.models import AuditEvent, Notice, Patient
from refills.api.pharmacy import FAILURE_WINDOW, FAILURES, PharmacyKeyThrottle
from refills.models import PharmacyClient, RefillRequest
from refills.selectors.staff import queue
from refills.services import decisions
from refills.services.renewals import client_issue
from tests.clock import Clock
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two, prescription
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db
URL = "/api/v1/pharmacy/renewal-requests/"


def _body(patient: Patient, code: str = LISINOPRIL[0], message_id: str = "RX-1001", **fields: Any) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "patient": {
            "family_name": patient.family_name.upper(),
            "given_name": patient.given_name,
            "birth_date": patient.birth_date.isoformat(),
        },
        "rxnorm_code": code,
        "days_supply": 90,
        **fields,
    }


def _post(key_: str | None, body: dict[str, Any]) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key_}"} if key_ is not None else {}
    return Client().post(URL, body, content_type="application/json", **headers)


@pytest.fixture
def issued(clinic: Clinic) -> tuple[PharmacyClient, str]:
    return client_issue(pharmacy=clinic.pharmacy, organization_id=clinic.home.pk, label="Main Street's system")


def test_the_url_is_where_pharmacies_send() -> None:
    assert reverse("api_pharmacy_renewals") == URL


def test_a_renewal_lands_in_the_clinics_queue_once_per_message(clinic: Clinic, issued: Any) -> None:
    client, secret = issued
    patient = patient_with_two(clinic)

    first = _post(secret, _body(patient, note="Patient is out of refills"))
    again = _post(secret, _body(patient))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    made = RefillRequest.objects.get()
    assert (made.pharmacy_client, made.pharmacy_message_id, made.requested_by) == (client, "RX-1001", None)
    assert (made.medication_name, made.kind, made.pharmacy, made.organization) == (
        LISINOPRIL[1],
        "renewal",
        clinic.pharmacy,
        clinic.home,
    )
    assert [(e.kind, e.by, e.note) for e in made.events.all()] == [("submitted", None, str(clinic.pharmacy))]
    assert queue(staff=clinic.nurse, actor=clinic.nurse.user) == [made]
    assert AuditEvent.objects.filter(object_type="refills.PharmacyRenewal", patient=patient, actor=None).count() == 1
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_a_nurse_decides_it_like_any_request(clinic: Clinic, issued: Any) -> None:
    _client, secret = issued
    patient = patient_with_two(clinic)
    made_id = _post(secret, _body(patient)).json()["id"]

    done = decisions.request_approve(
        access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made_id
    )

    assert done.status == RefillRequest.Status.APPROVED
    assert done.new_prescription_id is not None


def test_the_key_is_stored_only_as_its_hash(clinic: Clinic, issued: Any) -> None:
    client, secret = issued
    stored = PharmacyClient.objects.values_list(*[f.attname for f in PharmacyClient._meta.concrete_fields]).get()

    assert secret not in map(str, stored)
    assert client.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert client.key_prefix == secret[:8]


@pytest.mark.parametrize("how", ["none", "wrong", "revoked", "basic"])
def test_without_a_valid_key_nothing_is_written(clinic: Clinic, issued: Any, how: str) -> None:
    client, secret = issued
    patient = patient_with_two(clinic)
    if how == "revoked":
        PharmacyClient.objects.filter(pk=client.pk).update(is_active=False)
    if how == "basic":
        answer = Client().post(URL, _body(patient), content_type="application/json", HTTP_AUTHORIZATION="Basic eDp5")
    else:
        answer = _post({"none": None, "wrong": secret + "x", "revoked": secret}[how], _body(patient))

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="pharmacy"'
    assert not RefillRequest.objects.exists()


def test_a_signed_in_patient_cannot_send_as_a_pharmacy(clinic: Clinic) -> None:
    from tests.conftest import sign_in

    patient = patient_with_two(clinic)
    answer = sign_in(Client(), patient.user).post(URL, _body(patient), content_type="application/json")

    assert answer.status_code == 401
    assert not RefillRequest.objects.exists()


def test_bad_input_and_unmatched_patients_or_medicines_are_field_errors(clinic: Clinic, issued: Any) -> None:
    _client, secret = issued
    patient = patient_with_two(clinic)
    stranger = PatientFactory(home_organization=OrganizationFactory())
    prescription(stranger, LISINOPRIL, source=stranger.home_organization)
    cases = [
        ({**_body(patient), "message_id": ""}, "message_id"),
        ({**_body(patient), "days_supply": 0}, "days_supply"),
        ({**_body(patient), "rxnorm_code": "abc"}, "rxnorm_code"),
        ({**_body(patient), "patient": {"family_name": "X"}}, "patient"),
        (_body(stranger), "patient"),  # another clinic's patient: not this key's
        (_body(patient, code="999999"), "rxnorm_code"),
    ]
    for body, field in cases:
        answer = _post(secret, body)
        assert (answer.status_code, field in answer.json()) == (400, True), (body, answer.json())
    assert not RefillRequest.objects.exists()


def test_a_medicine_the_patient_already_requested_or_from_elsewhere_is_refused(clinic: Clinic, issued: Any) -> None:
    from refills.services.requests import request_submit

    _client, secret = issued
    patient = patient_with_two(clinic)
    request_submit(
        access=clinic.access(patient.user, patient),
        actor=patient.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
        now=timezone.now(),
    )
    outside = OrganizationFactory(name="Lakeside Cardiology")
    prescription(patient, ("197361", "amlodipine 5 MG Oral Tablet"), source=outside)

    requested = _post(secret, _body(patient, message_id="RX-2"))
    elsewhere = _post(secret, _body(patient, code="197361", message_id="RX-3"))
    fine = _post(secret, _body(patient, code=ATORVASTATIN[0], message_id="RX-4"))

    assert requested.status_code == 400
    assert "already been requested" in requested.json()["rxnorm_code"][0]
    assert elsewhere.status_code == 400
    assert "another organization" in elsewhere.json()["rxnorm_code"][0]
    assert fine.status_code == 201
    assert RefillRequest.objects.count() == 2


def test_the_staff_queue_and_review_say_the_pharmacy_asked(clinic: Clinic, issued: Any) -> None:
    from tests.conftest import sign_in

    _pharmacy_client, secret = issued
    patient = patient_with_two(clinic)
    made_id = _post(secret, _body(patient, note="Out of refills")).json()["id"]
    nurse = sign_in(Client(), clinic.nurse.user, second_factor=True)

    queue_page = html.unescape(nurse.get(reverse("staff_refills")).content.decode())
    review = html.unescape(nurse.get(reverse("staff_refills_request", kwargs={"request_id": made_id})).content.decode())

    assert "Asked for by the pharmacy" in queue_page
    assert "Main Street Pharmacy's system (its message RX-1001)" in review
    assert "Pharmacy's note" in review


def test_a_renewal_opens_its_conversation_in_the_refill_pool_with_owner_and_answer_time(
    clinic: Clinic, issued: Any
) -> None:
    _client, secret = issued
    patient = patient_with_two(clinic)

    made_id = _post(secret, _body(patient, note="Out of refills")).json()["id"]
    _post(secret, _body(patient))  # the same message again: no second conversation

    made = RefillRequest.objects.select_related("thread").get(pk=made_id)
    thread = made.thread
    assert thread is not None
    assert Thread.objects.count() == 1
    assert (thread.category, thread.pool, thread.patient) == ("refill", clinic.refill_pool, patient)
    assert thread.owner in (clinic.nurse, clinic.assistant)
    assert thread.first_response_due_at is not None
    first = thread.messages.get()
    assert (first.author, first.acting_as, first.sender) == (None, "system", "Main Street Pharmacy (pharmacy system)")
    assert "Main Street Pharmacy, 12 Main St asks the clinic to renew lisinopril 10 MG Oral Tablet" in first.body
    assert "Out of refills" in first.body
    created = AuditEvent.objects.filter(object_type="messaging.Thread", object_id=str(thread.pk), actor=None)
    assert list(created.values_list("acting_as", flat=True)) == ["system"]
    # The patient hears that there is an update, as for any step they did not take.
    assert Notice.objects.filter(kind="refill_update", target_id=made.pk, key__contains=":pharmacy_asked:").exists()


def test_the_staff_and_patient_pages_show_the_pharmacys_message(clinic: Clinic, issued: Any) -> None:
    from tests.conftest import sign_in

    _client, secret = issued
    patient = patient_with_two(clinic)
    made = RefillRequest.objects.get(pk=_post(secret, _body(patient)).json()["id"])
    thread_id = made.thread_id

    staff = sign_in(Client(), clinic.nurse.user, second_factor=True).get(
        reverse("staff_thread", kwargs={"thread_id": thread_id})
    )
    mine = sign_in(Client(), patient.user).get(
        reverse("messages_thread", kwargs={"patient_id": patient.pk, "thread_id": thread_id})
    )

    assert staff.status_code == 200 and "Main Street Pharmacy (pharmacy system)" in staff.content.decode()
    assert mine.status_code == 200 and "Main Street Pharmacy (pharmacy system)" in mine.content.decode()


def test_one_key_past_its_rate_answers_429_and_writes_nothing(
    clinic: Clinic, issued: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PharmacyKeyThrottle, "rate", "2/min")
    client, secret = issued
    other_secret = client_issue(pharmacy=clinic.pharmacy, organization_id=clinic.home.pk)[1]
    patient = patient_with_two(clinic)

    answers = [_post(secret, _body(patient)).status_code for _n in range(3)]
    blocked = _post(secret, _body(patient, code=ATORVASTATIN[0], message_id="RX-9"))
    other = _post(other_secret, _body(patient, code=ATORVASTATIN[0], message_id="RX-10"))

    assert answers == [201, 200, 429]
    assert blocked.status_code == 429
    assert "Too many requests with this key" in blocked.json()["detail"]
    assert int(blocked["Retry-After"]) > 0
    assert other.status_code == 201  # another key has its own count


def test_wrong_keys_from_one_address_soon_answer_429_whatever_the_key(
    clinic: Clinic, issued: Any, clock: Clock
) -> None:
    client, secret = issued
    patient = patient_with_two(clinic)

    wrong = [_post(f"guess-{n}", _body(patient)).status_code for n in range(FAILURES)]
    blocked = _post("guess-again", _body(patient))
    right_key = _post(secret, _body(patient))
    elsewhere = Client().post(
        URL,
        _body(patient),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        REMOTE_ADDR="192.0.2.77",
    )
    clock.shift(timedelta(seconds=FAILURE_WINDOW + 1))
    later = _post(secret, _body(patient, code=ATORVASTATIN[0], message_id="RX-2002"))

    assert wrong == [401] * FAILURES
    assert blocked.status_code == 429
    assert "Too many wrong keys from this address" in blocked.json()["detail"]
    assert 0 < int(blocked["Retry-After"]) <= FAILURE_WINDOW
    assert right_key.status_code == 429  # the address waits, whatever it sends
    assert elsewhere.status_code == 201  # another address has its own count
    assert later.status_code == 201
