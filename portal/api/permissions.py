"""API permission: signed in, and past the second factor when the account has or needs one."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portal.access import second_factor_pending


class VerifiedUser(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        # The same rule as the gate in portal.middleware (which a token-authenticated request,
        # anonymous to the middleware, never meets).
        return not second_factor_pending(user)
