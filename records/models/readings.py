"""Readings patients take at home, and the limits that send one to the care team."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReadingThreshold(models.Model):
    """When a home reading needs the care team: per patient, or the clinic default (patient empty)."""

    class Measure(models.TextChoices):
        SYSTOLIC = "systolic", _("Blood pressure, top number")
        DIASTOLIC = "diastolic", _("Blood pressure, bottom number")
        GLUCOSE = "glucose", _("Blood sugar")
        WEIGHT = "weight", _("Weight")

    patient = models.ForeignKey("portal.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=16, choices=Measure.choices)
    low = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    high = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "measure"], name="reading_threshold_one_per_measure"),
            models.UniqueConstraint(
                fields=["measure"],
                condition=models.Q(patient__isnull=True),
                name="reading_threshold_one_default_per_measure",
            ),
            models.CheckConstraint(
                condition=models.Q(low__isnull=True) | models.Q(high__isnull=True) | models.Q(low__lt=models.F("high")),
                name="reading_threshold_low_below_high",
            ),
        ]

    def __str__(self) -> str:
        return f"Threshold {self.measure} for {self.patient_id or 'everyone'}"


class HomeReading(models.Model):
    """A reading the patient took at home: blood pressure, blood sugar or weight."""

    class Kind(models.TextChoices):
        BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
        GLUCOSE = "glucose", _("Blood sugar")
        WEIGHT = "weight", _("Weight")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="home_readings")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)  # mg/dL or lb
    note = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="blood_pressure", systolic__isnull=False, diastolic__isnull=False)
                    | (~models.Q(kind="blood_pressure") & models.Q(value__isnull=False))
                ),
                name="home_reading_has_its_values",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["patient", "kind", "-taken_at"])]

    def __str__(self) -> str:
        return f"Home reading {self.pk}"
