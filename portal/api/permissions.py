"""API permission: signed in, and past the second factor when the account has or needs one; and
the access policy's answer for the patient of a URL."""

from __future__ import annotations

from typing import Any, cast

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portal.access import Access, access_patient, second_factor_pending
from portal.models import User


class VerifiedUser(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        # The same rule as the gate in portal.middleware (which a token-authenticated request,
        # anonymous to the middleware, never meets).
        return not second_factor_pending(user)


def patient_side_access(request: Request, patient_id: Any, action: str) -> tuple[Access, User]:
    """The access of the patient or a caregiver (with the scope) to `patient_id` for `action`, and
    who asks. Anyone else, staff included (they work from their own pages), gets 404."""
    access = access_patient(request.user, patient_id, action)
    access.require(action, patient_side=True)
    return access, cast(User, request.user)  # VerifiedUser: never anonymous
