"""The waitlist: "tell me if something earlier opens" for a visit type and a window of days, and
the offers sent when a booked time frees up. The first to accept gets the time (the appointment
constraints and one accepted offer per time decide); the others are told it is gone."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Waiting")
        BOOKED = "booked", _("Booked from an offer")
        CANCELLED = "cancelled", _("Left the waitlist")
        EXPIRED = "expired", _("The window passed")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="waitlist_entries")
    visit_type = models.ForeignKey("scheduling.VisitType", on_delete=models.CASCADE, related_name="waitlist_entries")
    # Empty: any provider who offers the visit type (and whom the visit type's rules allow).
    provider = models.ForeignKey(
        "portal.StaffMember", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    earliest = models.DateField(_("from"))
    latest = models.DateField(_("until"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("waitlist entries")
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "booked", "cancelled", "expired"]),
                name="waitlist_entry_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(latest__gte=models.F("earliest")), name="waitlist_window_valid"),
            models.UniqueConstraint(
                fields=["patient", "visit_type"],
                condition=models.Q(status="active"),
                name="waitlist_one_active_entry_per_visit_type",
            ),
        ]
        indexes: ClassVar = [
            # Who to offer a freed time: active entries of the visit type, first come first served.
            models.Index(
                fields=["visit_type", "created_at"], condition=models.Q(status="active"), name="waitlist_active"
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk}"


class WaitlistOffer(models.Model):
    """A freed time offered to one waitlisted patient, with a one-tap accept link."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        GONE = "gone", _("Taken by someone else")
        EXPIRED = "expired", _("Expired")

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    provider = models.ForeignKey("portal.StaffMember", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("scheduling.Location", on_delete=models.CASCADE, related_name="+")
    during = DateTimeRangeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OFFERED)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Stamped with the hash of the signed link in the transaction that sends it: only the link
    # actually sent works, and a row with `sent_at` is never sent again.
    token_hash = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    appointment = models.OneToOneField(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="waitlist_offer"
    )

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(status__in=["offered", "accepted", "gone", "expired"]),
                name="waitlist_offer_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(appointment__isnull=False),
                name="waitlist_offer_accepted_has_visit",
            ),
            models.UniqueConstraint(fields=["entry", "provider", "during"], name="waitlist_offer_once_per_entry"),
            # The first to accept wins: at most one accepted offer per freed time.
            models.UniqueConstraint(
                fields=["provider", "during"],
                condition=models.Q(status="accepted"),
                name="waitlist_offer_one_accepted_per_time",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="waitlist_offer_unsent"),
            models.Index(fields=["expires_at"], condition=models.Q(status="offered"), name="waitlist_offer_open"),
        ]

    def __str__(self) -> str:
        return f"Waitlist offer {self.pk}"
