"""View decorators: the access policy applied to a URL's patient, and staff-only pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from portal.access import access_patient, is_staff_user

View = Callable[..., HttpResponse]


def patient_view(
    action: str, *, patient_side: bool = False, staff_side: bool = False, clinic_time: bool = False
) -> Callable[[View], View]:
    """Resolve `patient_id` from the URL through the access policy; 404 for anyone not allowed.
    The view receives `access` instead of `patient_id`.

    `patient_side`: a page for the patient and their caregivers only; staff, who may reach the
    patient too, work from their own pages and get 404 here, as anyone else.
    `staff_side`: a staff page about the patient; the patient side gets 404.
    `clinic_time`: show and read times in the patient's own clinic's time zone (the middleware's
    default is the portal's): a typed "08:30" means 08:30 where the patient's clinic is."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, patient_id: Any, *args: Any, **kwargs: Any) -> HttpResponse:
            access = access_patient(request.user, patient_id, action)
            request.access = access  # type: ignore[attr-defined]
            if patient_side or staff_side:
                access.require(action, patient_side=patient_side, staff_side=staff_side)
            if not clinic_time:
                return view(request, access, *args, **kwargs)
            with timezone.override(ZoneInfo(access.patient.home_organization.time_zone)):
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
