"""The unread-notifications badge for the staff navigation."""

from __future__ import annotations

from typing import Any

from django import template

from messaging.selectors.staff_notices import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context: dict[str, Any]) -> int:
    """`{% unread_notice_count as n %}`: my unread in-app notices (one indexed count query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)
