"""Django admin for administrators' scheduling configuration: locations, visit types and their
rules (with the providers offering each), weekly hours, changes to them, and settings; and
questionnaires: administrators write custom forms (fields of four kinds, required or not) and
attach questionnaires, built-in or custom, to visit types. The built-in instruments' questions
are fixed (scheduling.questionnaires); their rows may only be renamed, switched off, or attached.

Appointments, requests, the waitlist and questionnaire responses are deliberately not here: the
admin bypasses the access policy and the audit log; staff work them from the schedule pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.models import StaffMember
from scheduling.models import (
    AvailabilityException,
    AvailabilityTemplate,
    Location,
    ProviderOffering,
    Questionnaire,
    QuestionnaireField,
    SchedulingSettings,
    VisitType,
    VisitTypeQuestionnaire,
)
from scheduling.models.config import CLINICIAN_ROLES


def clinicians(organization_id: int | None = None) -> QuerySet[StaffMember]:
    """The staff a provider field offers: active clinicians (of one organization when known)."""
    staff = StaffMember.objects.filter(role__in=CLINICIAN_ROLES, is_active=True).select_related("user", "organization")
    return staff.filter(organization_id=organization_id) if organization_id is not None else staff


def check_provider(form: forms.BaseForm, provider: StaffMember | None, organization_id: int | None) -> None:
    """A provider sees patients, is active, and works where the visit is."""
    if provider is None:
        return
    if provider.role not in CLINICIAN_ROLES or not provider.is_active:
        form.add_error("provider", _("Choose an active physician, nurse or medical assistant."))
    elif organization_id is not None and provider.organization_id != organization_id:
        form.add_error("provider", _("This provider works at another organization."))


class ProviderOfferingForm(forms.ModelForm[ProviderOffering]):
    class Meta:
        model = ProviderOffering
        fields = ("provider", "location")

    def __init__(self, *args: Any, visit_type: VisitType | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The visit type as submitted with this form (a new one, or its organization just changed),
        # not as last saved: its organization decides who may offer it.
        self.visit_type = visit_type
        if visit_type is not None:
            self.instance.visit_type = visit_type
        organization_id = visit_type.organization_id if visit_type is not None else None
        self.fields["provider"].queryset = clinicians(organization_id)  # type: ignore[attr-defined]
        if organization_id is not None:
            self.fields["location"].queryset = Location.objects.filter(organization_id=organization_id)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        visit_type = self.visit_type
        if visit_type is None and self.instance.visit_type_id:
            visit_type = self.instance.visit_type
        location = cleaned.get("location")
        organization_id = visit_type.organization_id if visit_type else None
        check_provider(self, cleaned.get("provider"), organization_id)
        if location is not None and organization_id is not None and location.organization_id != organization_id:
            self.add_error("location", _("This location belongs to another organization."))
        return cleaned


class ProviderOfferingFormSet(BaseInlineFormSet[ProviderOffering, VisitType, forms.ModelForm[ProviderOffering]]):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        organization_id = getattr(self.instance, "organization_id", None)
        kwargs["visit_type"] = self.instance if organization_id is not None else None
        return kwargs


class ProviderOfferingInline(admin.TabularInline[ProviderOffering, VisitType]):
    model = ProviderOffering
    form = ProviderOfferingForm
    formset = ProviderOfferingFormSet
    extra = 0


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin[VisitType]):
    list_display = ("name", "organization", "duration_minutes", "modality", "booking_mode", "is_active")
    list_filter = ("organization", "booking_mode", "modality", "is_active")
    search_fields = ("name", "name_es")
    inlines = (ProviderOfferingInline,)
    fieldsets = (
        (None, {"fields": ("organization", "name", "name_es", "duration_minutes", "modality", "is_active")}),
        (_("How patients book"), {"fields": ("booking_mode", "call_reason", "call_reason_es")}),
        (
            _("Who may book online"),
            {
                "fields": (
                    "established_only",
                    "established_months",
                    ("min_age", "max_age"),
                    "needs_referral",
                    "primary_provider_only",
                    "max_active_bookings",
                )
            },
        ),
        (_("When"), {"fields": ("min_lead_minutes", "max_horizon_days", "cancel_cutoff_hours")}),
    )


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ("name", "organization", "address", "is_active")
    list_filter = ("organization", "is_active")


class AvailabilityTemplateForm(forms.ModelForm[AvailabilityTemplate]):
    class Meta:
        model = AvailabilityTemplate
        fields = ("provider", "location", "weekday", "starts", "ends", "effective_from", "effective_until")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        location = cleaned.get("location")
        check_provider(self, cleaned.get("provider"), location.organization_id if location else None)
        # Said here, on a field: a field with an error is left out of the constraint checks, whose
        # ranges could not even be built from times or dates the wrong way round.
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends", _("The end time must be after the start time."))
        first, last = cleaned.get("effective_from"), cleaned.get("effective_until")
        if first is not None and last is not None and last < first:
            self.add_error("effective_until", _("The last day must not be before the first day."))
        return cleaned


@admin.register(AvailabilityTemplate)
class AvailabilityTemplateAdmin(admin.ModelAdmin[AvailabilityTemplate]):
    form = AvailabilityTemplateForm
    list_display = ("provider", "location", "weekday", "starts", "ends", "effective_from", "effective_until")
    list_filter = ("location", "weekday")
    list_select_related = ("provider__user", "provider__organization", "location")


class AvailabilityExceptionForm(forms.ModelForm[AvailabilityException]):
    class Meta:
        model = AvailabilityException
        fields = ("provider", "kind", "location", "starts_at", "ends_at", "reason")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        location = cleaned.get("location")
        check_provider(self, cleaned.get("provider"), location.organization_id if location else None)
        return cleaned


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin[AvailabilityException]):
    form = AvailabilityExceptionForm
    list_display = ("provider", "kind", "location", "starts_at", "ends_at")
    list_filter = ("kind",)
    list_select_related = ("provider__user", "provider__organization", "location")


@admin.register(SchedulingSettings)
class SchedulingSettingsAdmin(admin.ModelAdmin[SchedulingSettings]):
    list_display = ("organization", "hold_minutes", "offer_minutes", "offers_per_slot")


# Questionnaires and the visit types that ask for them (eCheck-in).


class QuestionnaireFieldInline(admin.TabularInline):
    model = QuestionnaireField
    extra = 1
    fields = ("position", "label", "label_es", "kind", "required", "choices", "choices_es")


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("name", "builtin", "organization", "is_active")
    list_filter = ("is_active", "builtin")
    inlines = (QuestionnaireFieldInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("builtin", "organization") if obj is not None and obj.builtin else ("builtin",)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        # A built-in instrument has no editable questions.
        return [] if obj is not None and obj.builtin else [QuestionnaireFieldInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and obj.builtin) and super().has_delete_permission(request, obj)


@admin.register(VisitTypeQuestionnaire)
class VisitTypeQuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("visit_type", "questionnaire", "position")
    list_filter = ("questionnaire",)
