"""Charges are built right after a claim import commits (records announces the import's patients
through portal.briefing_inputs; billing listens), not only by the 15-minute sweep."""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest

from billing.models import Charge
from billing.services import charges
from portal import briefing_inputs
from portal.factories import PatientFactory
from portal.models import Organization, Patient
from tests.billing.conftest import import_bundle
from tests.records.conftest import BUNDLE

pytestmark = pytest.mark.django_db


def test_an_import_with_claims_builds_the_patients_charges_once_it_commits(
    hospital: Organization, django_capture_on_commit_callbacks: Callable, eager_tasks: None
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        patient = import_bundle(hospital, BUNDLE)

    assert Charge.objects.filter(account__patient=patient).count() == 5


def test_an_import_that_rolls_back_builds_nothing(hospital: Organization, eager_tasks: None) -> None:
    with mock.patch("billing.services.charges.queue_task") as queued:
        patient = import_bundle(hospital, BUNDLE)  # the test's transaction never commits

    assert queued.call_count == 0
    assert not Charge.objects.filter(account__patient=patient).exists()


def test_the_same_claims_imported_again_queue_no_second_build(
    hospital: Organization, django_capture_on_commit_callbacks: Callable, eager_tasks: None
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        patient = import_bundle(hospital, BUNDLE)

    with mock.patch("billing.services.charges.queue_task") as queued, django_capture_on_commit_callbacks(execute=True):
        import_bundle(hospital, BUNDLE)
        briefing_inputs.changed(patient.pk)

    assert queued.call_count == 0
    assert Charge.objects.filter(account__patient=patient).count() == 5


def test_a_change_of_a_patient_without_claims_queues_nothing(django_capture_on_commit_callbacks: Callable) -> None:
    patient: Patient = PatientFactory()

    with mock.patch("billing.services.charges.queue_task") as queued, django_capture_on_commit_callbacks(execute=True):
        briefing_inputs.changed(patient.pk)

    assert queued.call_count == 0


def test_the_listener_queues_the_patients_build_by_id(kihn: Patient) -> None:
    with mock.patch("billing.services.charges.queue_task") as queued:
        charges.patient_changed(kihn.pk)

    queued.assert_called_once_with("billing.charges_for_patient", str(kihn.pk))
