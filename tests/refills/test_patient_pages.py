"""The patient's refill pages: each medicine's action in words, the request form (errors
re-rendered, a double submit making one request), the request page with its owner, answer time
and timeline. (Spanish words are in locale/es/pending/refills.po until the catalogue merge.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.factories import OrganizationFactory
from refills.models import RefillRequest
from refills.services import decisions
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two, prescription
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db


def _form(clinic: Clinic, *codes: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "medicines": [key(code) for code in codes],
        "pharmacy": clinic.pharmacy.pk,
        "days_supply": 90,
        "note": "",
        "idempotency_key": form_key(),
    }
    values.update(fields)
    return values


def test_the_medicines_page_says_what_to_do_for_each(clinic: Clinic, django_assert_max_num_queries) -> None:
    patient = patient_with_two(clinic)
    elsewhere = OrganizationFactory(name="Riverside Cardiology", phone="555-0199")
    prescription(patient, ("1364445", "apixaban 5 MG Oral Tablet"), source=elsewhere)
    client = sign_in(Client(), patient.user)

    with django_assert_max_num_queries(32):  # the annual-visit plan adds two, however many medicines
        body = client.get(reverse("refills_home", kwargs={"patient_id": patient.pk})).content.decode()

    assert body.count("Request renewal") == 2
    assert "Prescribed by Riverside Cardiology. Ask them for more: call 555-0199." in body


def test_a_double_submit_makes_one_request_and_shows_who_answers_by_when(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = sign_in(Client(), patient.user)
    url = reverse("refills_new", kwargs={"patient_id": patient.pk})
    form = _form(clinic, LISINOPRIL[0], ATORVASTATIN[0])

    first = client.post(url, form)
    second = client.post(url, form)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert RefillRequest.objects.count() == 2
    page = client.get(first["Location"]).content.decode()
    owner = RefillRequest.objects.first().thread.owner  # type: ignore[union-attr]
    assert owner.user.full_name in page
    assert "will answer by" in page
    assert "Submitted" in page and "Sent together with:" in page


def test_a_form_without_medicines_comes_back_with_the_error(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = sign_in(Client(), patient.user)

    response = client.post(reverse("refills_new", kwargs={"patient_id": patient.pk}), _form(clinic))

    assert response.status_code == 200
    assert "Choose at least one medicine." in response.content.decode()
    assert RefillRequest.objects.count() == 0


def test_a_red_flag_note_asks_to_confirm_before_sending(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = sign_in(Client(), patient.user)
    url = reverse("refills_new", kwargs={"patient_id": patient.pk})
    form = _form(clinic, LISINOPRIL[0], note="crushing chest pain since this morning")

    held = client.post(url, form)
    assert "Send it anyway" in held.content.decode()
    assert RefillRequest.objects.count() == 0

    sent = client.post(url, {**form, "send_anyway": "1", "screened": "chest_pain"})
    assert sent.status_code == 302
    assert RefillRequest.objects.get().thread.urgency == "urgent"  # type: ignore[union-attr]


def test_the_timeline_names_who_approved(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = sign_in(Client(), patient.user)
    client.post(reverse("refills_new", kwargs={"patient_id": patient.pk}), _form(clinic, LISINOPRIL[0]))
    made = RefillRequest.objects.get()
    decisions.request_approve(
        access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
    )

    body = client.get(
        reverse("refills_request", kwargs={"patient_id": patient.pk, "request_id": made.pk})
    ).content.decode()

    assert "<strong>Approved</strong>" in body
    assert "· Ana Lopez" in body


def test_the_denial_reason_reads_in_the_patients_language_in_the_timeline(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = sign_in(Client(), patient.user)
    made = client.post(reverse("refills_new", kwargs={"patient_id": patient.pk}), _form(clinic, LISINOPRIL[0]))
    request = RefillRequest.objects.get()
    decisions.request_deny(
        access=clinic.access(clinic.nurse.user, patient),
        actor=clinic.nurse.user,
        request_id=request.pk,
        reason="too_soon",
    )

    patient.user.language = "es"
    patient.user.save()
    page = client.get(made["Location"]).content.decode()

    assert "Es demasiado pronto" in page
    assert "It is too soon" not in page


def test_a_medicine_no_longer_offered_gets_words_not_its_key(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    client = sign_in(Client(), patient.user)

    page = client.post(
        reverse("refills_new", kwargs={"patient_id": patient.pk}), _form(clinic, "999999")
    ).content.decode()

    assert "A medicine you chose can no longer be requested here. Choose again." in page
    assert "999999" not in page
