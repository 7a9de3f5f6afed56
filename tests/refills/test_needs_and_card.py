"""What refills adds to the patient's home: "what needs you" lines (a supply running out, a
request answered with "needs a visit" or a denial) and the Medications card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.briefing_needs import needs_for
from refills.models import PharmacyMessage
from refills.services import decisions, pharmacy
from refills.services.requests import request_submit
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db


def _ask(clinic: Clinic, patient, code: str, days: int = 30):
    (made,) = request_submit(
        access=clinic.access(patient.user, patient),
        actor=patient.user,
        medication_keys=[key(code)],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=days,
        note="",
        idempotency_key=form_key(),
    )
    return made


def test_a_supply_running_out_within_a_week_is_a_need(clinic: Clinic, clock) -> None:
    patient = patient_with_two(clinic)
    made = _ask(clinic, patient, LISINOPRIL[0], days=30)
    decisions.request_approve(
        access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
    )
    pharmacy.message_send(message_id=PharmacyMessage.objects.get().pk)

    assert [n.key for n in needs_for(patient.pk, now=timezone.now())] == []
    clock.shift(timedelta(days=25))
    (need,) = [n for n in needs_for(patient.pk, now=timezone.now()) if n.key == "refill_running_out"]
    assert (need.params, need.source.url, need.scope) == (
        {"name": LISINOPRIL[1], "count": 5},
        "refills_request",
        "refills",
    )


def test_a_denial_and_a_needed_visit_are_needs_for_two_weeks(clinic: Clinic, clock) -> None:
    patient = patient_with_two(clinic)
    nurse = clinic.access(clinic.nurse.user, patient)
    denied = _ask(clinic, patient, LISINOPRIL[0])
    visit = _ask(clinic, patient, ATORVASTATIN[0])
    decisions.request_deny(access=nurse, actor=clinic.nurse.user, request_id=denied.pk, reason="needs_tests")
    decisions.request_needs_visit(access=nurse, actor=clinic.nurse.user, request_id=visit.pk)

    assert sorted(n.key for n in needs_for(patient.pk, now=timezone.now())) == ["refill_denied", "refill_needs_visit"]
    clock.shift(timedelta(days=15))
    assert [n.key for n in needs_for(patient.pk, now=timezone.now()) if n.key.startswith("refill")] == []


def test_the_home_card_lists_open_requests(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    _ask(clinic, patient, LISINOPRIL[0])
    client = sign_in(Client(), patient.user)

    body = client.get(reverse("patient_home", kwargs={"patient_id": patient.pk})).content.decode()

    assert f"{LISINOPRIL[1]}</a> · Submitted" in body
