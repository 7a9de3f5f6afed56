"""What the patient hears of a refill request: one notice per step they did not take themselves,
through the portal's one outbox, saying only that there is an update, with a signed link that
leads (after sign-in, access checked again) to the request page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from portal.factories import ProxyGrantFactory, UserFactory
from portal.models import Notice, Scope
from refills import notifications
from refills.models import PharmacyMessage, RefillRequest
from refills.services import decisions, pharmacy
from refills.services.requests import request_cancel, request_submit
from tests.conftest import sign_in
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db


def _submit(clinic: Clinic, patient: Any, code: str) -> RefillRequest:
    (made,) = request_submit(
        access=clinic.access(patient.user, patient),
        actor=patient.user,
        medication_keys=[key(code)],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
    )
    return made


def _steps(request: RefillRequest) -> list[str]:
    keys = Notice.objects.filter(kind="refill_update", target_id=request.pk).values_list("key", flat=True)
    return sorted({k.split(":")[2] for k in keys})


def test_every_step_the_patient_did_not_take_sends_one_notice(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    approved, passed_on = _submit(clinic, patient, LISINOPRIL[0]), _submit(clinic, patient, ATORVASTATIN[0])
    nurse = clinic.access(clinic.nurse.user, patient)

    assert _steps(approved) == []  # the patient asked: nothing to tell them
    decisions.request_take(access=nurse, actor=clinic.nurse.user, request_id=approved.pk)
    decisions.request_take(access=nurse, actor=clinic.nurse.user, request_id=approved.pk)
    decisions.request_approve(access=nurse, actor=clinic.nurse.user, request_id=approved.pk)
    pharmacy.message_send(message_id=PharmacyMessage.objects.get(request=approved).pk)
    decisions.request_to_prescriber(access=nurse, actor=clinic.nurse.user, request_id=passed_on.pk, note="Lipids")
    decisions.request_deny(
        access=clinic.access(clinic.doctor.user, patient),
        actor=clinic.doctor.user,
        request_id=passed_on.pk,
        reason="needs_tests",
    )

    assert _steps(approved) == ["approved", "in_review", "sent"]
    assert _steps(passed_on) == ["denied", "in_review"]


def test_a_cancellation_by_the_patient_tells_nobody(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    made = _submit(clinic, patient, LISINOPRIL[0])

    request_cancel(access=clinic.access(patient.user, patient), actor=patient.user, request_id=made.pk)

    assert _steps(made) == []


def test_a_caregivers_cancellation_tells_the_patient(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    caregiver = ProxyGrantFactory(patient=patient, scopes=[Scope.REFILLS]).grantee
    made = _submit(clinic, patient, LISINOPRIL[0])

    request_cancel(access=clinic.access(caregiver, patient), actor=caregiver, request_id=made.pk)

    assert _steps(made) == ["cancelled"]
    assert set(Notice.objects.filter(kind="refill_update").values_list("user", flat=True)) == {patient.user_id}


def test_the_words_say_only_that_there_is_an_update_with_the_signed_link(clinic: Clinic) -> None:
    patient = patient_with_two(clinic)
    made = _submit(clinic, patient, LISINOPRIL[0])
    decisions.request_take(
        access=clinic.access(clinic.nurse.user, patient), actor=clinic.nurse.user, request_id=made.pk
    )
    notice = Notice.objects.get(kind="refill_update")

    words = notifications.update_words(notice)

    assert notice.link.startswith("/refills/n/")
    assert words.subject == "There is an update on your refill request"
    for text in (words.subject, words.body, words.sms):
        assert "lisinopril" not in text.lower()
    assert notice.link in words.body and notice.link in words.sms


def test_the_link_opens_the_request_for_its_patient_only(clinic: Clinic, clock) -> None:
    patient = patient_with_two(clinic)
    made = _submit(clinic, patient, LISINOPRIL[0])
    link = notifications.link_path(user_id=patient.user_id, request_id=made.pk)

    mine = sign_in(Client(), patient.user).get(link)
    someone_else = sign_in(Client(), UserFactory()).get(link)
    anonymous = Client().get(link)
    forged = sign_in(Client(), patient.user).get(link[:-3] + "xyz/")
    clock.shift(timedelta(days=31))
    expired = sign_in(Client(), patient.user).get(link)

    assert (mine.status_code, mine["Location"]) == (302, f"/p/{patient.pk}/refills/{made.pk}/")
    assert someone_else.status_code == 403
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert forged.status_code == 404
    assert expired.status_code == 410
