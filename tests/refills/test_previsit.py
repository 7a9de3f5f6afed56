"""The pre-visit briefing's "Refill requests" section: the patient's open requests, in words the
briefing knows (English and Spanish), in one query; decided or cancelled ones are not there."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import override

from portal import previsit_items
from refills.models import RefillRequest
from refills.previsit import APPROVED, PHARMACY, WAITING, open_refill_requests
from refills.services import decisions
from refills.services.renewals import client_issue, renewal_from_pharmacy
from refills.services.requests import request_cancel, request_submit
from summaries.services.phrases import PHRASES, say
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two, prescription
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db
METFORMIN = ("860975", "24 HR metformin 500 MG Extended Release Oral Tablet")


def _submit(clinic: Clinic, patient: Any, code: str, days: int = 90) -> RefillRequest:
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


def test_the_section_is_registered_for_the_briefing() -> None:
    assert "refills" in previsit_items.sections()


def test_open_requests_are_listed_and_finished_ones_are_not(clinic: Clinic, django_assert_num_queries: Any) -> None:
    patient = patient_with_two(clinic)
    prescription(patient, METFORMIN)
    lisinopril = _submit(clinic, patient, LISINOPRIL[0], days=30)
    atorvastatin = _submit(clinic, patient, ATORVASTATIN[0])
    metformin = _submit(clinic, patient, METFORMIN[0])
    decisions.request_approve(
        access=clinic.access(clinic.doctor.user, patient), actor=clinic.doctor.user, request_id=atorvastatin.pk
    )
    request_cancel(access=clinic.access(patient.user, patient), actor=patient.user, request_id=metformin.pk)

    with django_assert_num_queries(1):
        needs = open_refill_requests(patient.pk, now=timezone.now())

    assert [(n.key, n.source.id) for n in needs] == [
        ("renewal_request_waiting", lisinopril.pk),
        ("refill_request_approved", atorvastatin.pk),
    ]
    assert all(n.key in PHRASES and n.scope == "refills" for n in needs)
    assert say(needs[0].key, needs[0].params) == (
        "Renewal requested: lisinopril 10 MG Oral Tablet, 30 days' supply, waiting for a decision"
    )
    assert previsit_items.items_for(patient.pk, now=timezone.now())["refills"] == needs


def test_a_pharmacys_renewal_says_which_pharmacy_asked(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    pharmacy_client, _key = client_issue(pharmacy=clinic.pharmacy, organization_id=clinic.home.pk)
    renewal_from_pharmacy(
        client=pharmacy_client,
        message_id="RX-9",
        family_name=patient.family_name,
        given_name=patient.given_name,
        birth_date=patient.birth_date,
        rxnorm_code=LISINOPRIL[0],
        days_supply=90,
    )

    (need,) = open_refill_requests(patient.pk, now=timezone.now())

    assert need.key == "renewal_request_pharmacy"
    assert say(need.key, need.params).startswith("Renewal asked for by Main Street Pharmacy: lisinopril")


def test_no_requests_no_lines(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)

    assert open_refill_requests(patient.pk, now=timezone.now()) == []


def test_every_line_has_its_spanish() -> None:
    keys = [*WAITING.values(), APPROVED, PHARMACY]
    with override("en"):
        english = [str(PHRASES[k]) for k in keys]
    with override("es"):
        spanish = [str(PHRASES[k]) for k in keys]

    assert [en for en, es in zip(english, spanish, strict=True) if en == es] == []
