"""Appointment reminders as rows: one per visit, time before it and channel, each due at a time
outside the patient's quiet hours, sent once by the reminder sweep."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.CASCADE, related_name="reminders")
    # Which reminder of the schedule this is (minutes before the visit), e.g. 1440 for "a day before".
    offset_minutes = models.PositiveIntegerField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Not sent because the visit was cancelled or moved before it was due.
    skipped_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["due_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["appointment", "offset_minutes", "channel"], name="reminder_once_per_offset_channel"
            ),
            models.CheckConstraint(condition=models.Q(channel__in=["email", "sms"]), name="reminder_channel_valid"),
            models.CheckConstraint(
                condition=models.Q(sent_at__isnull=True) | models.Q(skipped_at__isnull=True),
                name="reminder_sent_or_skipped",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(sent_at__isnull=True, skipped_at__isnull=True),
                name="reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.pk}"
