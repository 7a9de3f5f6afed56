"""Every demo patient with an account opens their home and their briefing page, built as the worker
builds them. A care-gap or bill line (a plain date) once made most demo homes answer 500: the
reviewers' first click after signing in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from portal.models import Patient
from summaries.services import refresh
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_every_demo_patient_opens_their_home_and_briefing(client: Client) -> None:
    call_command("demo_data", quiet=True)
    patients = list(Patient.objects.filter(user__isnull=False).select_related("user"))
    assert len(patients) >= 4  # Sarah, Lucía, Emma and Michael sign in
    refresh.rebuild_many([patient.pk for patient in patients])
    for patient in patients:
        sign_in(client, patient.user)
        for url in (f"/p/{patient.pk}/", f"/p/{patient.pk}/briefing/"):
            response = client.get(url)
            assert response.status_code == 200, (patient.mrn, url)
