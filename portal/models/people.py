"""Organizations, patients, staff and care teams."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """The home clinic or another system that holds a piece of a patient's care."""

    class Kind(models.TextChoices):
        HOME_CLINIC = "home", _("Home clinic")
        PRIMARY_CARE = "primary", _("Primary care")
        SPECIALTY = "specialty", _("Specialty practice")
        LAB = "lab", _("Laboratory")
        HOSPITAL = "hospital", _("Hospital")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    slug = models.SlugField(unique=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.CLINIC_TIME_ZONE)
    # The identifier system this organization uses for its medical record numbers.
    mrn_system = models.CharField(_("MRN identifier system"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Patient(models.Model):
    """A person whose care the portal shows; may or may not have their own login."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="patient"
    )
    home_organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField(_("medical record number"), max_length=64)
    given_name = models.CharField(_("first name"), max_length=100)
    family_name = models.CharField(_("last name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["family_name", "given_name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["home_organization", "mrn"], name="patient_mrn_unique_per_org"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["birth_date"]),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class StaffRole(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    MEDICAL_ASSISTANT = "medical_assistant", _("Medical assistant")
    NURSE = "nurse", _("Nurse")
    PHYSICIAN = "physician", _("Physician")
    BILLING = "billing", _("Billing")
    ADMINISTRATOR = "administrator", _("Administrator")


class StaffMember(models.Model):
    """A user's job at one organization; a person may work at more than one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("role"), max_length=24, choices=StaffRole.choices)
    credentials = models.CharField(_("credentials"), max_length=40, blank=True, help_text=_("For example RN or MD."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="staff_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organization})"

    @property
    def signature(self) -> str:
        """How the person is named to patients, e.g. "Ana Lopez, RN"."""
        name = self.user.full_name
        return f"{name}, {self.credentials}" if self.credentials else name


class CareTeamMembership(models.Model):
    """A staff member who looks after a patient; grants access across organizations."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="care_teams")
    is_primary = models.BooleanField(_("primary care provider"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "staff"], name="care_team_unique_member"),
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(is_primary=True), name="care_team_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return f"Care team member {self.staff_id} of patient {self.patient_id}"
