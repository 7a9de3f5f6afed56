"""Refill turnaround beside the message response times: median and 90th percentile hours from a
request to its decision, the share finished by protocol without a physician, the share denied and
why; requests counted by when they were asked for, in the clinic's own queue only. Pinned times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.factories import OrganizationFactory
from refills.models import RefillRequest
from refills.selectors.staff_metrics import refill_metrics
from refills.services import decisions
from refills.services.requests import request_cancel, request_submit
from tests.clock import PINNED
from tests.conftest import sign_in
from tests.refills.arrange import LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db
NOW = PINNED
ASKED = NOW - timedelta(days=3)


def _asked(clinic: Clinic, at: Any = ASKED) -> tuple[Any, RefillRequest]:
    patient = patient_with_two(clinic)
    (made,) = request_submit(
        access=clinic.access(patient.user, patient),
        actor=patient.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=90,
        note="",
        idempotency_key=form_key(),
        now=at,
    )
    return patient, made


def _arrange(clinic: Clinic) -> None:
    """Five requests three days ago: approved by the nurse after 2 h; passed to the prescriber and
    approved by the physician after 10 h; denied by the nurse after 4 h; cancelled; waiting. One
    more 40 days ago, outside the 30-day period."""
    hours = timedelta(hours=1)
    patient, made = _asked(clinic)
    nurse = clinic.access(clinic.nurse.user, patient)
    decisions.request_approve(access=nurse, actor=clinic.nurse.user, request_id=made.pk, now=ASKED + 2 * hours)
    patient, made = _asked(clinic)
    decisions.request_to_prescriber(
        access=clinic.access(clinic.nurse.user, patient),
        actor=clinic.nurse.user,
        request_id=made.pk,
        note="Check",
        now=ASKED + hours,
    )
    decisions.request_approve(
        access=clinic.access(clinic.doctor.user, patient),
        actor=clinic.doctor.user,
        request_id=made.pk,
        now=ASKED + 10 * hours,
    )
    patient, made = _asked(clinic)
    decisions.request_deny(
        access=clinic.access(clinic.nurse.user, patient),
        actor=clinic.nurse.user,
        request_id=made.pk,
        reason="needs_tests",
        now=ASKED + 4 * hours,
    )
    patient, made = _asked(clinic)
    request_cancel(access=clinic.access(patient.user, patient), actor=patient.user, request_id=made.pk, now=ASKED)
    _asked(clinic)
    patient, made = _asked(clinic, at=NOW - timedelta(days=40))
    decisions.request_deny(
        access=clinic.access(clinic.nurse.user, patient),
        actor=clinic.nurse.user,
        request_id=made.pk,
        reason="too_soon",
        now=NOW - timedelta(days=40),
    )


def test_turnaround_protocol_share_and_denials_in_two_queries(clinic: Clinic, django_assert_num_queries) -> None:
    _arrange(clinic)

    with django_assert_num_queries(2):
        found = refill_metrics(organization=clinic.home, days=30, now=NOW)

    assert (found.requests, found.finished, found.by_protocol, found.denied, found.cancelled) == (5, 3, 2, 1, 1)
    assert (found.median_hours, round(found.p90_hours or 0, 6)) == (4.0, 8.8)
    assert [(row.reason, row.count) for row in found.reasons] == [("needs_tests", 1)]
    assert round(found.by_protocol_percent or 0, 4) == 66.6667
    assert round(found.denied_percent or 0, 4) == 33.3333


def test_another_clinic_and_an_empty_period_count_nothing(clinic: Clinic) -> None:
    _arrange(clinic)

    other = refill_metrics(organization=OrganizationFactory(), days=30, now=NOW)
    week = refill_metrics(organization=clinic.home, days=2, now=NOW)

    assert (other.requests, other.median_hours, other.by_protocol_percent, other.reasons) == (0, None, None, [])
    assert (week.requests, week.finished) == (0, 0)


def test_the_page_is_for_the_clinics_refill_staff(clinic: Clinic) -> None:
    _arrange(clinic)
    url = reverse("staff_refills_metrics")
    nurse = sign_in(Client(), clinic.nurse.user, second_factor=True)

    page = nurse.get(url, {"days": 90})
    patient = patient_with_two(clinic)

    text = page.content.decode()
    assert page.status_code == 200
    assert "Refill request turnaround" in text
    assert "A test is needed first; we will tell you which one." in text
    assert "It is too soon" in text  # the 40-day-old denial, within 90 days
    assert sign_in(Client(), patient.user).get(url).status_code == 404
