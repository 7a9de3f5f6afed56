"""The demo's care gaps: the starter rules, approved as the demo's stand-in (never a clinician's
approval, and written so), evaluated for every demo patient. Registered with the portal's demo
builders (summaries/apps.py) after the records, which it reads."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time

from django.utils import timezone

from portal.demo_builders import DemoChanges, DemoClinic
from summaries.services import care_gaps


def build_demo_care_gaps(clinic: DemoClinic) -> DemoChanges:
    added = care_gaps.load_starter_rules()
    approved = care_gaps.approve_for_demo(today=clinic.today)
    now = timezone.make_aware(datetime.combine(clinic.today, time(12)))
    gaps = sum(len(care_gaps.evaluate(patient.pk, now=now)) for patient in clinic.patients.values())
    return DemoChanges(created=Counter(CareGapRule=len(added), CareGap=gaps), updated=Counter(CareGapRule=approved))
