"""When results reach the patient: the clinic's release rules, results held for review, and the
patient's choice to see sensitive results only after review."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from records.models.items import RecordItem


class ReleaseRule(models.Model):
    """Administrators' rule: results matching it wait for clinician review, up to a limit.

    The default (no rule) is immediate release, as the information-blocking rule expects.
    """

    name = models.CharField(_("name"), max_length=200)
    code_system = models.CharField(_("code system"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=64, blank=True, help_text=_("Empty matches every code."))
    category = models.CharField(_("category"), max_length=64, blank=True, help_text=_("For example laboratory."))
    hold_hours = models.PositiveIntegerField(
        _("hold for review up to (hours)"), help_text=_("0 releases at once (the rule may still mark confidential).")
    )
    marks_confidential = models.BooleanField(
        _("mark confidential"),
        default=False,
        help_text=_("A teenager's caregivers never see matching items."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=~models.Q(code="", category=""), name="release_rule_matches_something"),
            models.CheckConstraint(
                condition=models.Q(hold_hours__lte=24 * 14), name="release_rule_hold_at_most_14_days"
            ),
            models.CheckConstraint(
                condition=models.Q(hold_hours__gt=0) | models.Q(marks_confidential=True),
                name="release_rule_holds_or_marks",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReleaseHold(models.Model):
    """A promise: this item is released by `release_due_at` at the latest (a beat sweep keeps it)."""

    item = models.OneToOneField(RecordItem, on_delete=models.CASCADE, related_name="hold")
    rule = models.ForeignKey(ReleaseRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Held because the patient asked to see these results only after review (no deadline then).
    by_patient_choice = models.BooleanField(default=False)
    release_due_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment for the patient"), blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(
                fields=["release_due_at"], condition=models.Q(released_at__isnull=True), name="release_hold_due_open"
            ),
        ]

    def __str__(self) -> str:
        return f"Hold on item {self.item_id}"


class ReleasePreference(models.Model):
    """A patient's choice to see a sensitive category only after their clinician has reviewed it."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="release_preferences")
    category = models.CharField(max_length=64)
    after_review = models.BooleanField(default=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "category"], name="release_preference_one_per_category"),
        ]

    def __str__(self) -> str:
        return f"Release preference {self.pk}"
