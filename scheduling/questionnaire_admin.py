"""Django admin for questionnaires: administrators write custom forms (fields of four kinds,
required or not) and attach questionnaires, built-in or custom, to visit types.

The built-in instruments' questions are fixed (scheduling.questionnaires); their rows may only
be renamed, switched off, or attached. Responses are not here: the admin bypasses the access
policy and the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from scheduling.models import Questionnaire, QuestionnaireField, VisitTypeQuestionnaire


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
