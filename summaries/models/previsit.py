"""The clinician's pre-visit briefing, stored: one row per visit, built by workers the evening
before and when the visit is booked, read (and audited) when a clinician opens it."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class PrevisitBriefing(models.Model):
    """What a clinician reads before one visit. `content` is a dict (summaries/services/previsit.py
    writes it, summaries/selectors/staff.py reads it): the reason for the visit, what changed since
    the patient's last visit here (briefing lines: phrase keys and params, never a sentence), open
    care gaps, the check-in answers, the home readings' trend, open threads and the sections other
    apps register (portal/previsit_items.py). `since` is where "what changed" begins."""

    appointment = models.OneToOneField("scheduling.Appointment", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="+")
    content = models.JSONField(default=dict)
    since = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["patient", "built_at"], name="previsit_patient_built")]

    def __str__(self) -> str:
        return f"Pre-visit briefing of appointment {self.appointment_id} v{self.version}"
