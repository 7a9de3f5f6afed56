"""Links a patient makes to show a read-only summary of their record to someone without an account."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShareLink(models.Model):
    """An expiring, scoped, revocable read-only view of the record for someone outside the portal."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("who it is for"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    kinds = models.JSONField(default=list)  # RecordItem kinds the link shows
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="share_link_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"Share link {self.pk}"
