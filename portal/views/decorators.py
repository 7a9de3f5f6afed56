"""View decorators: the access policy applied to a URL's patient, and staff-only pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from portal.access import access_patient, is_staff_user

View = Callable[..., HttpResponse]


def patient_view(action: str) -> Callable[[View], View]:
    """Resolve `patient_id` from the URL through the access policy; 404 for anyone not allowed.
    The view receives `access` instead of `patient_id`."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, patient_id: Any, *args: Any, **kwargs: Any) -> HttpResponse:
            access = access_patient(request.user, patient_id, action)
            request.access = access  # type: ignore[attr-defined]
            return view(request, access, *args, **kwargs)

        return wrapped

    return decorate


def staff_view(view: View) -> View:
    """Pages for staff only. Anyone else gets 404; the second factor is enforced by middleware."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
