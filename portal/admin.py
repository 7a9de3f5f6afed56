"""Django admin for administrators' configuration: organizations, accounts and staff roles.

Patients, proxy grants and the audit log are deliberately not here: the admin
bypasses the access policy, and administrators see no clinical data unless
they are also staff (who reach patients through the audited staff pages).
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import Organization, StaffMember, User


class StaffMemberInline(admin.TabularInline[StaffMember, User]):
    model = StaffMember
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff")
    search_fields = ("email", "full_name")
    inlines: ClassVar = [StaffMemberInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "language", "phone")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("name", "kind", "time_zone")
    prepopulated_fields: ClassVar = {"slug": ("name",)}


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin[StaffMember]):
    list_display = ("user", "organization", "role", "credentials", "is_active")
    list_filter = ("organization", "role", "is_active")
    search_fields = ("user__email", "user__full_name")
