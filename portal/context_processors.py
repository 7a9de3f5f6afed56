"""What the base layout needs on every page: whom the person acts for, their sections, the idle timeout."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from portal.access import Access, Action, is_staff_user, resolve, second_factor_pending
from portal.models import AuditEvent
from portal.selectors import patient as patient_selectors


def _current_access(request: HttpRequest, people: list[Any]) -> Access | None:
    access: Access | None = getattr(request, "access", None)
    if access is not None and access.acting_as != AuditEvent.ActingAs.STAFF:
        return access
    chosen = request.session.get("acting_for")
    person = next((p for p in people if str(p.pk) == chosen), people[0] if people else None)
    return resolve(request.user, person, Action.PROFILE) if person is not None else None


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # Before the second factor is entered, show nobody's name and no navigation.
    if user is None or not user.is_authenticated or second_factor_pending(user):
        return {
            "people": [],
            "acting_for": None,
            "acting_as_self": False,
            "nav_sections": [],
            "is_staff_user": False,
            "idle_timeout": 0,
            "shell_ready": False,
        }
    from portal.views.patient import SECTIONS

    people = patient_selectors.people_i_act_for(user)
    access = _current_access(request, people)
    scopes = access.scopes if access is not None else frozenset()
    return {
        "people": people,
        "acting_for": access.patient if access is not None else None,
        "acting_as_self": access is not None and access.acting_as == AuditEvent.ActingAs.SELF,
        "nav_sections": [(slug, label) for slug, (action, label, _text) in SECTIONS.items() if action in scopes],
        "is_staff_user": is_staff_user(user),
        "shell_ready": True,
        "idle_timeout": getattr(request, "idle_timeout", settings.IDLE_TIMEOUT_PATIENT),
        "idle_warning_before": settings.IDLE_WARNING_BEFORE,
    }
