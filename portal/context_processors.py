"""What the base layout needs on every page: whom the person acts for, and the idle timeout."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from portal import selectors
from portal.access import is_staff_user


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"people": [], "acting_for": None, "is_staff_user": False, "idle_timeout": 0}
    return {
        "people": selectors.people_i_act_for(user),  # type: ignore[arg-type]
        "acting_for": getattr(request, "acting_for", None),
        "is_staff_user": is_staff_user(user),
        "idle_timeout": getattr(request, "idle_timeout", settings.IDLE_TIMEOUT_PATIENT),
        "idle_warning_before": settings.IDLE_WARNING_BEFORE,
    }
