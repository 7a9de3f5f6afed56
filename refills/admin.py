"""Refills in the admin: protocols (validated; the starter set must be approved by a clinician
before go-live), pharmacies, and requests read-only with their timeline."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from refills.models import Pharmacy, PharmacyClient, PharmacyMessage, RefillEvent, RefillProtocol, RefillRequest


@admin.register(RefillProtocol)
class RefillProtocolAdmin(admin.ModelAdmin):
    list_display = ("name", "handling", "max_days_supply", "approved_by", "approved_on")
    list_filter = ("handling",)
    search_fields = ("name", "key")
    fieldsets = (
        (
            None,
            {
                "fields": ("key", "name", "rxnorm_codes", "handling", "dea_schedule", "source"),
                "description": _(
                    "A starter protocol is pending: a clinician must review and approve it (name and date "
                    "below) before the clinic uses it. Until then nurses and medical assistants see that it "
                    "is pending on every request it covers."
                ),
            },
        ),
        (
            _("Checks"),
            {
                "fields": (
                    "visit_within_months",
                    ("lab_loinc_codes", "lab_within_months", "lab_low", "lab_high"),
                    ("blood_pressure_within_months", "systolic_max", "diastolic_max"),
                    "max_days_supply",
                    "no_refill_within_months_of_start",
                )
            },
        ),
        (_("Clinical approval"), {"fields": ("approved_by", "approved_on")}),
    )


@admin.register(Pharmacy)
class PharmacyAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "phone", "ncpdp_id", "is_active", "added_for")
    search_fields = ("name", "address", "ncpdp_id")
    # Patient-added pharmacies wait here: clearing "added by patient" lists it for everyone.
    list_filter = (("added_for", admin.EmptyFieldListFilter), "is_active")
    raw_id_fields = ("added_for",)


class RefillEventInline(admin.TabularInline):
    model = RefillEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "at", "by", "note")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RefillRequest)
class RefillRequestAdmin(admin.ModelAdmin):
    list_display = ("medication_name", "patient", "status", "created_at", "decided_by")
    list_filter = ("status", "kind")
    inlines = (RefillEventInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PharmacyMessage)
class PharmacyMessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "pharmacy", "created_at", "attempts", "sent_at", "last_error")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PharmacyClient)
class PharmacyClientAdmin(admin.ModelAdmin):
    """Keys are issued with `manage.py refills_pharmacy_key` (shown once); here they are listed and
    turned off (untick "active")."""

    list_display = ("pharmacy", "organization", "label", "key_prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    fields = ("pharmacy", "organization", "label", "key_prefix", "is_active", "created_at", "last_used_at")
    readonly_fields = ("pharmacy", "organization", "key_prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
