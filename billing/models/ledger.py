"""The account's ledger: append-only rows (a database trigger refuses UPDATE and DELETE), each
moving what the patient owes; corrections are new rows. Positive amounts add to what is owed."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.accounts import Account
from billing.models.charges import ChargeLine


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        CHARGE_CORRECTION = "charge_correction", _("Charge corrected after insurance")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        ADJUSTMENT = "adjustment", _("Adjustment")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_cents = models.BigIntegerField()
    charge_line = models.ForeignKey(ChargeLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    reason = models.CharField(max_length=300, blank=True)
    # What made this row, unique per account: the same event twice writes one row.
    idempotency_key = models.CharField(max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="billing_ledger_unique_key"),
            models.CheckConstraint(condition=~Q(amount_cents=0), name="billing_ledger_not_zero"),
            models.CheckConstraint(
                condition=(Q(kind="charge", amount_cents__gt=0, charge_line__isnull=False))
                | Q(kind="charge_correction", charge_line__isnull=False)
                | Q(kind="payment", amount_cents__lt=0, payment__isnull=False)
                | Q(kind="refund", amount_cents__gt=0, payment__isnull=False)
                | Q(kind="adjustment", reason__gt=""),
                name="billing_ledger_kind_shape",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["account", "created_at"])]
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents} on account {self.account_id}"
