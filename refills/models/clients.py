"""Pharmacy systems that may send renewal requests to a clinic: one key per pharmacy and clinic,
stored only as its SHA-256 hash (the key itself is shown once, when it is issued)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class PharmacyClient(models.Model):
    """A pharmacy's system, authenticated by its key (`Authorization: Bearer <key>`), allowed to
    ask `organization` to renew its patients' prescriptions."""

    pharmacy = models.ForeignKey("refills.Pharmacy", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("label"), max_length=120, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The key's first characters, so an administrator can tell keys apart without the key.
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("issued at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pharmacy system key")
        ordering: ClassVar = ["pharmacy__name", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="pharmacy_key_hashed"),
        ]

    def __str__(self) -> str:
        return f"{self.pharmacy} ({self.key_prefix}…)"

    # DRF's IsAuthenticated-style checks read these on request.auth's holder.
    @property
    def is_authenticated(self) -> bool:
        return True
