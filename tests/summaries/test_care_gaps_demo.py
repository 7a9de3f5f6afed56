"""The demo's care gaps: the starter rules loaded and approved as the demo's stand-in (never as a
clinician), and every demo patient's gaps evaluated, so the demo shows gaps; a second run changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.models import Patient
from summaries.models import CareGap, CareGapRule
from summaries.services.care_gaps import DEMO_APPROVAL

pytestmark = pytest.mark.django_db


def test_the_demo_approves_the_starter_rules_as_a_demo_and_evaluates_every_patient() -> None:
    call_command("demo_data", quiet=True)

    rules = list(CareGapRule.objects.all())
    assert len(rules) == 7 and {rule.approved_by for rule in rules} == {DEMO_APPROVAL}
    assert CareGap.objects.count() == 7 * Patient.objects.count()
    assert CareGap.objects.filter(status=CareGap.Status.OPEN).exists()
    assert CareGap.objects.filter(status=CareGap.Status.CLOSED).exists()
    before = sorted(CareGap.objects.values_list("patient_id", "rule__key", "status", "due_on", "evidence_id"))

    call_command("demo_data", quiet=True)
    after = sorted(CareGap.objects.values_list("patient_id", "rule__key", "status", "due_on", "evidence_id"))
    assert CareGapRule.objects.count() == 7 and after == before
