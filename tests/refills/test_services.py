"""The refill workflow's writes: a request (several medicines, one conversation with its named
owner and answer time, idempotent, one open request per medicine, the note's safety screen),
decisions by role, the new prescription in the record and the pharmacy message sent once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging import safety
from messaging.models import Thread
from portal.models import Notice
from portal.services.errors import InvalidTransition, ServiceError
from records.models import RecordItem
from refills.models import PharmacyMessage, RefillEvent, RefillRequest
from refills.services import decisions, pharmacy
from refills.services.requests import request_cancel, request_submit
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db
Status = RefillRequest.Status


def _submit(clinic: Clinic, patient: Any, codes: list[str], **fields: Any) -> list[RefillRequest]:
    values: dict[str, Any] = {
        "medication_keys": [key(code) for code in codes],
        "pharmacy_id": clinic.pharmacy.pk,
        "days_supply": 90,
        "note": "",
        "idempotency_key": form_key(),
    }
    values.update(fields)
    return request_submit(access=clinic.access(patient.user, patient), actor=patient.user, **values)


def _staff_access(clinic: Clinic, member: Any, patient: Any) -> Any:
    return clinic.access(member.user, patient)


def test_two_medicines_make_two_requests_in_one_conversation_with_owner_and_answer_time(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)

    made = _submit(clinic, patient, [LISINOPRIL[0], ATORVASTATIN[0]])

    assert [r.medication_name for r in made] == [LISINOPRIL[1], ATORVASTATIN[1]]
    assert len({r.submission for r in made}) == 1
    thread = Thread.objects.get()
    assert {r.thread_id for r in made} == {thread.pk}
    assert (thread.category, thread.pool, thread.owner) in {
        ("refill", clinic.refill_pool, clinic.nurse),
        ("refill", clinic.refill_pool, clinic.assistant),
    }
    assert thread.first_response_due_at > timezone.now()
    assert [e.kind for e in RefillEvent.objects.filter(request=made[0])] == ["submitted"]
    # Lisinopril is by protocol; atorvastatin too (statins), until its checks are read.
    assert [r.needs_prescriber for r in made] == [False, False]


def test_the_same_form_twice_makes_one_set_of_requests(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    form = form_key()

    first = _submit(clinic, patient, [LISINOPRIL[0]], idempotency_key=form)
    again = _submit(clinic, patient, [LISINOPRIL[0]], idempotency_key=form)

    assert again == first
    assert (RefillRequest.objects.count(), Thread.objects.count()) == (1, 1)


def test_a_second_form_for_a_medicine_already_requested_is_refused(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    _submit(clinic, patient, [LISINOPRIL[0]])

    with pytest.raises(ServiceError, match="already been requested"):
        _submit(clinic, patient, [LISINOPRIL[0], ATORVASTATIN[0]])
    assert RefillRequest.objects.count() == 1


def test_the_database_keeps_one_open_request_per_medicine(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])
    made.pk = None
    made.idempotency_key = form_key()

    with pytest.raises(IntegrityError, match="refill_one_open_per_medicine"), transaction.atomic():
        made.save()


def test_the_database_refuses_an_unknown_status(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])

    with pytest.raises(IntegrityError, match="refill_status_known"), transaction.atomic():
        RefillRequest.objects.filter(pk=made.pk).update(
            status="lost", decided_by=clinic.nurse.user, decided_at=timezone.now()
        )


def test_a_cancelled_request_frees_the_medicine_and_cannot_move_again(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])

    request_cancel(access=clinic.access(patient.user, patient), actor=patient.user, request_id=made.pk)

    again = _submit(clinic, patient, [LISINOPRIL[0]])
    assert again[0].pk != made.pk
    with pytest.raises(InvalidTransition):
        request_cancel(access=clinic.access(patient.user, patient), actor=patient.user, request_id=made.pk)


def test_a_note_with_red_flags_is_held_until_confirmed_then_urgent(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    note = "I have crushing chest pain since this morning"

    with pytest.raises(safety.Unconfirmed) as refused:
        _submit(clinic, patient, [LISINOPRIL[0]], note=note)
    assert RefillRequest.objects.count() == 0

    _submit(clinic, patient, [LISINOPRIL[0]], note=note, confirmed_flags=refused.value.flags)
    thread = Thread.objects.get()
    assert (thread.urgency, thread.safety_flags) == ("urgent", refused.value.flags)


def test_a_nurse_approves_under_protocol_writing_the_prescription_and_the_pharmacy_message(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])

    done = decisions.request_approve(
        access=_staff_access(clinic, clinic.nurse, patient), actor=clinic.nurse.user, request_id=made.pk
    )

    assert (done.status, done.decided_by, done.approved_days_supply) == (Status.APPROVED, clinic.nurse.user, 90)
    new = RecordItem.objects.select_related("record").get(pk=done.new_prescription_id)
    assert (new.source, new.kind, new.code, new.status, new.dedup_key) == (
        clinic.home,
        "medication",
        LISINOPRIL[0],
        "active",
        key(LISINOPRIL[0]),
    )
    assert new.record.raw["basedOn"][0]["reference"] == f"MedicationRequest/{made.prescription.record.resource_id}"
    assert new.record.raw["dispenseRequest"]["expectedSupplyDuration"]["value"] == 90
    message = PharmacyMessage.objects.get()
    assert (message.request, message.sent_at, message.payload["pharmacy"]["ncpdp_id"]) == (done, None, "1234567")
    assert Notice.objects.filter(kind="refill_update", patient_id=patient.pk, target_id=made.pk).exists()


def test_a_failed_check_keeps_a_nurse_or_assistant_from_approving(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [ATORVASTATIN[0]])

    for member in (clinic.nurse, clinic.assistant):
        with pytest.raises(ServiceError, match="Not every protocol check passed"):
            decisions.request_approve(
                access=_staff_access(clinic, member, patient), actor=member.user, request_id=made.pk
            )
    assert RefillRequest.objects.get().status == Status.SUBMITTED
    assert RecordItem.objects.filter(kind="medication").count() == 2


def test_a_change_is_the_prescribers_and_the_physician_approves_with_it(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])
    nurse_access = _staff_access(clinic, clinic.nurse, patient)

    with pytest.raises(ServiceError, match="prescriber's decision"):
        decisions.request_approve(
            access=nurse_access,
            actor=clinic.nurse.user,
            request_id=made.pk,
            days_supply=30,
            change_note="30 days until the visit",
        )
    decisions.request_to_prescriber(
        access=nurse_access, actor=clinic.nurse.user, request_id=made.pk, note="Due a visit"
    )
    done = decisions.request_approve(
        access=_staff_access(clinic, clinic.doctor, patient),
        actor=clinic.doctor.user,
        request_id=made.pk,
        days_supply=30,
        change_note="30 days until the visit",
    )

    assert (done.status, done.approved_days_supply, done.change_note) == (
        Status.APPROVED_WITH_CHANGES,
        30,
        "30 days until the visit",
    )
    assert [e.kind for e in RefillEvent.objects.filter(request=made)] == [
        "submitted",
        "to_prescriber",
        "approved_changed",
    ]
    # Once nurse passed it on, she may no longer approve even an unchanged one.
    assert RefillRequest.objects.get(pk=made.pk).needs_prescriber is True


def test_a_denial_needs_a_reason_from_the_list(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])
    access = _staff_access(clinic, clinic.nurse, patient)

    with pytest.raises(ServiceError, match="Choose why"):
        decisions.request_deny(access=access, actor=clinic.nurse.user, request_id=made.pk, reason="because")
    done = decisions.request_deny(access=access, actor=clinic.nurse.user, request_id=made.pk, reason="needs_tests")

    assert (done.status, done.denial_reason) == (Status.DENIED, "needs_tests")
    with pytest.raises(InvalidTransition):
        decisions.request_needs_visit(access=access, actor=clinic.nurse.user, request_id=made.pk)


def test_the_pharmacy_message_is_sent_once_and_marks_the_request_sent(clinic: Clinic, caplog) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])
    decisions.request_approve(
        access=_staff_access(clinic, clinic.nurse, patient), actor=clinic.nurse.user, request_id=made.pk
    )
    message = PharmacyMessage.objects.get()

    assert pharmacy.message_send(message_id=message.pk) is True
    assert pharmacy.message_send(message_id=message.pk) is False

    message.refresh_from_db()
    assert (message.attempts, message.gateway_reference) == (1, f"console-{message.pk}")
    assert RefillRequest.objects.get(pk=made.pk).status == Status.SENT
    assert [e.kind for e in RefillEvent.objects.filter(request=made)][-1] == "sent"
    assert "pharmacy message" in caplog.text


class _Down:
    def send(self, message: PharmacyMessage) -> str:
        raise ConnectionError("e-prescribing service down")


def test_a_failed_send_is_retried_later_by_the_sweep(clinic: Clinic, settings, clock) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])
    decisions.request_approve(
        access=_staff_access(clinic, clinic.nurse, patient), actor=clinic.nurse.user, request_id=made.pk
    )
    message = PharmacyMessage.objects.get()
    settings.REFILLS_PHARMACY_GATEWAY = "tests.refills.test_services._Down"

    assert pharmacy.message_send(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.attempts, message.sent_at, message.last_error) == (
        1,
        None,
        "ConnectionError: e-prescribing service down",
    )
    assert pharmacy.messages_sweep() == 0  # not due yet

    settings.REFILLS_PHARMACY_GATEWAY = "refills.gateway.ConsoleGateway"
    clock.shift(timedelta(minutes=3))
    assert pharmacy.messages_sweep() == 1
    assert RefillRequest.objects.get(pk=made.pk).status == Status.SENT


def test_refills_multiply_the_supply_so_a_nurse_cannot_approve_90_days_with_11_refills(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])
    nurse_access = _staff_access(clinic, clinic.nurse, patient)

    with pytest.raises(ServiceError, match="Say what changed"):
        decisions.request_approve(access=nurse_access, actor=clinic.nurse.user, request_id=made.pk, refills=11)
    with pytest.raises(ServiceError, match="prescriber's decision"):
        decisions.request_approve(
            access=nurse_access, actor=clinic.nurse.user, request_id=made.pk, refills=11, change_note="A year's supply"
        )

    assert RefillRequest.objects.get().status == Status.SUBMITTED
    assert not PharmacyMessage.objects.exists()


def test_the_nurse_review_page_says_why_not_instead_of_offering_approve_on_a_prescriber_only_request(
    clinic: Clinic,
) -> None:
    patient = patient_with_two(clinic)
    (made,) = _submit(clinic, patient, [LISINOPRIL[0]])
    RefillRequest.objects.filter(pk=made.pk).update(needs_prescriber=True)
    url = reverse("staff_refills_request", kwargs={"request_id": made.pk})

    nurse_page = sign_in(Client(), clinic.nurse.user, second_factor=True).get(url).content.decode()
    doctor_page = sign_in(Client(), clinic.doctor.user, second_factor=True).get(url).content.decode()

    assert "This medicine goes to the prescriber. Pass it to the prescriber." in nurse_page
    assert reverse("staff_refills_approve", args=[made.pk]) not in nurse_page
    assert reverse("staff_refills_approve", args=[made.pk]) in doctor_page
