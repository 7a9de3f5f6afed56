"""The payment processor's webhook events, one row per event id: the row is written in the same
transaction that applies the event, so an event delivered again (or twice at once) applies once."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from billing.models.payments import Payment


class WebhookEvent(models.Model):
    class Result(models.TextChoices):
        APPLIED = "applied", "applied"
        IGNORED = "ignored", "ignored"  # a type we do not act on, or a payment not ours

    gateway = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    # Ids only: the payload (names, addresses, card details) is never kept.
    object_id = models.CharField(max_length=255, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=16, choices=Result.choices)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="billing_webhook_event_once"),
            models.CheckConstraint(
                condition=models.Q(result__in=["applied", "ignored"]), name="billing_webhook_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.event_id}"
