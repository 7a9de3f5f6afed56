"""Who is asking the FHIR API, and for what: a signed-in portal session, or a SMART app's bearer
token bound to one patient and to the resource types its scopes name.

Either way the access policy decides at request time (`Caller.access`), so a token stops
working the moment its user loses access to the patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portal.access import Access, Action, access_patient
from portal.api.permissions import VerifiedUser
from portal.models import User
from records.fhir_api.models import PatientLaunch
from records.fhir_api.resource_types import ALL_TYPES
from records.fhir_api.scopes import readable_types

# Bearer first, so an anonymous request is answered 401 with a `WWW-Authenticate: Bearer` challenge.
AUTHENTICATION = [OAuth2Authentication, SessionAuthentication]


class InsufficientScope(PermissionDenied):
    default_detail = "The access token's scopes do not include this resource type."
    default_code = "insufficient_scope"


@dataclass(frozen=True)
class Caller:
    user: User
    types: frozenset[str]
    # A SMART token reads one patient only: the one chosen when the app was authorized.
    token_patient_id: str | None = None
    by_token: bool = False

    def access(self, patient_id: object) -> Access:
        """The policy's answer for the patient's health record; 404 for anyone else's."""
        if self.by_token and str(patient_id) != self.token_patient_id:
            raise Http404
        return access_patient(self.user, patient_id, Action.RECORDS)

    def require(self, resource_type: str) -> None:
        if resource_type not in self.types:
            raise InsufficientScope

    @property
    def default_patient_id(self) -> str | None:
        return self.token_patient_id if self.by_token else None


def caller_of(request: Request) -> Caller:
    user: User = request.user  # type: ignore[assignment]  # FhirReader lets only signed-in users through
    token = request.auth
    if isinstance(token, AccessToken):
        patient_id = PatientLaunch.objects.filter(access_tokens=token).values_list("patient_id", flat=True).first()
        return Caller(
            user=user,
            types=readable_types(token.scope.split()),
            token_patient_id=str(patient_id) if patient_id is not None else None,
            by_token=True,
        )
    return Caller(user=user, types=frozenset(ALL_TYPES))


class FhirReader(BasePermission):
    """A valid SMART token (the second factor, if any, was asked when the person authorized the app),
    or a portal session past its second factor."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, AccessToken):
            return True
        return VerifiedUser().has_permission(request, view)
