"""The demo clinic's refills: pharmacies, the starter protocols, and the demo patient's requests
in each state, made through the services; a second run changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.models import Patient
from refills.models import Pharmacy, PharmacyMessage, PreferredPharmacy, RefillProtocol, RefillRequest

pytestmark = pytest.mark.django_db


def test_the_demo_has_pharmacies_protocols_and_requests_in_each_state() -> None:
    call_command("demo_data", quiet=True)
    sarah = Patient.objects.get(mrn="LPC-100001")
    lucia = Patient.objects.get(mrn="LPC-100002")

    statuses = sorted(RefillRequest.objects.filter(patient=sarah).values_list("status", flat=True))
    hers = sorted(RefillRequest.objects.filter(patient=lucia).values_list("status", flat=True))
    assert Pharmacy.objects.count() == 3
    assert RefillProtocol.objects.count() == 8
    assert RefillProtocol.objects.filter(approved_by="").count() == 8  # pending a clinician
    assert PreferredPharmacy.objects.get(patient=sarah).pharmacy.name == "Lakeside Community Pharmacy"
    assert statuses == ["in_review", "sent", "submitted"]
    assert hers == ["denied", "needs_visit", "sent"]
    # Sarah's lisinopril by protocol (the nurse), Lucia's change by the physician.
    decided = dict(RefillRequest.objects.filter(status="sent").values_list("patient__mrn", "decided_by__email"))
    assert decided == {"LPC-100001": "ana.lopez@lakeside.example", "LPC-100002": "samuel.okafor@lakeside.example"}
    assert list(PharmacyMessage.objects.filter(sent_at__isnull=True)) == []

    call_command("demo_data", quiet=True)
    assert RefillRequest.objects.count() == 6
