"""Decisions added after the first cut: a protocol a clinician has not approved lets nobody but the
prescriber approve (the failed check says why); "needs a visit" with a bridge supply writes the
prescription and sends it like an approval, the request staying "needs a visit"."""

from __future__ import annotations

from typing import Any

import pytest

from portal.services.errors import ServiceError
from records.models import RecordItem
from refills.models import PharmacyMessage, RefillEvent, RefillProtocol, RefillRequest
from refills.selectors.staff import checks_for
from refills.services import decisions, pharmacy
from refills.services.requests import request_submit
from tests.refills.arrange import LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db
Status = RefillRequest.Status


def _lisinopril(clinic: Clinic) -> tuple[Any, RefillRequest]:
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
    return patient, made


def test_a_protocol_pending_approval_sends_the_request_to_the_prescriber_saying_why(clinic: Clinic) -> None:
    RefillProtocol.objects.filter(key="ace_arb").update(approved_by="", approved_on=None)
    patient, made = _lisinopril(clinic)

    stored = RefillRequest.objects.select_related("protocol", "organization").get(pk=made.pk)
    checks, _history = checks_for(stored, now=made.created_at)

    assert made.needs_prescriber is True
    failed = [(c.key, c.text) for c in checks if not c.passed]
    pending = "The protocol for ACE inhibitors and ARBs is pending a clinician's approval: the prescriber decides."
    assert failed == [("approval", pending)]
    with pytest.raises(ServiceError, match="goes to the prescriber"):
        decisions.request_approve(
            access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
        )
    done = decisions.request_approve(
        access=clinic.access(clinic.doctor.user, patient), actor=clinic.doctor.user, request_id=made.pk
    )
    assert (done.status, done.decided_by) == (Status.APPROVED, clinic.doctor.user)


def test_a_protocol_unapproved_after_the_request_still_stops_the_nurse(clinic: Clinic) -> None:
    patient, made = _lisinopril(clinic)
    RefillProtocol.objects.filter(key="ace_arb").update(approved_by="", approved_on=None)

    with pytest.raises(ServiceError, match="Not every protocol check passed"):
        decisions.request_approve(
            access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
        )
    assert RefillRequest.objects.get(pk=made.pk).status == Status.SUBMITTED


def test_needs_a_visit_with_a_bridge_supply_writes_and_sends_it(clinic: Clinic) -> None:
    patient, made = _lisinopril(clinic)

    done = decisions.request_needs_visit(
        access=clinic.access(clinic.nurse.user, patient),
        actor=clinic.nurse.user,
        request_id=made.pk,
        note="Due for a check.",
        bridge_days_supply=30,
    )
    message = PharmacyMessage.objects.get()
    sent = pharmacy.message_send(message_id=message.pk)

    done.refresh_from_db()
    assert (done.status, done.bridge_days_supply, done.approved_days_supply) == (Status.NEEDS_VISIT, 30, 30)
    new = RecordItem.objects.get(pk=done.new_prescription_id)
    assert new.record.raw["dispenseRequest"]["expectedSupplyDuration"]["value"] == 30
    assert new.record.raw["dispenseRequest"]["numberOfRepeatsAllowed"] == 0
    assert sent is True
    assert [(e.kind, e.note) for e in RefillEvent.objects.filter(request=made)] == [
        ("submitted", ""),
        ("needs_visit", "Due for a check. A 30-day bridge supply until your visit."),
        ("sent", "Main Street Pharmacy, 12 Main St"),
    ]


def test_a_longer_bridge_is_the_prescribers(clinic: Clinic) -> None:
    patient, made = _lisinopril(clinic)

    with pytest.raises(ServiceError, match="bridge supply is the prescriber's decision"):
        decisions.request_needs_visit(
            access=clinic.access(clinic.nurse.user, patient),
            actor=clinic.nurse.user,
            request_id=made.pk,
            bridge_days_supply=60,
        )
    assert PharmacyMessage.objects.count() == 0
    done = decisions.request_needs_visit(
        access=clinic.access(clinic.doctor.user, patient),
        actor=clinic.doctor.user,
        request_id=made.pk,
        bridge_days_supply=60,
    )
    assert (done.status, done.bridge_days_supply) == (Status.NEEDS_VISIT, 60)
    assert PharmacyMessage.objects.get().request_id == made.pk


def test_needs_a_visit_without_a_bridge_sends_nothing(clinic: Clinic) -> None:
    patient, made = _lisinopril(clinic)

    done = decisions.request_needs_visit(
        access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
    )

    assert (done.status, done.bridge_days_supply, done.new_prescription_id) == (Status.NEEDS_VISIT, None, None)
    assert PharmacyMessage.objects.count() == 0
