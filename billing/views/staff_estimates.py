"""Billing staff's Good Faith Estimates due at /staff/billing/estimates/: late ones first, and the
button that issues one (or a new version) once billing's facts are complete."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from billing.selectors import staff as selectors
from billing.selectors import staff_estimates
from billing.services import estimates
from portal.models import StaffMember, User
from portal.services.errors import ServiceError
from portal.views.decorators import staff_view


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff(request: HttpRequest) -> StaffMember:
    member = selectors.billing_staff(_actor(request))
    if member is None:
        raise Http404
    return member


@staff_view
@require_GET
def estimates_due(request: HttpRequest) -> HttpResponse:
    member = _staff(request)
    now = timezone.now()
    dues = staff_estimates.estimates_due(staff=member, actor=_actor(request), now=now)
    return render(request, "billing/staff/estimates.html", {"dues": dues, "staff": member, "now": now})


@staff_view
@require_http_methods(["POST"])
def estimate_issue(request: HttpRequest, due_id: int) -> HttpResponse:
    member = _staff(request)
    try:
        estimates.estimate_issue_now(staff=member, actor=_actor(request), due_id=due_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The estimate is issued; the patient can see it now."))
    return redirect("billing_staff_estimates")
