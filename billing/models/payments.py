"""Payments: one row per idempotency key per account, written before the gateway is asked, so a
double click, a retry or a second tab finds the row and never charges twice. Card data is never
stored: only the gateway's reference and the card's last four digits."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.accounts import Account


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Processing")
        SUCCEEDED = "succeeded", _("Paid")
        DECLINED = "declined", _("Declined")
        REQUIRES_ACTION = "requires_action", _("Needs your bank's confirmation")
        REFUNDED = "refunded", _("Refunded")

    class Purpose(models.TextChoices):
        FULL = "full", _("The full balance")
        STATEMENT = "statement", _("A statement's balance")
        AMOUNT = "amount", _("An amount you chose")
        INSTALMENT = "instalment", _("A payment plan instalment")

    # The only moves a payment makes; the service refuses any other.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.PENDING: frozenset({Status.SUCCEEDED, Status.DECLINED, Status.REQUIRES_ACTION}),
        Status.REQUIRES_ACTION: frozenset({Status.SUCCEEDED, Status.DECLINED}),
        Status.SUCCEEDED: frozenset({Status.REFUNDED}),
        Status.DECLINED: frozenset(),
        Status.REFUNDED: frozenset(),
    }

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    statement = models.ForeignKey(
        "billing.Statement", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    amount_cents = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway = models.CharField(max_length=32)
    gateway_reference = models.CharField(max_length=128, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    refunded_cents = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="billing_payment_unique_key"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="billing_payment_positive"),
            models.CheckConstraint(
                condition=Q(refunded_cents__gte=0) & Q(refunded_cents__lte=models.F("amount_cents")),
                name="billing_payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "declined", "requires_action", "refunded"]),
                name="billing_payment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(purpose="statement") | Q(statement__isnull=False),
                name="billing_payment_statement_named",
            ),
            models.CheckConstraint(
                condition=Q(card_last4="") | Q(card_last4__regex=r"^[0-9]{4}$"), name="billing_payment_last4_only"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["created_at", "status"])]

    def __str__(self) -> str:
        return f"Payment {self.pk} ({self.status})"

    @property
    def has_receipt(self) -> bool:
        """Only money that went through has a receipt (kept when it is refunded later)."""
        return self.status in (self.Status.SUCCEEDED, self.Status.REFUNDED)


class GatewayCharge(models.Model):
    """The test gateway's own book of the charges it made, as a processor keeps one: unique by the
    idempotency key the portal sends, so the same key never charges twice (Stripe honours its
    Idempotency-Key header the same way)."""

    idempotency_key = models.CharField(max_length=128, unique=True)
    reference = models.CharField(max_length=64, unique=True)
    amount_cents = models.BigIntegerField()
    outcome = models.CharField(max_length=32)
    refunded_cents = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="billing_gateway_charge_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.outcome})"
