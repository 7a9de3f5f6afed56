"""Accounts: the email-login user, their signed-in sessions, and patient activation invitations."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a patient, a caregiver, a staff member or an administrator."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    notify_by_email = models.BooleanField(_("email me when something is waiting"), default=True)
    notify_by_sms = models.BooleanField(_("text me when something is waiting"), default=False)
    # Opt-in: at most one short notice a day when the briefing has something new (summaries).
    notify_briefing = models.BooleanField(_("tell me when my briefing has something new"), default=False)
    is_staff = models.BooleanField(
        _("Django admin access"), default=False, help_text=_("Can sign in to the configuration admin.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(condition=~models.Q(notify_by_sms=True, phone=""), name="user_sms_needs_phone"),
        ]

    def __str__(self) -> str:
        return self.full_name or f"User {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else ""


class UserSession(models.Model):
    """A signed-in browser, so a person can see where they are signed in and end it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"Session {self.pk} of user {self.user_id}"


class PatientInvitation(models.Model):
    """A single-use code a clinic sends so a patient can link their own account to their record:
    a link by email, or a short code made at the desk (printed, or texted to the patient's phone)
    for someone who needs help signing up. Only the code's hash is kept."""

    class Delivery(models.TextChoices):
        EMAIL = "email", _("Emailed link")
        PRINT = "print", _("Printed at the desk")
        TEXT = "text", _("Texted from the desk")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="invitations")
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.EMAIL)
    email = models.EmailField(blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True, used_by__isnull=True)
                | models.Q(used_at__isnull=False, used_by__isnull=False),
                name="patient_invitation_used_together",
            ),
            models.CheckConstraint(
                condition=~models.Q(delivery="email", email=""), name="patient_invitation_email_has_address"
            ),
            models.CheckConstraint(
                condition=models.Q(delivery__in=["email", "print", "text"]), name="patient_invitation_delivery_valid"
            ),
        ]
        indexes: ClassVar = [
            # The desk's rate limits count recent codes by patient and by the staff member who made them.
            models.Index(fields=["patient", "-created_at"], name="patient_invitation_recent"),
            models.Index(fields=["created_by", "-created_at"], name="patient_invitation_by_staff"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for patient {self.patient_id}"
