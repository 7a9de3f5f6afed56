"""Which patient a SMART app was allowed to read: chosen on the consent page, carried from the
authorization code to every token issued from it."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant


class PatientLaunch(models.Model):
    """One authorization of an app by a person, for one patient (themself or someone they help).

    The access policy is still asked on every request: a token outlives neither the
    patient's own account nor a caregiver's grant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The authorization code while it waits to be exchanged (the toolkit deletes it then).
    grant = models.OneToOneField(Grant, null=True, blank=True, on_delete=models.SET_NULL, related_name="launch")
    # The refresh-token family: every token refreshed from this authorization shares it.
    token_family = models.UUIDField(null=True, blank=True, unique=True)
    access_tokens = models.ManyToManyField(AccessToken, blank=True, related_name="launches")

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "application"])]

    def __str__(self) -> str:
        return f"SMART launch {self.pk} for patient {self.patient_id}"
