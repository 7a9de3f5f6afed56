"""The demo clinic's refills: pharmacies, the starter protocols, and the demo patient's requests
in each state, made through the services; a second run changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.access import Access, Action
from portal.models import AuditEvent, Patient
from refills.models import Pharmacy, PharmacyMessage, PreferredPharmacy, RefillProtocol, RefillRequest
from refills.selectors.patient import actions_by_key

pytestmark = pytest.mark.django_db


def test_the_demo_has_pharmacies_protocols_and_requests_in_each_state() -> None:
    call_command("demo_data", quiet=True)
    sarah = Patient.objects.get(mrn="LPC-100001")
    lucia = Patient.objects.get(mrn="LPC-100002")

    statuses = sorted(RefillRequest.objects.filter(patient=sarah).values_list("status", flat=True))
    hers = sorted(RefillRequest.objects.filter(patient=lucia).values_list("status", flat=True))
    assert Pharmacy.objects.count() == 3
    assert RefillProtocol.objects.count() == 8
    # Approved for the demo by its medical director (a real clinic's clinician approves them).
    assert RefillProtocol.objects.filter(approved_by="").count() == 0
    assert PreferredPharmacy.objects.get(patient=sarah).pharmacy.name == "Lakeside Community Pharmacy"
    assert statuses == ["in_review", "sent", "submitted"]
    assert hers == ["cancelled", "denied", "needs_visit", "sent"]
    bridge = RefillRequest.objects.get(patient=lucia, status="needs_visit")
    assert (bridge.bridge_days_supply, bridge.pharmacy_message.sent_at is not None) == (30, True)
    # Sarah's lisinopril by protocol (the nurse), Lucia's change by the physician.
    decided = dict(RefillRequest.objects.filter(status="sent").values_list("patient__mrn", "decided_by__email"))
    assert decided == {
        "LPC-100001": "ana.lopez@lakeside.example",
        "LPC-100002": "samuel.okafor@lakeside.example",
        "LPC-100003": "ana.lopez@lakeside.example",  # Michael's statin, renewed to his annual visit
    }
    assert list(PharmacyMessage.objects.filter(sent_at__isnull=True)) == []

    # A patient renewed their long-term medicines to the annual visit; Robert's pharmacy asked to
    # renew his lisinopril.
    aligned = list(RefillRequest.objects.filter(align_to__isnull=False))
    assert aligned
    assert len({(r.patient_id, r.thread_id, r.align_to) for r in aligned}) == 1
    asked = RefillRequest.objects.get(patient__mrn="LPC-100007")
    first = asked.thread.messages.get()  # type: ignore[union-attr]
    assert (asked.pharmacy_message_id, first.author, first.sender) == (
        "demo-renewal-1",
        None,
        "Main Street Drugs (pharmacy system)",
    )
    # The medicine list's other cases: another organization's, and a controlled one.
    dorothy, fatima = Patient.objects.get(mrn="LPC-100006"), Patient.objects.get(mrn="LPC-100016")
    assert _action(dorothy, "310429") == ("outside", "Riverside Cardiology", "(312) 555-0180")
    assert _action(fatima, "1049621")[0] == "controlled"
    # Most finished by protocol, without the physician.
    finished = RefillRequest.objects.exclude(decided_by=None)
    by_nurse = finished.filter(decided_by__email="ana.lopez@lakeside.example").count()
    assert by_nurse > finished.count() / 2

    call_command("demo_data", quiet=True)
    assert RefillRequest.objects.count() == 8 + len(aligned)


def _action(patient: Patient, code: str) -> tuple[str, str, str]:
    access = Access(patient, AuditEvent.ActingAs.SYSTEM, Action.REFILLS)
    actions = actions_by_key(access, today=timezone.localdate()).values()
    found = next(m for m in actions if m.prescription is not None and m.prescription.code == code)
    prescriber = found.prescriber
    return found.action, prescriber.name if prescriber else "", prescriber.phone if prescriber else ""
