"""API errors: field errors on 400, and 404 (not 403) for anything the caller may not see."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.services.errors import ServiceError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        field = exc.field or "non_field_errors"
        return Response({field: [exc.message]}, status=400)
    return drf_exception_handler(exc, context)
