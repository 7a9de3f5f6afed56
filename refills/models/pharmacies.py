"""Pharmacies a prescription can be sent to, and each patient's preferred one."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class Pharmacy(models.Model):
    """A pharmacy the clinic sends prescriptions to (its e-prescribing id when it has one)."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # The NCPDP id e-prescribing networks know a pharmacy by ("" for one added by a patient).
    ncpdp_id = models.CharField(_("NCPDP id"), max_length=7, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # A pharmacy a patient added is theirs alone (which pharmacy someone uses is theirs) until the
    # clinic reviews it and clears this, making it one every patient can find.
    added_for = models.ForeignKey(
        "portal.Patient",
        verbose_name=_("added by patient (private until reviewed)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Whether a caregiver added it: a pharmacy a 12-17-year-old added herself stays hidden from a
    # caregiver who may not see her confidential items (where she fills them is hers too).
    added_by_caregiver = models.BooleanField(_("added by a caregiver"), default=False)

    class Meta:
        verbose_name = _("pharmacy")
        verbose_name_plural = _("pharmacies")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["ncpdp_id"], condition=~models.Q(ncpdp_id=""), name="pharmacy_ncpdp_unique"
            ),
            models.UniqueConstraint(
                fields=["name", "address"],
                condition=models.Q(added_for__isnull=True),
                name="pharmacy_name_address_unique",
            ),
            models.UniqueConstraint(
                fields=["name", "address", "added_for"],
                condition=models.Q(added_for__isnull=False),
                name="pharmacy_private_name_address_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.address}" if self.address else self.name


class PreferredPharmacy(models.Model):
    """The pharmacy a patient's refill requests go to unless they choose another."""

    patient = models.OneToOneField("portal.Patient", on_delete=models.CASCADE, related_name="+")
    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    # Chosen with a teenager's confidential request: her caregivers neither see nor change it.
    confidential = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("preferred pharmacy")

    def __str__(self) -> str:
        return str(self.pharmacy)
