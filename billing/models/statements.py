"""Statements: what was billed to the patient on a day, with its lines, a due date and a code
for paying without an account."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from billing.models.accounts import Account
from billing.models.charges import ChargeLine


class Statement(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="statements")
    # Printed on the paper statement; with the date of birth it opens guest pay.
    code = models.CharField(max_length=16, unique=True)
    issued_on = models.DateField()
    due_on = models.DateField()
    # What the account owed when the statement was issued (the lines plus earlier balance).
    amount_due_cents = models.BigIntegerField()
    # Guest pay: wrong dates of birth entered with this code; at GUEST_LOCK_AFTER it locks.
    guest_failures = models.PositiveSmallIntegerField(default=0)
    guest_locked = models.BooleanField(default=False)
    # The latest wrong date of birth: a lock, and the count, last GUEST_LOCK_WINDOW after it.
    guest_failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            # One statement per account a day: issuing twice the same day finds the first.
            models.UniqueConstraint(fields=["account", "issued_on"], name="billing_statement_one_a_day"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("issued_on")), name="billing_statement_due_after"),
            models.CheckConstraint(condition=Q(amount_due_cents__gte=0), name="billing_statement_due_not_negative"),
        ]
        ordering: ClassVar = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"Statement {self.code}"


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    charge_line = models.ForeignKey(ChargeLine, on_delete=models.PROTECT, related_name="+")
    patient_owes_cents = models.BigIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["statement", "charge_line"], name="billing_statement_line_unique"),
        ]

    def __str__(self) -> str:
        return f"Line {self.charge_line_id} on statement {self.statement_id}"
