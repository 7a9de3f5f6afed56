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
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from portal import access
from portal.client_address import client_address
from portal.context import Client, bind_user, current_client, reset_client, set_client
from portal.views import health

log = logging.getLogger("portal.request")

Handler = Callable[[HttpRequest], HttpResponse]

# Routes (by name, never by path prefix) a session may reach before it enters the second factor
# it owes: the code itself, signing out, the language switch on that page, health checks.
BEFORE_SECOND_FACTOR = frozenset(
    {"two_factor_verify", "account_logout", "set_language", "javascript_catalog", "healthz", "readyz"}
)
# Enrolling the account's first device: open before a second factor only while none is confirmed
# (a new staff member's first sign-in); once there is one, adding another needs it.
FIRST_ENROLMENT = frozenset({"two_factor_setup"})
# Changes to the second factor itself: only for a session that entered one.
SECOND_FACTOR_CHANGES = frozenset({"two_factor_setup", "two_factor_recovery_codes", "two_factor_remove"})
API_PREFIXES = ("/api/", "/fhir/")


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
    """The one gate between the password and the second factor.

    A session that owes its second factor (`access.second_factor_pending`) reaches only the routes
    in BEFORE_SECOND_FACTOR, and FIRST_ENROLMENT while the account has no confirmed device;
    everything else, present and future, waits for the code. Changes to the second factor itself
    (SECOND_FACTOR_CHANGES) need a session that entered one, whoever the account belongs to: a
    password alone must never mint recovery codes or add or remove a device."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], args: object, kwargs: object
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or access.second_factor_passed(user):
            return None
        match = request.resolver_match
        route = match.view_name if match is not None else ""
        send_to = second_factor_route(user, route)
        if send_to is None:
            return None
        if request.path.startswith(API_PREFIXES):
            # An app gets a clear refusal it can act on, not a redirect to a page.
            message = _("Enter the code from your authenticator app in the portal first.")
            return JsonResponse({"detail": message}, status=403)
        next_qs = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(send_to)}?{next_qs}")


def second_factor_route(user: access.Actor, route: str) -> str | None:
    """Where a signed-in session that has not entered a second factor must go instead of `route`
    (the verify or the enrol page), or None if it may go on."""
    if route in BEFORE_SECOND_FACTOR:
        return None
    enrolled = access.has_second_factor(user)
    if route in FIRST_ENROLMENT and not enrolled:
        return None
    if enrolled:
        return "two_factor_verify"
    if route in SECOND_FACTOR_CHANGES or access.requires_second_factor(user):
        return "two_factor_setup"
    # A patient who has not chosen a second factor: nothing to enter, the portal is open.
    return None


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


class HealthEndpointsMiddleware:
    """Answer /healthz and /readyz before sessions and sign-in are read.

    Those need the database; a probe carrying a session cookie would otherwise fail with it
    instead of saying which store is down.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return health.healthz(request)
        if request.path == "/readyz":
            return health.readyz(request)
        return self.get_response(request)


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
