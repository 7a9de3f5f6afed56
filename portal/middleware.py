"""Request-wide concerns: client context for audit and logs, language, idle timeout,
the second factor, and the registry of signed-in sessions."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from portal import access
from portal.client_address import client_address
from portal.context import Client, bind_user, current_client, reset_client, set_client

log = logging.getLogger("portal.request")

Handler = Callable[[HttpRequest], HttpResponse]

# Paths a signed-in person can reach before finishing the second factor.
OPEN_PREFIXES = ("/static/", "/healthz", "/readyz", "/i18n/", "/accounts/logout/", "/account/two-factor/", "/favicon")


class RequestContextMiddleware:
    """Give every request an id and make its client visible to the audit log and logs."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        client = Client(
            request_id=request_id, ip=client_address(request), user_agent=request.headers.get("User-Agent", "")[:300]
        )
        token = set_client(client)
        started = time.monotonic()
        try:
            # Times are stored in UTC and shown in the clinic's time zone (dates, "today", date filters).
            with timezone.override(settings.CLINIC_TIME_ZONE):
                response = self.get_response(request)
            response["X-Request-ID"] = request_id
            log.info(
                "request",
                extra={
                    "method": request.method,
                    # The route name, not the path: paths can carry search terms.
                    "route": getattr(request.resolver_match, "view_name", None),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000),
                },
            )
        finally:
            reset_client(token)
        return response


class UserLanguageMiddleware:
    """Show the portal in the signed-in person's chosen language."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        request.LANGUAGE_CODE = user.language
        bind_user(user.pk)
        # override() puts the thread's language back afterwards, so it never leaks into
        # whatever this thread runs next.
        with translation.override(user.language):
            return self.get_response(request)


def idle_timeout(user: access.Actor) -> int:
    return settings.IDLE_TIMEOUT_STAFF if access.requires_second_factor(user) else settings.IDLE_TIMEOUT_PATIENT


class IdleTimeoutMiddleware:
    """Sign out a browser left idle: 15 minutes for staff, 30 for patients (configurable)."""

    SESSION_KEY = "_last_activity"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last = request.session.get(self.SESSION_KEY, now)
            timeout = idle_timeout(user)
            request.idle_timeout = timeout  # type: ignore[attr-defined]
            if now - last > timeout:
                logout(request)
                messages.info(
                    request, _("You were signed out after a period of inactivity, to keep your information safe.")
                )
                return HttpResponseRedirect(
                    f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}"
                )
            # The idle-warning ping asks for the time left, and a page refreshing itself in the
            # background (htmx polling, marked X-Portal-Background) is not the person: neither
            # counts as activity.
            if request.path != reverse("session_status") and request.headers.get("X-Portal-Background") != "1":
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Ask for the second factor after the password; staff cannot go on without one."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        pending = user.is_authenticated and not access.second_factor_passed(user)
        if pending and not request.path.startswith(OPEN_PREFIXES):
            next_qs = urlencode({"next": request.get_full_path()})
            if access.has_second_factor(user):
                return HttpResponseRedirect(f"{reverse('two_factor_verify')}?{next_qs}")
            if access.requires_second_factor(user):
                return HttpResponseRedirect(f"{reverse('two_factor_setup')}?{next_qs}")
        return self.get_response(request)


class SessionRegistryMiddleware:
    """Keep the list of signed-in browsers current, at most one write a minute each."""

    SESSION_KEY = "_registry_seen"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None and session.session_key:
            now = time.time()
            if now - session.get(self.SESSION_KEY, 0) > 60:
                from portal.services.accounts import session_touch

                session[self.SESSION_KEY] = now
                session.save()
                session_touch(user=user, session_key=session.session_key, client=current_client())
        return response


class NoStoreMiddleware:
    """No browser or shared cache keeps a page or API answer: they may carry patient data.

    Every dynamic response, signed in or not: a share link or a confirmation page shows data to
    someone not signed in. Static assets (under STATIC_URL) keep their long-lived caching.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True)
        return response
