"""Django admin for the summaries app's configuration: the care gap rules.

Stored gaps are not here: they are derived data, rebuilt by the evaluation.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from summaries.models import CareGapRule
from summaries.services.care_gaps import DEMO_APPROVAL

APPROVAL_NOTE = format_lazy(
    _(
        "A rule is evaluated only once a clinician has approved it: write their name and the date. "
        "The shipped starter rules arrive unapproved. The demo (manage.py demo_data) approves them as "
        "“{demo}” so that it shows gaps; that is not a clinical review, and a real clinic must not keep it."
    ),
    demo=DEMO_APPROVAL,
)


@admin.register(CareGapRule)
class CareGapRuleAdmin(admin.ModelAdmin[CareGapRule]):
    list_display = ("name_en", "key", "is_active", "approved_by", "approved_on")
    list_filter = ("is_active",)
    search_fields = ("name_en", "name_es", "key")
    actions = ("approve_as_me",)
    fieldsets = (
        (None, {"fields": ("key", "name_en", "name_es", "is_active")}),
        (
            _("Who it applies to"),
            {"fields": ("condition_codes", "medication_codes", "medication_names", "min_age", "max_age", "sex")},
        ),
        (
            _("What closes it, and when it is due"),
            {
                "fields": (
                    "closing_codes",
                    "interval_months",
                    "season_start_month",
                    "season_start_day",
                    "coming_due_days",
                )
            },
        ),
        (
            _("Clinical approval"),
            {"fields": ("approved_by", "approved_on"), "description": APPROVAL_NOTE},
        ),
    )

    @admin.action(description=_("Approve the selected rules in my name, today"))
    def approve_as_me(self, request: HttpRequest, queryset: QuerySet[CareGapRule]) -> None:
        name = request.user.get_full_name() or request.user.get_username()  # type: ignore[union-attr]
        count = queryset.update(approved_by=name, approved_on=timezone.localdate())
        message = ngettext("%(count)s rule approved.", "%(count)s rules approved.", count) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
