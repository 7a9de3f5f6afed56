"""The care team's tasks about a patient (a reading out of range, a reported mistake)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from records.models.items import RecordItem
from records.models.readings import HomeReading


class CareTask(models.Model):
    """Something the care team must look at: an out-of-range reading, a correction request.
    A row, so the messaging app can route it to a pool when it exists; until then staff see a queue."""

    class Kind(models.TextChoices):
        READING = "reading", _("Home reading out of range")
        CORRECTION = "correction", _("Correction requested by the patient")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="care_tasks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    reading = models.ForeignKey(HomeReading, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(RecordItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)  # the patient's words for a correction
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["status", "created_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(kind="reading") | models.Q(reading__isnull=False),
                name="care_task_reading_has_reading",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", resolved_at__isnull=True)
                | models.Q(status="done", resolved_at__isnull=False),
                name="care_task_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Care task {self.pk}"
