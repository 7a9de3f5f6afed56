"""Django admin for administrators' messaging configuration: business calendars (hours and
holidays), pools, routing rules, SLA policies, and the alerts that say what is missing.

Threads and messages are deliberately not here: the admin bypasses the access policy and the
audit log; staff work threads from their inbox.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.calendar import MIDNIGHT
from messaging.models import BusinessCalendar, BusinessHours, Holiday, Pool, RoutingRule, SetupAlert, SlaPolicy
from messaging.services.routing import may_answer
from portal.models import StaffMember


def _end(closes: Any) -> tuple[int, int, int]:
    return (24, 0, 0) if closes == MIDNIGHT else (closes.hour, closes.minute, closes.second)


def _start(opens: Any) -> tuple[int, int, int]:
    return opens.hour, opens.minute, opens.second


class BusinessHoursForm(forms.ModelForm[BusinessHours]):
    class Meta:
        model = BusinessHours
        fields = ("weekday", "opens", "closes")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        # Said here in words, on a field: a field with an error is left out of the model's
        # constraint checks, so the database constraint's bare name is not shown as well.
        if opens is not None and closes is not None and _end(closes) <= _start(opens):
            self.add_error("closes", _("Closing time must be after opening time (00:00 means midnight)."))
        return cleaned


class BusinessHoursFormSet(forms.BaseInlineFormSet):
    """No two periods on the same day may overlap (split shifts are separate rows)."""

    def clean(self) -> None:
        super().clean()
        by_day: dict[int, list[tuple[tuple[int, int, int], tuple[int, int, int], forms.BaseForm]]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            if data.get("weekday") is None or data.get("opens") is None or data.get("closes") is None:
                continue
            by_day.setdefault(data["weekday"], []).append((_start(data["opens"]), _end(data["closes"]), form))
        for periods in by_day.values():
            periods.sort(key=lambda period: period[:2])
            latest_close = (0, 0, 0)
            for opens, closes, row in periods:
                if opens < latest_close:
                    row.add_error("opens", _("These hours overlap other hours on the same day."))
                latest_close = max(latest_close, closes)


class BusinessHoursInline(admin.TabularInline[BusinessHours, BusinessCalendar]):
    model = BusinessHours
    form = BusinessHoursForm
    formset = BusinessHoursFormSet
    extra = 0


class HolidayInline(admin.TabularInline[Holiday, BusinessCalendar]):
    model = Holiday
    fields = ("date", "name")
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    """Opening hours in the organization's own time zone; the answer-time clock runs only then."""

    list_display = ("organization", "time_zone")
    list_select_related = ("organization",)
    inlines = (BusinessHoursInline, HolidayInline)

    @admin.display(description=_("time zone"))
    def time_zone(self, calendar: BusinessCalendar) -> str:
        return calendar.organization.time_zone


class PoolForm(forms.ModelForm[Pool]):
    class Meta:
        model = Pool
        fields = ("organization", "name", "kind", "lead", "members")
        help_texts = {
            "kind": _(
                "In a physician inbox each patient's own primary care provider answers, if they are a member; "
                "otherwise, as in every pool, the member with the fewest messages waiting."
            ),
            "members": _("Staff of this organization whose role lets them answer patients' messages."),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organization = cleaned.get("organization")
        if organization is None:
            return cleaned
        lead: StaffMember | None = cleaned.get("lead")
        if lead is not None and (lead.organization_id != organization.pk or not may_answer(lead)):
            self.add_error("lead", _("Choose an active staff member of this organization who answers messages."))
        members = cleaned.get("members")
        if members is not None:
            wrong = [
                member for member in members if member.organization_id != organization.pk or not may_answer(member)
            ]
            if wrong:
                self.add_error(
                    "members",
                    _("Only active staff of this organization who answer messages can be members: %(names)s")
                    % {"names": ", ".join(str(member) for member in wrong)},
                )
        return cleaned


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin[Pool]):
    form = PoolForm
    list_display = ("name", "organization", "kind", "lead")
    list_filter = ("kind", "organization")
    list_select_related = ("organization", "lead__user", "lead__organization")
    search_fields = ("name",)
    filter_horizontal = ("members",)


class RoutingRuleForm(forms.ModelForm[RoutingRule]):
    class Meta:
        model = RoutingRule
        fields = ("organization", "category", "pool")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organization, pool = cleaned.get("organization"), cleaned.get("pool")
        if organization is not None and pool is not None and pool.organization_id != organization.pk:
            self.add_error("pool", _("Choose a pool of the same organization."))
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    form = RoutingRuleForm
    list_display = ("organization", "category", "pool")
    list_filter = ("organization", "category")
    list_select_related = ("organization", "pool")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = ("organization", "category", "urgency", "first_response_minutes", "at_risk_fraction")
    list_filter = ("organization", "urgency")
    list_select_related = ("organization",)
    fields = ("organization", "category", "urgency", "first_response_minutes", "at_risk_fraction")


@admin.register(SetupAlert)
class SetupAlertAdmin(admin.ModelAdmin[SetupAlert]):
    """What the portal had to work around. Read-only; mark an alert resolved once the setup is fixed."""

    list_display = ("created_at", "organization", "kind", "category", "pool", "thread_id", "resolved_at")
    list_filter = ("kind", "organization", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("organization", "pool")
    readonly_fields = ("organization", "kind", "category", "pool", "thread", "created_at", "resolved_at")
    actions = ("mark_resolved",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Mark as resolved"))
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[SetupAlert]) -> None:
        queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
