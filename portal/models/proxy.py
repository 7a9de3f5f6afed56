"""Proxy access: a caregiver acting for a patient, within scopes, for a time, revocable."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """The parts of a patient's care a proxy may be given."""

    RECORDS = "records", _("Health record")
    MESSAGING = "messaging", _("Messages")
    SCHEDULING = "scheduling", _("Appointments")
    REFILLS = "refills", _("Medications and refills")
    BILLING = "billing", _("Billing")


class ProxyGrant(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Ended")

    # The one map of allowed status changes; services refuse anything else.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.INVITED: {Status.ACTIVE, Status.DECLINED, Status.REVOKED, Status.EXPIRED},
        Status.ACTIVE: {Status.REVOKED, Status.EXPIRED},
        Status.DECLINED: set(),
        Status.REVOKED: set(),
        Status.EXPIRED: set(),
    }

    class EndReason(models.TextChoices):
        END_DATE = "end_date", _("The end date was reached")
        INVITATION_EXPIRED = "invitation_expired", _("The invitation was not accepted in time")
        TURNED_18 = "turned_18", _("The patient turned 18")

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="proxy_grants")
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="proxy_grants"
    )
    invited_email = models.EmailField(_("caregiver's email"))
    invited_name = models.CharField(_("caregiver's name"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    scopes = ArrayField(models.CharField(max_length=16, choices=Scope.choices), verbose_name=_("what they can see"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    end_reason = models.CharField(max_length=24, choices=EndReason.choices, blank=True)
    ends_at = models.DateTimeField(_("access ends"), null=True, blank=True)
    # Grants made while the patient was a minor end at 18 unless the patient renews them.
    made_on_minor = models.BooleanField(default=False)
    is_guardian = models.BooleanField(_("parent or legal guardian"), default=False)
    # The caregiver's opt-in (theirs, per person they help) to a short notice when this patient's
    # briefing has something new they may see (summaries/services/notices.py). A renewal starts off.
    notify_briefing = models.BooleanField(_("tell me when their briefing has something new"), default=False)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_at = models.DateTimeField(default=timezone.now)
    invitation_expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    renewed_from = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewal")

    class Meta:
        ordering: ClassVar = ["-invited_at"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(status__in=["invited", "active", "declined", "revoked", "expired"]),
                name="proxy_status_valid",
            ),
            models.CheckConstraint(condition=~models.Q(scopes=[]), name="proxy_scopes_not_empty"),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(grantee__isnull=False, accepted_at__isnull=False),
                name="proxy_active_has_grantee",
            ),
            models.UniqueConstraint(
                fields=["patient", "grantee"],
                condition=models.Q(status="active"),
                name="proxy_one_active_grant_per_pair",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["grantee", "status"]),
            models.Index(fields=["status", "ends_at"]),
        ]

    def __str__(self) -> str:
        return f"Proxy grant {self.pk} on patient {self.patient_id}"

    def scope_labels(self) -> list[str]:
        return [str(Scope(scope).label) for scope in self.scopes]
