"""Friendly error pages: translated, no stack trace, no patient data."""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def _page(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, f"{status}.html", {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404)


def database_unavailable() -> bool:
    """True while handling an error that means the database cannot be reached (down, restarting, failed over)."""
    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError) or (
            isinstance(error, DatabaseError) and "connection" in str(error).lower()
        ):
            return True
        error = error.__cause__ or error.__context__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the failure may be the database the context processors read.
    if database_unavailable():
        # Not a bug of ours to report but an outage to wait out: 503 tells proxies and apps to retry.
        response = HttpResponse(loader.get_template("503.html").render({}), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render({}))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent after its page went stale (or from elsewhere): say so plainly; nothing was saved."""
    return render(request, "403_csrf.html", {"status": 403}, status=403)
