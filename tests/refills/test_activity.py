"""The activity page says refill events in readable words: who asked, who reviewed, passed on,
approved or denied, who cancelled, and a pharmacy's renewal; every refills audit event the flow
writes has a sentence of its own (none falls back to "changed something in the record"), and each
new sentence has its Spanish."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from portal.models import AuditEvent
from portal.selectors.activity import FALLBACK, SENTENCES, describe, who
from refills.services import decisions
from refills.services.renewals import client_issue, renewal_from_pharmacy
from refills.services.requests import request_cancel, request_submit
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db


def test_the_refill_flow_reads_as_sentences_naming_who_did_what(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    mine = clinic.access(patient.user, patient)
    lisinopril, atorvastatin = request_submit(
        access=mine,
        actor=patient.user,
        medication_keys=[key(LISINOPRIL[0]), key(ATORVASTATIN[0])],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )
    nurse = clinic.access(clinic.nurse.user, patient)
    decisions.request_take(access=nurse, actor=clinic.nurse.user, request_id=lisinopril.pk)
    decisions.request_approve(access=nurse, actor=clinic.nurse.user, request_id=lisinopril.pk)
    decisions.request_to_prescriber(
        access=nurse, actor=clinic.nurse.user, request_id=atorvastatin.pk, note="No lipid panel"
    )
    doctor = clinic.access(clinic.doctor.user, patient)
    decisions.request_deny(access=doctor, actor=clinic.doctor.user, request_id=atorvastatin.pk, reason="needs_tests")
    refused = [
        e.object_type
        for e in AuditEvent.objects.filter(patient=patient, object_type__startswith="refills.")
        if describe(e, patient.user) == str(FALLBACK[e.action]) % {"who": who(e, patient.user)}
    ]

    lines = [describe(e, patient.user) for e in AuditEvent.objects.filter(patient=patient).order_by("pk")]

    assert refused == []
    assert "You asked for a refill or renewal of a medicine." in lines
    assert "Ana Lopez (clinic staff) started reviewing a refill request." in lines
    assert "Ana Lopez (clinic staff) approved a refill request." in lines
    assert "Ana Lopez (clinic staff) passed a refill request to the prescriber." in lines
    assert "Samuel Okafor (clinic staff) denied a refill request." in lines


def test_a_cancel_and_a_pharmacys_renewal_read_as_sentences(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    mine = clinic.access(patient.user, patient)
    (made,) = request_submit(
        access=mine,
        actor=patient.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )
    request_cancel(access=mine, actor=patient.user, request_id=made.pk)
    pharmacy_client, _secret = client_issue(pharmacy=clinic.pharmacy, organization_id=clinic.home.pk)
    renewal_from_pharmacy(
        client=pharmacy_client,
        message_id="RX-7",
        family_name=patient.family_name,
        given_name=patient.given_name,
        birth_date=patient.birth_date,
        rxnorm_code=LISINOPRIL[0],
        days_supply=90,
    )

    lines = [describe(e, patient.user) for e in AuditEvent.objects.filter(patient=patient).order_by("pk")]

    assert lines[-4:] == [
        "You cancelled a refill request.",
        "A pharmacy asked the clinic to renew a prescription.",
        # Its conversation in the refill pool, opened by the portal with the pharmacy's words.
        "The portal sent a message.",
        "The portal added something to the record.",
    ]


def test_every_refills_sentence_has_its_spanish() -> None:
    ours = [s for (_action, kind), s in SENTENCES.items() if kind.startswith("refills.")]
    with override("en"):
        english = [str(s) for s in ours]
    with override("es"):
        spanish = [str(s) for s in ours]

    assert len(ours) == 13
    assert [en for en, es in zip(english, spanish, strict=True) if en == es] == []
