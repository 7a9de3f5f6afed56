"""The append-only audit log of every read and write of a patient's data.

The database refuses UPDATE and DELETE on this table (a trigger installed by
migration 0002), so not even a bug in the application can rewrite history.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class ActingAs(models.TextChoices):
        SELF = "self", _("the patient")
        PROXY = "proxy", _("a caregiver")
        STAFF = "staff", _("clinic staff")
        SHARE_LINK = "share_link", _("someone with a share link")
        SYSTEM = "system", _("the portal")

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        SEARCH = "search", _("found in a search")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("removed")
        DOWNLOAD = "download", _("downloaded")
        SEND = "send", _("sent")
        SHARE = "share", _("shared")
        GRANT = "grant", _("granted access")
        REVOKE = "revoke", _("revoked access")

    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    acting_as = models.CharField(max_length=16, choices=ActingAs.choices)
    patient = models.ForeignKey(
        "portal.Patient", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="audit_events"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    # What was touched, as a type name and an id; never a name or a value.
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    # Which proxy scope the object belongs to ("" for profile, sharing, account).
    scope = models.CharField(max_length=16, blank=True)
    confidential = models.BooleanField(default=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering: ClassVar = ["-occurred_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["patient", "-occurred_at"]),
            models.Index(fields=["actor", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"Audit event {self.pk}"
