"""Payment plans: a clinic's rules (data, per organization), a patient's plan, and one row per
instalment, each a promise the beat sweep keeps. An instalment is charged with an idempotency key
derived from its own row and attempt number, so a retry, a killed worker's rerun or a second worker
never charges it twice."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.accounts import Account
from billing.models.payments import Payment


class PlanRules(models.Model):
    """What an organization allows in a payment plan (set by administrators in the admin)."""

    organization = models.OneToOneField(
        "portal.Organization", on_delete=models.PROTECT, related_name="billing_plan_rules"
    )
    minimum_monthly_cents = models.BigIntegerField(_("smallest monthly amount (cents)"))
    maximum_months = models.PositiveSmallIntegerField(_("most months a plan may run"))

    class Meta:
        verbose_name = _("payment plan rules")
        verbose_name_plural = _("payment plan rules")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(minimum_monthly_cents__gt=0), name="billing_planrules_min_positive"),
            models.CheckConstraint(
                condition=Q(maximum_months__gte=1) & Q(maximum_months__lte=120), name="billing_planrules_months_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan rules ({self.organization_id})"


class PaymentPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Paid off")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="plans")
    monthly_cents = models.BigIntegerField()
    day_of_month = models.PositiveSmallIntegerField()
    total_cents = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # The gateway's token for the card (never the number) and its last four digits.
    card_token = models.CharField(max_length=128)
    card_last4 = models.CharField(max_length=4)
    created_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Who cancelled it and why, when billing staff did (blank when the patient did).
    cancelled_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(status="active"), name="billing_plan_one_active_per_account"
            ),
            models.CheckConstraint(condition=Q(monthly_cents__gt=0), name="billing_plan_monthly_positive"),
            models.CheckConstraint(condition=Q(total_cents__gt=0), name="billing_plan_total_positive"),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1) & Q(day_of_month__lte=28), name="billing_plan_day_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "completed", "cancelled"]), name="billing_plan_status_valid"
            ),
            models.CheckConstraint(condition=Q(card_last4__regex=r"^[0-9]{4}$"), name="billing_plan_last4_only"),
            models.CheckConstraint(
                condition=Q(cancelled_by__isnull=True) | (Q(status="cancelled") & Q(cancel_reason__gt="")),
                name="billing_plan_staff_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} ({self.status})"


class Instalment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CHARGING = "charging", _("Processing")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Not paid")
        CANCELLED = "cancelled", _("Cancelled")

    # Attempts at one instalment, and the wait before each retry after a decline.
    MAX_ATTEMPTS: ClassVar[int] = 3

    plan = models.ForeignKey(PaymentPlan, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount_cents = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    failure_code = models.CharField(max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "number"], name="billing_instalment_unique_number"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="billing_instalment_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "charging", "paid", "failed", "cancelled"]),
                name="billing_instalment_status_valid",
            ),
            models.CheckConstraint(condition=Q(attempts__lte=3), name="billing_instalment_attempts_bounded"),
            models.CheckConstraint(
                condition=~Q(status__in=["charging", "paid"]) | Q(payment__isnull=False),
                name="billing_instalment_charge_has_payment",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"Instalment {self.plan_id}/{self.number} ({self.status})"

    def gateway_key(self) -> str:
        """This attempt's key at the gateway: the row and the attempt, nothing else."""
        return f"instalment-{self.pk}-try-{self.attempts}"
