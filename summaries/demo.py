"""The demo's care gaps: the starter rules, approved as the demo's stand-in (never a clinician's
approval, and written so), evaluated for every demo patient. Registered with the portal's demo
builders (summaries/apps.py) after the records, which it reads."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time

from django.utils import timezone

from portal.demo_builders import DemoChanges, DemoClinic
from summaries.models import CareGap
from summaries.services import care_gaps

FIELDS = ("patient_id", "rule_id", "status", "as_of", "due_on", "evidence_id", "confidential")


def build_demo_care_gaps(clinic: DemoClinic) -> DemoChanges:
    added = care_gaps.load_starter_rules()
    approved = care_gaps.approve_for_demo(today=clinic.today)
    now = timezone.make_aware(datetime.combine(clinic.today, time(12)))
    patients = list(clinic.patients.values())
    # Counted as changes only where a gap is new or says something else, so a second run reports nothing.
    before = {row[:2]: row for row in CareGap.objects.filter(patient__in=patients).values_list(*FIELDS)}
    after = [
        tuple(getattr(gap, field) for field in FIELDS)
        for patient in patients
        for gap in care_gaps.evaluate(patient.pk, now=now)
    ]
    created = sum(1 for row in after if row[:2] not in before)
    updated = sum(1 for row in after if row[:2] in before and before[row[:2]] != row)
    return DemoChanges(
        created=Counter({"CareGapRule": len(added), "CareGap": created}),
        updated=Counter({"CareGapRule": approved, "CareGap": updated}),
    )
