"""A guarantor account: what one patient owes one organization, kept as ledger rows."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A member ID or group number as printed on an insurance card: letters, digits, dashes.
INSURANCE_ID = r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$"


class Account(models.Model):
    """One patient's account with one organization. `balance_cents` is a running total kept in
    the same transaction as each ledger row (the rows are the truth; a test checks they agree)."""

    class Coverage(models.TextChoices):
        # Not said: insured if an insurer is on file (a claim it answered or is working on).
        UNKNOWN = "unknown", _("Not said")
        INSURED = "insured", _("Insured, billing insurance")
        UNINSURED = "uninsured", _("No insurance")
        SELF_PAY = "self_pay", _("Insured, paying without insurance")

    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="billing_accounts")
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    balance_cents = models.BigIntegerField(_("balance (cents)"), default=0)
    # Whether the clinic lets this account pay more than it owes (a credit for later visits).
    allows_prepayment = models.BooleanField(default=False)
    # Paperless statements: an explicit choice the patient made (and can take back), with when.
    paperless = models.BooleanField(default=False)
    paperless_changed_at = models.DateTimeField(null=True, blank=True)
    # What the patient (or staff) said about insurance for this organization's care.
    coverage = models.CharField(max_length=12, choices=Coverage.choices, default=Coverage.UNKNOWN)
    # The insurance on file, as billing staff entered it from the card (claims name their insurer too).
    insurer_name = models.CharField(_("insurance company"), max_length=200, blank=True)
    insurance_member_id = models.CharField(_("member ID"), max_length=40, blank=True)
    insurance_group = models.CharField(_("group number"), max_length=40, blank=True)
    coverage_changed_at = models.DateTimeField(null=True, blank=True)
    coverage_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(coverage__in=["unknown", "insured", "uninsured", "self_pay"]),
                name="billing_account_coverage_valid",
            ),
            models.UniqueConstraint(fields=["patient", "organization"], name="billing_account_unique_per_org"),
            models.CheckConstraint(
                condition=models.Q(insurance_member_id="") | models.Q(insurance_member_id__regex=INSURANCE_ID),
                name="billing_account_member_id_shape",
            ),
            models.CheckConstraint(
                condition=models.Q(insurance_group="") | models.Q(insurance_group__regex=INSURANCE_ID),
                name="billing_account_group_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"Account {self.pk} ({self.organization_id})"
