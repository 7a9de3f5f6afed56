"""The OAuth2 validator for SMART on FHIR: carries the chosen patient from the consent page to the
authorization code, from the code to its tokens, and names it in the token response (`patient`).

Every step asks the access policy again, so a caregiver whose grant was revoked can neither
exchange a code nor refresh a token, and the API refuses the tokens already issued.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from oauth2_provider.models import AccessToken, Grant, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors

from portal.access import Action, access_patient
from records.fhir_api.models import PatientLaunch
from records.fhir_api.scopes import REFRESH_SCOPES


def _still_allowed(launch: PatientLaunch) -> bool:
    try:
        access_patient(launch.user, launch.patient_id, Action.RECORDS)
    except Http404:
        return False
    return True


# SMART standalone launch: a person authorizes, then the app refreshes. No other way to a token.
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})


class SmartValidator(OAuth2Validator):
    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        return grant_type in GRANT_TYPES and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )

    # The consent page puts the chosen patient into the credentials (`smart_patient`);
    # oauthlib copies them onto the request that reaches _create_authorization_code.
    def _create_authorization_code(self, request: Request, code: dict[str, str], expires: Any = None) -> Grant:
        grant = super()._create_authorization_code(request, code, expires)
        patient = getattr(request, "smart_patient", None)
        if patient is not None:
            PatientLaunch.objects.create(application=request.client, user=request.user, patient=patient, grant=grant)
        return grant

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        launch = (
            PatientLaunch.objects.select_related("user").filter(grant__code=code, grant__application=client).first()
        )
        if launch is None or not _still_allowed(launch):
            return False
        request.patient_launch = launch
        return True

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        family = request.refresh_token_instance.token_family
        launch = PatientLaunch.objects.select_related("user").filter(token_family=family).first()
        if launch is None or not _still_allowed(launch):
            return False
        request.patient_launch = launch
        return True

    def save_bearer_token(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> None:
        launch: PatientLaunch | None = getattr(request, "patient_launch", None)
        if launch is None:  # unreachable through the two grant types allowed; refuse all the same
            raise errors.InvalidGrantError(request=request)
        if not REFRESH_SCOPES & set(request.scopes or []):
            token.pop("refresh_token", None)  # SMART: a refresh token only for offline_access
        super().save_bearer_token(token, request, *args, **kwargs)
        token["patient"] = str(launch.patient_id)

    def _create_access_token(
        self, expires: Any, request: Request, token: dict[str, Any], source_refresh_token: Any = None
    ) -> AccessToken:
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        request.patient_launch.access_tokens.add(access_token)
        return access_token

    def _create_refresh_token(
        self, request: Request, refresh_token_code: str, access_token: AccessToken, previous_refresh_token: Any
    ) -> RefreshToken:
        refresh_token = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        launch: PatientLaunch = request.patient_launch
        if launch.token_family is None:
            launch.token_family = refresh_token.token_family
            launch.save(update_fields=["token_family"])
        return refresh_token
