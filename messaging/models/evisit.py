"""E-visit billing: staff time on a thread (`TimeEntry`) and a clinician's confirmed
online digital evaluation (`EvisitClaim`)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.models.threads import Thread


class TimeEntry(models.Model):
    """Staff time on a thread, for e-visit billing: active time measured while the thread is
    open in front of them (reading, composing), or a manual adjustment with a reason."""

    class Source(models.TextChoices):
        ACTIVE = "active", _("Measured")
        MANUAL = "manual", _("Adjusted by hand")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="time_entries")
    staff = models.ForeignKey("portal.StaffMember", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)
    # Positive for measured time; a manual adjustment may take time away (never to below zero in
    # total, which the service checks).
    seconds = models.IntegerField()
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(source__in=["active", "manual"]), name="time_entry_source_valid"),
            models.CheckConstraint(
                condition=(models.Q(source="active", seconds__gt=0, seconds__lte=300))
                | models.Q(source="manual", note__gt="", seconds__gte=-14400, seconds__lte=14400)
                & ~models.Q(seconds=0),
                name="time_entry_seconds_valid",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["thread", "staff", "at"], name="time_entry_thread_staff")]

    def __str__(self) -> str:
        return f"Time entry {self.pk}"


class EvisitClaim(models.Model):
    """A clinician's confirmed online digital evaluation (e-visit) on a thread: the code the
    cumulative time over seven days suggested, as confirmed. One per thread and seven-day period."""

    class Code(models.TextChoices):
        CPT_99421 = "99421", _("99421: physician or other qualified professional, 5-10 minutes")
        CPT_99422 = "99422", _("99422: physician or other qualified professional, 11-20 minutes")
        CPT_99423 = "99423", _("99423: physician or other qualified professional, 21 minutes or more")
        CPT_98970 = "98970", _("98970: qualified non-physician professional, 5-10 minutes")
        CPT_98971 = "98971", _("98971: qualified non-physician professional, 11-20 minutes")
        CPT_98972 = "98972", _("98972: qualified non-physician professional, 21 minutes or more")

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="evisit_claims")
    clinician = models.ForeignKey("portal.StaffMember", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=5, choices=Code.choices)
    minutes = models.PositiveIntegerField()
    # The seven days the time was counted over (the first day is the patient's first message).
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-confirmed_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["thread", "period_start"], name="evisit_claim_once_per_period"),
            models.CheckConstraint(condition=models.Q(minutes__gte=5), name="evisit_claim_at_least_5_minutes"),
            models.CheckConstraint(
                condition=models.Q(code__in=["99421", "99422", "99423", "98970", "98971", "98972"]),
                name="evisit_claim_code_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")), name="evisit_claim_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"E-visit claim {self.pk}"
