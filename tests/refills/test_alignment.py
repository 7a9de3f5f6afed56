""" "Renew all my long-term medicines to my annual visit": the plan (stable medicines of a protocol
that allows it, days a fill and refills that last until a year after the last visit), one request
for them all, the staff's approval writing prescriptions valid until the visit; the page and API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.models import Thread
from portal.factories import PatientFactory
from portal.models import Patient
from portal.services.errors import ServiceError
from records.models import RecordItem
from refills.alignment import fills
from refills.models import RefillProtocol, RefillRequest
from refills.selectors.patient import alignment_plan
from refills.services import decisions
from refills.services.requests import alignment_submit
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, prescription, result, visit
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db
METFORMIN = ("861004", "metformin hydrochloride 1000 MG Oral Tablet")
APIXABAN = ("1364445", "apixaban 5 MG Oral Tablet")
# The pinned day is Wednesday 9 December 2026; the last visit 100 days before, so the annual
# visit is 31 August 2027: 265 days away, three fills of 89 days (two refills).
VISIT_ON = date(2027, 8, 31)


def long_term(clinic: Clinic, *, visit_days_ago: int | None = 100) -> Patient:
    """Lisinopril and atorvastatin for over a year (the newest prescription 60 days ago),
    metformin started 60 days ago (its protocol, here, wants 6 months on it first), apixaban
    (always to the prescriber) for over a year."""
    RefillProtocol.objects.filter(key="metformin").update(no_refill_within_months_of_start=6)
    patient = PatientFactory(home_organization=clinic.home)
    for drug in (LISINOPRIL, ATORVASTATIN, APIXABAN):
        prescription(patient, drug, days_ago=500)
        prescription(patient, drug, days_ago=60)
    prescription(patient, METFORMIN, days_ago=60)
    result(patient, "6298-4", "4.2")
    if visit_days_ago is not None:
        visit(patient, days_ago=visit_days_ago)
    return patient


def _align(clinic: Clinic, patient: Patient, **fields: Any) -> list[RefillRequest]:
    values: dict[str, Any] = {"pharmacy_id": clinic.pharmacy.pk, "idempotency_key": form_key()}
    values.update(fields)
    return alignment_submit(access=clinic.access(patient.user, patient), actor=patient.user, **values)


@pytest.mark.parametrize(
    ("days", "max_days", "expected"),
    [(265, 90, (89, 2)), (45, 90, (45, 0)), (90, 90, (90, 0)), (366, 30, (30, 11))],
)
def test_fills_last_until_the_day_none_longer_than_the_protocol_allows(
    days: int, max_days: int, expected: tuple[int, int]
) -> None:
    assert fills(days, max_days) == expected


def test_the_plan_aligns_stable_medicines_of_protocols_that_allow_it(clinic: Clinic) -> None:
    patient = long_term(clinic)

    plan = alignment_plan(clinic.access(patient.user, patient), today=timezone.localdate())

    assert plan.available
    assert plan.visit_on == VISIT_ON
    assert sorted((a.medicine.name, a.days_supply, a.refills) for a in plan.medicines) == [
        (ATORVASTATIN[1], 89, 2),
        (LISINOPRIL[1], 89, 2),
    ]
    left_out = {medicine.name: why for medicine, why in plan.left_out}
    assert left_out == {
        APIXABAN[1]: "Its prescriber renews it: request it on its own.",
        METFORMIN[1]: "Started less than 6 months ago: request it on its own.",
    }


def test_one_request_renews_them_all_in_one_conversation(clinic: Clinic) -> None:
    patient = long_term(clinic)
    form = form_key()

    made = _align(clinic, patient, idempotency_key=form)
    again = _align(clinic, patient, idempotency_key=form)

    assert again == made
    assert sorted((r.medication_key, r.kind, r.days_supply, r.refills_asked, r.align_to) for r in made) == sorted(
        [
            (key(LISINOPRIL[0]), "renewal", 89, 2, VISIT_ON),
            (key(ATORVASTATIN[0]), "renewal", 89, 2, VISIT_ON),
        ]
    )
    thread = Thread.objects.get()
    assert {r.thread_id for r in made} == {thread.pk}
    assert thread.owner is not None and thread.first_response_due_at is not None
    assert "Renew my long-term medicines to my annual visit (2027-08-31)" in thread.messages.get().body


def test_no_visit_on_record_or_a_visit_due_soon_offers_no_plan(clinic: Clinic) -> None:
    never_seen = long_term(clinic, visit_days_ago=None)
    due_soon = long_term(clinic, visit_days_ago=350)

    with pytest.raises(ServiceError, match="no visit at your clinic on record"):
        _align(clinic, never_seen)
    with pytest.raises(ServiceError, match="Your yearly visit is due"):
        _align(clinic, due_soon)
    assert RefillRequest.objects.count() == 0


def test_protocols_pending_a_clinicians_approval_align_nothing(clinic: Clinic) -> None:
    patient = long_term(clinic)
    RefillProtocol.objects.update(approved_by="", approved_on=None)

    plan = alignment_plan(clinic.access(patient.user, patient), today=timezone.localdate())

    assert not plan.available
    assert plan.unavailable == "None of your medicines can be renewed this way."


def test_a_nurse_approves_an_aligned_renewal_valid_until_the_visit(clinic: Clinic) -> None:
    patient = long_term(clinic)
    made = next(r for r in _align(clinic, patient) if r.medication_key == key(LISINOPRIL[0]))

    done = decisions.request_approve(
        access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
    )

    assert (done.status, done.approved_days_supply) == ("approved", 89)
    dispense = RecordItem.objects.get(pk=done.new_prescription_id).record.raw["dispenseRequest"]
    assert dispense["numberOfRepeatsAllowed"] == 2
    assert dispense["expectedSupplyDuration"]["value"] == 89
    assert dispense["validityPeriod"]["end"] == "2027-08-31"


def test_the_page_shows_the_plan_and_sends_one_request(clinic: Clinic) -> None:
    patient = long_term(clinic)
    browser = sign_in(Client(), patient.user)
    url = reverse("refills_align", kwargs={"patient_id": patient.pk})

    home = browser.get(reverse("refills_home", kwargs={"patient_id": patient.pk})).content.decode()
    page = browser.get(url)
    sent = browser.post(url, {"pharmacy": clinic.pharmacy.pk, "idempotency_key": form_key()})

    assert "Renew my long-term medicines to my annual visit" in home
    text = page.content.decode()
    assert page.status_code == 200
    assert "89 days at a time, with 2 refills." in text
    assert "Started less than 6 months ago" in text
    assert sent.status_code == 302
    assert RefillRequest.objects.filter(patient=patient, align_to=VISIT_ON).count() == 2


def test_the_api_gives_the_plan_and_makes_the_requests(clinic: Clinic) -> None:
    patient = long_term(clinic)
    browser = sign_in(Client(), patient.user)
    url = reverse("api_refills_align", kwargs={"patient_id": patient.pk})

    plan = browser.get(url).json()
    body = {"pharmacy": clinic.pharmacy.pk}
    made = browser.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    again = browser.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")

    assert (plan["available"], plan["visit_on"]) == (True, "2027-08-31")
    assert sorted(m["days_supply"] for m in plan["medicines"]) == [89, 89]
    assert {m["name"] for m in plan["left_out"]} == {APIXABAN[1], METFORMIN[1]}
    assert (made.status_code, again.status_code) == (201, 200)
    assert len(made.json()["requests"]) == 2
