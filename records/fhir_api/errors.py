"""FHIR errors: an OperationOutcome with the right status for anything the API refuses.

Another patient's data, an unknown type and an unknown id all answer the same 404, so
the API never confirms that someone else's record exists.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from records.fhir_api.search import SearchError

NOT_FOUND = "Resource not found, or not one you may read."
JSON_ONLY = (
    "This server answers in FHIR JSON only (application/fhir+json): ask with _format=json or leave "
    "_format out. XML and other formats are not served."
)


def outcome(status: int, code: str, diagnostics: str, *, expression: str | None = None) -> Response:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return Response({"resourceType": "OperationOutcome", "issue": [issue]}, status=status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SearchError):
        return outcome(400, "invalid", str(exc), expression=exc.param)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return outcome(404, "not-found", NOT_FOUND)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response = outcome(401, "login", "Sign in, or send a valid bearer token.")
        challenge = getattr(exc, "auth_header", None)  # set by DRF from the first authentication class
        if challenge:
            response["WWW-Authenticate"] = challenge
        return response
    if isinstance(exc, exceptions.PermissionDenied):
        return outcome(403, "forbidden", str(exc.detail))
    if isinstance(exc, exceptions.MethodNotAllowed):
        return outcome(405, "not-supported", "This server is read-only.")
    if isinstance(exc, exceptions.NotAcceptable):
        return outcome(406, "not-supported", JSON_ONLY)
    if isinstance(exc, exceptions.APIException):
        return outcome(exc.status_code, "exception", str(exc.detail))
    return None
