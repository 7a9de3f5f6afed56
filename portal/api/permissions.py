"""API permission: signed in, and past the second factor when the account has or needs one."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portal.access import has_second_factor, requires_second_factor, second_factor_passed


class VerifiedUser(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if second_factor_passed(user):
            return True
        return not (has_second_factor(user) or requires_second_factor(user))
