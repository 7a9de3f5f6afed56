"""Django admin for administrators' configuration of the records app: result release rules.

Record items, holds and patients' choices are deliberately not here: the admin bypasses the
access policy; clinicians release held results from the staff review queue.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from records.models import ReadingThreshold, ReleaseRule
from records.services.readings import BOUNDS


class ReleaseRuleForm(forms.ModelForm[ReleaseRule]):
    class Meta:
        model = ReleaseRule
        fields = ("name", "code_system", "code", "category", "hold_hours", "marks_confidential", "is_active")
        help_texts = {
            "code_system": _("For example http://loinc.org. Empty matches every code system."),
            "category": _("A result category from the source, for example laboratory, SP (surgical pathology) or RAD."),
            "hold_hours": _(
                "The longest a matching result waits for a clinician, at most 336 (14 days). "
                "If nobody releases it by then, the patient sees it automatically."
            ),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # Said here in words, on a field: a field with an error is left out of the model's
        # constraint checks, so the database constraint's bare name is not shown as well.
        if not cleaned.get("code") and not cleaned.get("category"):
            self.add_error(
                "code",
                _("Give a test code, a category, or both: a rule that matches everything would hold every result."),
            )
        hours = cleaned.get("hold_hours")
        if hours is not None and not 0 <= hours <= 24 * 14:
            self.add_error("hold_hours", _("Hold a result for 0 to 336 hours (14 days)."))
        elif hours == 0 and not cleaned.get("marks_confidential"):
            self.add_error("hold_hours", _("A rule must hold results, mark them confidential, or both."))
        return cleaned


@admin.register(ReleaseRule)
class ReleaseRuleAdmin(admin.ModelAdmin[ReleaseRule]):
    form = ReleaseRuleForm
    list_display = ("name", "code_system", "code", "category", "hold_hours", "marks_confidential", "is_active")
    list_filter = ("is_active", "category")
    search_fields = ("name", "code", "category")


class ReadingThresholdForm(forms.ModelForm[ReadingThreshold]):
    """A clinic default limit for home readings: it applies to every patient without limits of their own."""

    class Meta:
        model = ReadingThreshold
        fields = ("measure", "low", "high")
        help_texts = {
            "low": _("A home reading below this becomes a task for the care team. Empty: no low limit."),
            "high": _("A home reading above this becomes a task for the care team. Empty: no high limit."),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        measure, low, high = cleaned.get("measure"), cleaned.get("low"), cleaned.get("high")
        if measure:
            bottom, top = BOUNDS[measure]
            for name, value in (("low", low), ("high", high)):
                if value is not None and not bottom <= value <= top:
                    self.add_error(
                        name, _("Choose a number between %(low)s and %(high)s.") % {"low": bottom, "high": top}
                    )
            others = ReadingThreshold.objects.filter(patient__isnull=True, measure=measure).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("measure", _("There is already a clinic default for this measure. Change that one."))
        if low is not None and high is not None and low >= high:
            self.add_error("high", _("The high limit must be above the low limit."))
        return cleaned


@admin.register(ReadingThreshold)
class ReadingThresholdAdmin(admin.ModelAdmin[ReadingThreshold]):
    """Clinic defaults only (patient empty). Staff set a patient's own limits on the staff page, where
    the access policy and the audit log apply."""

    form = ReadingThresholdForm
    list_display = ("measure", "low", "high", "set_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReadingThreshold]:
        return super().get_queryset(request).filter(patient__isnull=True)

    def save_model(self, request: HttpRequest, obj: ReadingThreshold, form: Any, change: bool) -> None:
        obj.patient = None
        obj.set_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
