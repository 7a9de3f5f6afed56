"""An approved refill's new prescription in the FHIR API: a MedicationRequest of the clinic, served
to the patient with `basedOn` the prescription it continues (which the API serves too)."""

from __future__ import annotations

import pytest
from django.test import Client

from refills.services import decisions
from refills.services.requests import request_submit
from tests.conftest import sign_in
from tests.refills.arrange import LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db
FHIR = "/fhir/R4"


def test_the_new_medication_request_is_served_based_on_the_original(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = request_submit(
        access=clinic.access(patient.user, patient),
        actor=patient.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )
    done = decisions.request_approve(
        access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
    )
    browser = sign_in(Client(), patient.user)

    found = browser.get(f"{FHIR}/MedicationRequest", {"patient": str(patient.pk)})

    assert found.status_code == 200
    resources = [entry["resource"] for entry in found.json()["entry"]]
    assert len(resources) == 3  # lisinopril, atorvastatin, and the renewal
    new = next(r for r in resources if r.get("basedOn"))
    assert new["status"] == "active"
    assert new["medicationCodeableConcept"]["coding"][0]["code"] == LISINOPRIL[0]
    assert new["dispenseRequest"]["expectedSupplyDuration"]["value"] == 90
    (based_on,) = new["basedOn"]
    original = browser.get(f"{FHIR}/{based_on['reference']}")
    assert original.status_code == 200
    served = original.json()
    assert based_on["reference"] == f"MedicationRequest/{served['id']}"
    assert served["id"] != new["id"]
    assert done.new_prescription is not None
    assert browser.get(f"{FHIR}/MedicationRequest/{new['id']}").json()["basedOn"] == new["basedOn"]
