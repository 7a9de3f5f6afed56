"""What administrators configure: locations, visit types and their rules, which provider offers
which visit type where, weekly availability and its exceptions, and per-organization settings
(hold length, reminder schedule, quiet hours, waitlist offers)."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.choices import Weekday
from portal.models import StaffRole

# Roles that see patients and so may have hours and offer visits.
CLINICIAN_ROLES = (StaffRole.PHYSICIAN, StaffRole.NURSE, StaffRole.MEDICAL_ASSISTANT)


class TimeOfDayRange(models.Func):
    """[starts, ends) as a tsrange on a fixed date: PostgreSQL has no time range type, and the
    exclusion constraint on templates needs one to refuse overlapping hours."""

    template = "tsrange(DATE '2000-01-03' + %(expressions)s, '[)')"
    arg_joiner = ", DATE '2000-01-03' + "
    output_field = DateTimeRangeField()


class EffectiveDates(models.Func):
    """[from, until] as a daterange; an empty `until` runs on for ever."""

    template = "daterange(%(expressions)s, '[]')"
    output_field = DateRangeField()


class Location(models.Model):
    """Where an organization sees patients (a clinic building; video and phone visits name one too)."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300)
    directions = models.TextField(_("directions"), blank=True, help_text=_("Parking, entrance, floor."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("location")
        ordering: ClassVar = ["organization", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "name"], name="location_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class VisitType(models.Model):
    """A kind of visit patients may book, request or must call about, with the rules that
    decide who may book it themselves."""

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video")
        PHONE = "phone", _("Phone")

    class BookingMode(models.TextChoices):
        BOOK = "book", _("Patients book a time themselves")
        REQUEST = "request", _("Patients ask; staff book")
        CALL = "call", _("Patients call the clinic")

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="visit_types")
    name = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    modality = models.CharField(_("how"), max_length=12, choices=Modality.choices, default=Modality.IN_PERSON)
    booking_mode = models.CharField(_("booking"), max_length=8, choices=BookingMode.choices, default=BookingMode.BOOK)
    call_reason = models.CharField(
        _("why patients must call (English)"),
        max_length=300,
        blank=True,
        help_text=_('Finishes the sentence "... must be booked by phone because". Required when patients call.'),
    )
    call_reason_es = models.CharField(_("why patients must call (Spanish)"), max_length=300, blank=True)
    # Eligibility: patients who do not qualify are told which rule and why, in plain words.
    established_only = models.BooleanField(_("established patients only"), default=False)
    established_months = models.PositiveSmallIntegerField(
        _("established: a completed visit in the last (months)"), default=36, validators=[MinValueValidator(1)]
    )
    min_age = models.PositiveSmallIntegerField(_("youngest age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), null=True, blank=True)
    needs_referral = models.BooleanField(_("needs a referral"), default=False)
    primary_provider_only = models.BooleanField(
        _("with the patient's primary care provider only"),
        default=False,
        help_text=_("Otherwise: any provider who offers this visit type."),
    )
    min_lead_minutes = models.PositiveIntegerField(
        _("book at least (minutes ahead)"), default=120, help_text=_("60 is one hour; 1440 is one day.")
    )
    max_horizon_days = models.PositiveSmallIntegerField(
        _("book at most (days ahead)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    max_active_bookings = models.PositiveSmallIntegerField(
        _("upcoming visits of this type per patient"), default=1, validators=[MinValueValidator(1)]
    )
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("patients cancel online until (hours before)"),
        default=24,
        help_text=_("After this, cancelling or changing the visit becomes a request the clinic handles."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("visit type")
        ordering: ClassVar = ["organization", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organization", "name"], name="visit_type_name_unique_per_org"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480), name="visit_type_duration_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(modality__in=["in_person", "video", "phone"]), name="visit_type_modality_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(booking_mode__in=["book", "request", "call"]), name="visit_type_booking_mode_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(booking_mode="call") | ~models.Q(call_reason=""),
                name="visit_type_call_has_reason",
                violation_error_message=_("Say why patients must call for this visit type."),
            ),
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="visit_type_age_range_valid",
                violation_error_message=_("The youngest age must not be above the oldest age."),
            ),
            models.CheckConstraint(
                condition=models.Q(max_horizon_days__gte=1) & models.Q(max_active_bookings__gte=1),
                name="visit_type_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def _in_language(self, english: str, spanish: str) -> str:
        return spanish if spanish and translation.get_language() == "es" else english

    @property
    def label(self) -> str:
        """The name in the active language (English when there is no Spanish name)."""
        return self._in_language(self.name, self.name_es)

    @property
    def call_reason_label(self) -> str:
        return self._in_language(self.call_reason, self.call_reason_es)


class ProviderOffering(models.Model):
    """A provider (a staff member who sees patients) offers one visit type at one location."""

    provider = models.ForeignKey("portal.StaffMember", on_delete=models.CASCADE, related_name="offerings")
    visit_type = models.ForeignKey(VisitType, on_delete=models.CASCADE, related_name="offerings")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="offerings")

    class Meta:
        verbose_name = _("visit type offered")
        verbose_name_plural = _("visit types offered")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["provider", "visit_type", "location"],
                name="offering_unique",
                violation_error_message=_("This provider already offers this visit type here."),
            ),
        ]

    def __str__(self) -> str:
        return f"Offering {self.pk}"

    def clean(self) -> None:
        """Only an active clinician of the visit type's own organization offers it (billing, the
        front desk or another clinic's specialist would be booked for visits they cannot give)."""
        if self.provider_id is None:
            return
        provider = self.provider
        if provider.role not in CLINICIAN_ROLES or not provider.is_active:
            raise ValidationError({"provider": _("Choose an active physician, nurse or medical assistant.")})
        if self.visit_type_id is not None and provider.organization_id != self.visit_type.organization_id:
            raise ValidationError({"provider": _("This provider works at another organization.")})


class AvailabilityTemplate(models.Model):
    """Weekly hours: a provider sees patients at a location on a weekday between two times,
    from one date (until another, or for ever)."""

    provider = models.ForeignKey("portal.StaffMember", on_delete=models.CASCADE, related_name="availability")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    effective_from = models.DateField(_("first day"))
    effective_until = models.DateField(_("last day"), null=True, blank=True, help_text=_("Empty: no end."))

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering: ClassVar = ["provider", "weekday", "starts"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="availability_weekday_valid"),
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")),
                name="availability_ends_after_start",
                violation_error_message=_("The end time must be after the start time."),
            ),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="availability_dates_valid",
                violation_error_message=_("The last day must not be before the first day."),
            ),
            # One provider is in one place at a time: no two templates overlap in weekday, hours
            # and dates, whatever their location (btree_gist: messaging migration 0001).
            ExclusionConstraint(
                name="availability_no_overlap",
                expressions=[
                    ("provider", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    (TimeOfDayRange("starts", "ends"), RangeOperators.OVERLAPS),
                    (EffectiveDates("effective_from", "effective_until"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("These hours overlap other hours of this provider on the same day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class AvailabilityException(models.Model):
    """A change to the weekly hours: leave or a holiday (unavailable), or extra hours."""

    class Kind(models.TextChoices):
        UNAVAILABLE = "unavailable", _("Not available (leave, holiday)")
        EXTRA = "extra", _("Extra hours")

    provider = models.ForeignKey("portal.StaffMember", on_delete=models.CASCADE, related_name="availability_exceptions")
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Required for extra hours; empty for leave means every location."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.UNAVAILABLE)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason (staff only)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("change to weekly hours")
        verbose_name_plural = _("changes to weekly hours")
        ordering: ClassVar = ["provider", "starts_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="availability_exception_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["unavailable", "extra"]), name="availability_exception_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="extra") | models.Q(location__isnull=False),
                name="availability_extra_has_location",
                violation_error_message=_("Extra hours need a location."),
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["provider", "starts_at"], name="avail_exception_provider")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


def default_reminder_offsets() -> list[int]:
    return [7 * 24 * 60, 24 * 60, 2 * 60]


class SchedulingSettings(models.Model):
    """An organization's scheduling settings; defaults apply when it has none."""

    organization = models.OneToOneField(
        "portal.Organization", on_delete=models.CASCADE, related_name="scheduling_settings"
    )
    hold_minutes = models.PositiveSmallIntegerField(
        _("hold a time while the patient confirms (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    reminder_offsets_minutes = ArrayField(
        models.PositiveIntegerField(),
        default=default_reminder_offsets,
        blank=True,
        verbose_name=_("reminders before the visit (minutes)"),
        help_text=_("For example 10080,1440,120: a week, a day and two hours before."),
    )
    quiet_from = models.TimeField(_("no reminders from"), default=time(21))
    quiet_until = models.TimeField(_("no reminders until"), default=time(8))
    offer_minutes = models.PositiveSmallIntegerField(
        _("a waitlist offer stays open for (minutes)"), default=120, validators=[MinValueValidator(5)]
    )
    offers_per_slot = models.PositiveSmallIntegerField(
        _("waitlisted patients offered each freed time"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )

    class Meta:
        verbose_name = _("scheduling settings")
        verbose_name_plural = _("scheduling settings")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(hold_minutes__gte=1, hold_minutes__lte=30), name="scheduling_hold_minutes_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(offers_per_slot__gte=1) & models.Q(offer_minutes__gte=5),
                name="scheduling_offer_limits_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Scheduling settings of organization {self.organization_id}"


class Referral(models.Model):
    """A referral that lets a patient book or request a visit type that needs one."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="referrals")
    visit_type = models.ForeignKey(VisitType, on_delete=models.CASCADE, related_name="referrals")
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        indexes: ClassVar = [models.Index(fields=["patient", "visit_type", "valid_until"], name="referral_lookup")]

    def __str__(self) -> str:
        return f"Referral {self.pk}"


class ReminderPreference(models.Model):
    """A patient's own quiet hours for reminders (the organization's apply otherwise)."""

    patient = models.OneToOneField("portal.Patient", on_delete=models.CASCADE, related_name="reminder_preference")
    quiet_from = models.TimeField(_("no reminders from"))
    quiet_until = models.TimeField(_("no reminders until"))

    class Meta:
        verbose_name = _("reminder quiet hours")

    def __str__(self) -> str:
        return f"Quiet hours of patient {self.patient_id}"
