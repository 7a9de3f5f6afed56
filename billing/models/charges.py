"""Charges built from imported claims: one per claim (an encounter), one line per service with the
insurer's adjudication. Amounts are integer cents."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.accounts import Account


class Charge(models.Model):
    """One claim for one encounter. A claim the insurer has not answered yet (no explanation of
    benefits, or one still queued) is `with_insurance` and is not billed to the patient."""

    class Status(models.TextChoices):
        WITH_INSURANCE = "with_insurance", _("Insurance is still working on this")
        ADJUDICATED = "adjudicated", _("Insurance has paid its part")
        SELF_PAY = "self_pay", _("Self-pay")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="charges")
    # The source system's Claim id (unique per organization: one charge per claim).
    claim_id = models.CharField(max_length=128)
    eob_id = models.CharField(max_length=128, blank=True)
    encounter_ref = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    claim_type = models.CharField(max_length=32, blank=True)
    service_date = models.DateField()
    provider_name = models.CharField(max_length=200, blank=True)
    insurer_name = models.CharField(max_length=200, blank=True)
    # The hash of the source resources this charge was built from: a re-import with the same
    # hash changes nothing.
    source_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["account", "claim_id"], name="billing_charge_unique_claim"),
            models.CheckConstraint(
                condition=Q(status__in=["with_insurance", "adjudicated", "self_pay"]),
                name="billing_charge_status_valid",
            ),
        ]
        ordering: ClassVar = ["-service_date", "pk"]

    def __str__(self) -> str:
        return f"Charge {self.pk} for claim {self.claim_id}"


class ChargeLine(models.Model):
    """One service of a charge with its adjudication. What the patient owes for it is the sum of
    the patient-share parts (deductible, copay, coinsurance, not covered), held by a constraint."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="lines")
    sequence = models.PositiveIntegerField()
    service_system = models.CharField(max_length=200, blank=True)
    service_code = models.CharField(max_length=64, blank=True)
    service_display = models.CharField(max_length=300)
    submitted_cents = models.BigIntegerField(default=0)
    allowed_cents = models.BigIntegerField(default=0)
    insurer_paid_cents = models.BigIntegerField(default=0)
    deductible_cents = models.BigIntegerField(default=0)
    copay_cents = models.BigIntegerField(default=0)
    coinsurance_cents = models.BigIntegerField(default=0)
    not_covered_cents = models.BigIntegerField(default=0)
    patient_owes_cents = models.BigIntegerField(default=0)
    # Whether the insurer adjudicated this line (a line it said nothing about is not billed).
    adjudicated = models.BooleanField(default=False)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["charge", "sequence"], name="billing_line_unique_sequence"),
            models.CheckConstraint(
                condition=Q(submitted_cents__gte=0)
                & Q(allowed_cents__gte=0)
                & Q(insurer_paid_cents__gte=0)
                & Q(deductible_cents__gte=0)
                & Q(copay_cents__gte=0)
                & Q(coinsurance_cents__gte=0)
                & Q(not_covered_cents__gte=0),
                name="billing_line_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    patient_owes_cents=F("deductible_cents")
                    + F("copay_cents")
                    + F("coinsurance_cents")
                    + F("not_covered_cents")
                ),
                name="billing_line_patient_share_is_sum",
            ),
        ]
        ordering: ClassVar = ["charge", "sequence"]

    def __str__(self) -> str:
        return f"Line {self.sequence} of charge {self.charge_id}"

    @property
    def adjustment_cents(self) -> int:
        """What the insurer's contract took off the submitted charge (submitted minus the rest)."""
        return self.submitted_cents - self.insurer_paid_cents - self.patient_owes_cents
