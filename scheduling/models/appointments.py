"""Appointments and the requests staff handle (a visit to book, a late cancellation or change).

No double booking, ever: two exclusion constraints refuse overlapping time for one provider and
for one patient among appointments that occupy time (every status but cancelled and expired).
A hold is an appointment in status `held` with `hold_expires_at`; a stale hold still occupies
its time until it is marked expired, which the booking path does for the holds in its way (in
its own transaction) and the hold sweep does for the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    HELD = "held", _("Held while you confirm")
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Checked in")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Hold ran out")


# The statuses whose time is taken: the exclusion constraints and slot search use these.
OCCUPYING = (Status.HELD, Status.BOOKED, Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW)
# Upcoming visits a patient has (counted against a visit type's limit).
ACTIVE = (Status.HELD, Status.BOOKED)
# The one map of allowed status changes; services refuse any other.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.HELD: frozenset({Status.BOOKED, Status.EXPIRED, Status.CANCELLED}),
    Status.BOOKED: frozenset({Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED}),
    Status.ARRIVED: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.NO_SHOW: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.EXPIRED: frozenset(),
}


class Source(models.TextChoices):
    SELF = "self", _("Booked online by the patient or a caregiver")
    STAFF = "staff", _("Booked by staff")
    WAITLIST = "waitlist", _("From the waitlist")
    REQUEST = "request", _("From a request")


class Appointment(models.Model):
    Status = Status
    Source = Source

    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="appointments")
    provider = models.ForeignKey("portal.StaffMember", on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey("scheduling.Location", on_delete=models.PROTECT, related_name="appointments")
    visit_type = models.ForeignKey("scheduling.VisitType", on_delete=models.PROTECT, related_name="appointments")
    during = DateTimeRangeField()
    status = models.CharField(max_length=12, choices=Status.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    # Empty when nobody signed in made it (a waitlist offer accepted from its emailed link).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    booked_at = models.DateTimeField(null=True, blank=True)
    # The patient said they are coming (from a reminder's link).
    confirmed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_to"
    )
    video_link = models.URLField(blank=True)
    # eCheck-in finished (scheduling.services.checkin); `arrived_at` is the front desk's mark.
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["during"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="appointment_status_valid"),
            models.CheckConstraint(condition=models.Q(source__in=Source.values), name="appointment_source_valid"),
            models.CheckConstraint(condition=models.Q(during__isempty=False), name="appointment_during_not_empty"),
            models.CheckConstraint(
                condition=~models.Q(status__in=["held", "expired"]) | models.Q(hold_expires_at__isnull=False),
                name="appointment_hold_has_expiry",
            ),
            models.CheckConstraint(
                condition=models.Q(status="cancelled", cancelled_at__isnull=False)
                | (~models.Q(status="cancelled") & models.Q(cancelled_at__isnull=True)),
                name="appointment_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["held", "expired"]) | models.Q(booked_at__isnull=False),
                name="appointment_booked_has_time",
            ),
            # btree_gist (messaging migration 0001) gives the equality parts a GiST operator class.
            ExclusionConstraint(
                name="appointment_no_provider_overlap",
                expressions=[("provider", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=models.Q(status__in=[str(status) for status in OCCUPYING]),
                violation_error_message=_("The provider already has a visit at this time."),
            ),
            ExclusionConstraint(
                name="appointment_no_patient_overlap",
                expressions=[("patient", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=models.Q(status__in=[str(status) for status in OCCUPYING]),
                violation_error_message=_("The patient already has a visit at this time."),
            ),
        ]
        indexes: ClassVar = [
            # The hold sweep: only live holds are in it.
            models.Index(fields=["hold_expires_at"], condition=models.Q(status="held"), name="appointment_live_holds"),
            models.Index(fields=["organization", "status"], name="appointment_org_status"),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk}"

    @property
    def starts_at(self) -> datetime:
        return self.during.lower

    @property
    def ends_at(self) -> datetime:
        return self.during.upper


class AppointmentRequest(models.Model):
    """Something the clinic's staff must do: book a visit the patient asked for (visit types in
    request mode), or cancel or change a visit after the online cut-off."""

    class Kind(models.TextChoices):
        BOOK = "book", _("Book a visit")
        CANCEL = "cancel", _("Cancel a visit")
        RESCHEDULE = "reschedule", _("Change a visit")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the clinic")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Not possible")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organization = models.ForeignKey("portal.Organization", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="appointment_requests")
    visit_type = models.ForeignKey("scheduling.VisitType", on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    # The patient's own words (preferred days and times); staff only and the patient.
    note = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # Empty when made from a signed link in a reminder (nobody signed in).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    # The conversation opened for it in the clinic's scheduling pool (empty for requests made
    # before messaging existed, or by a patient with no account to write as).
    thread = models.OneToOneField(
        "messaging.Thread", null=True, blank=True, on_delete=models.PROTECT, related_name="appointment_request"
    )

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["book", "cancel", "reschedule"]), name="appointment_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "done", "declined", "withdrawn"]),
                name="appointment_request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="book") | models.Q(appointment__isnull=False),
                name="appointment_request_change_names_visit",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", handled_at__isnull=True)
                | (~models.Q(status="open") & models.Q(handled_at__isnull=False)),
                name="appointment_request_handled_has_time",
            ),
            models.UniqueConstraint(
                fields=["appointment", "kind"],
                condition=models.Q(status="open"),
                name="appointment_request_one_open_per_visit",
            ),
            models.UniqueConstraint(
                fields=["patient", "visit_type"],
                condition=models.Q(status="open", kind="book"),
                name="appointment_request_one_open_booking",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["organization", "created_at"],
                condition=models.Q(status="open"),
                name="appointment_request_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment request {self.pk}"
