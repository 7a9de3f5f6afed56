"""Billing in the admin: each organization's payment plan rules (data, set by administrators)."""

from django.contrib import admin

from billing.models import PlanRules


@admin.register(PlanRules)
class PlanRulesAdmin(admin.ModelAdmin[PlanRules]):
    list_display = ("organization", "minimum_monthly_cents", "maximum_months")
    list_select_related = ("organization",)
