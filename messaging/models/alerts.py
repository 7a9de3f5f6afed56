"""A `SetupAlert` says where missing configuration made the portal fall back (an unrouted
category, no SLA policy, a pool nobody staffs), so nothing fails silently."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.models.routing import Category, Pool
from messaging.models.threads import Thread


class SetupAlert(models.Model):
    """Configuration was missing and the portal fell back, so an administrator should look:
    a category no rule routes, no SLA policy, no business calendar, a pool with nobody in it,
    a late thread with no lead to take it over. Ids only, never message content."""

    class Kind(models.TextChoices):
        UNROUTED = "unrouted", _("No routing rule: sent to the fallback pool")
        NO_SLA_POLICY = "no_sla_policy", _("No SLA policy: the built-in time was used")
        NO_CALENDAR = "no_calendar", _("No business calendar: weekdays 8:00-17:00 were assumed")
        UNSTAFFED_POOL = "unstaffed_pool", _("The pool has no active members")
        NO_OWNER = "no_owner", _("Nobody could be named to answer")
        NO_LEAD = "no_lead", _("A late thread had no pool lead to take it over")
        NO_TRIAGE = "no_triage", _("An urgent message had no nurse triage or physician inbox to go to")

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("setup alert")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(
                fields=["organization", "-created_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="setup_alert_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"
