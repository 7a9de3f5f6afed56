"""The first visit's welcome: shown once to a patient on their own home, never again."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class Welcome(models.Model):
    """A patient's own account was shown the welcome on the patient's home (once: the row is made
    when it is shown, and its unique pair keeps a second showing out, even from two tabs)."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shown_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["patient", "user"], name="welcome_once")]

    def __str__(self) -> str:
        return f"Welcome of {self.user_id} to {self.patient_id}"
