"""The patient's briefing, stored: one row per patient, rebuilt by workers, read by the pages."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class Briefing(models.Model):
    """The last built briefing of one patient and whether its inputs have moved since.

    `lines` is a list of dicts (summaries/services/lines.py writes and reads them): section,
    kind, phrase key and params (never a sentence), source (model, id, URL name and kwargs),
    organizations, date, scope and `confidential`. `changes` counts the change calls
    (portal/briefing_inputs.py); `built_changes` is the count the stored lines reflect, so a build
    knows whether the inputs moved while it ran. `stale_since` is set by the first change after a
    build (which alone enqueues the debounced rebuild) and cleared by a build that saw every change."""

    patient = models.OneToOneField("portal.Patient", on_delete=models.CASCADE, related_name="briefing")
    lines = models.JSONField(default=list)
    care_team = models.JSONField(default=list)
    watermark = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)
    changes = models.PositiveBigIntegerField(default=0)
    built_changes = models.PositiveBigIntegerField(default=0)
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            # The nightly sweep: stale rows, and rows built more than a day ago.
            models.Index(fields=["stale_since"], condition=models.Q(stale_since__isnull=False), name="briefing_stale"),
            models.Index(fields=["built_at"], name="briefing_built_at"),
        ]

    def __str__(self) -> str:
        return f"Briefing of {self.patient_id} v{self.version}"

    @property
    def is_stale(self) -> bool:
        return self.stale_since is not None or self.built_at is None


class BriefingOpen(models.Model):
    """A patient (or caregiver) opened the briefing: from a notice's link or on their own. The
    insights work measures unprompted returns from these rows."""

    class Via(models.TextChoices):
        SELF = "self", "on their own"
        NOTICE = "notice", "from a notice"

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acting_as = models.CharField(max_length=8)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.SELF)
    page = models.CharField(max_length=8)  # "home", "page" or "pdf"
    version = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["patient", "user", "-opened_at"], name="briefing_open_recent")]

    def __str__(self) -> str:
        return f"{self.patient_id} opened {self.page} {self.via}"
