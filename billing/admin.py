"""Billing in the admin: each organization's payment plan rules, the self-pay price list per visit
type (with expected services, codes and charges) and the billing facts a Good Faith Estimate prints
(organization and provider identities). Issued estimates are not edited here: they are kept as
issued."""

from __future__ import annotations

from django.contrib import admin

from billing.models import BillingProfile, PlanRules, PriceListItem, PriceListService, ProviderBillingIdentity


class PriceListServiceInline(admin.TabularInline):
    model = PriceListService
    extra = 1
    fields = (
        "sequence",
        "code",
        "description",
        "description_es",
        "diagnosis_codes",
        "amount_cents",
        "scheduled_separately",
    )


@admin.register(PriceListItem)
class PriceListItemAdmin(admin.ModelAdmin):
    list_display = ("visit_type", "organization", "is_active")
    list_filter = ("organization", "is_active")
    inlines = (PriceListServiceInline,)


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "organization", "tin", "npi")


@admin.register(ProviderBillingIdentity)
class ProviderBillingIdentityAdmin(admin.ModelAdmin):
    list_display = ("staff", "npi", "tin")
    raw_id_fields = ("staff",)


@admin.register(PlanRules)
class PlanRulesAdmin(admin.ModelAdmin[PlanRules]):
    list_display = ("organization", "minimum_monthly_cents", "maximum_months")
    list_select_related = ("organization",)
