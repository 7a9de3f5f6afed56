"""Django admin for administrators' configuration of the records app: result release rules.

Record items, holds and patients' choices are deliberately not here: the admin bypasses the
access policy; clinicians release held results from the staff review queue.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from records.models import ReleaseRule


class ReleaseRuleForm(forms.ModelForm[ReleaseRule]):
    class Meta:
        model = ReleaseRule
        fields = ("name", "code_system", "code", "category", "hold_hours", "is_active")
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
        if hours is not None and not 0 < hours <= 24 * 14:
            self.add_error("hold_hours", _("Hold a result for 1 to 336 hours (14 days)."))
        return cleaned


@admin.register(ReleaseRule)
class ReleaseRuleAdmin(admin.ModelAdmin[ReleaseRule]):
    form = ReleaseRuleForm
    list_display = ("name", "code_system", "code", "category", "hold_hours", "is_active")
    list_filter = ("is_active", "category")
    search_fields = ("name", "code", "category")
