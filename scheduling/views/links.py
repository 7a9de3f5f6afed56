"""Opening the one-tap links of reminders (confirm, cancel) and waitlist offers (accept).

Opening a link changes nothing: the page says what will happen, and its button does it (mail
scanners and link previews open links too). A reminder's link works without signing in, as the
reminder it came in, and shows no more than that reminder did (when and where, not what for).
An offer's page asks the patient (or a caregiver with the scheduling scope) to sign in.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.services.errors import InvalidToken, ServiceError
from scheduling import links
from scheduling.selectors import patient
from scheduling.services import changes, waitlist


def _reminder_link(request: HttpRequest, token: str, purpose: str) -> HttpResponse:
    try:
        appointment = patient.reminder_link_visit(token, purpose)
    except InvalidToken as error:
        return render(request, "scheduling/patient/link_invalid.html", {"problem": error.message}, status=404)
    context = {"visit": appointment, "purpose": purpose, "done": None, "problem": None}
    with timezone.override(ZoneInfo(appointment.visit_type.organization.time_zone)):
        if request.method == "POST":
            try:
                if purpose == links.CONFIRM:
                    changes.appointment_confirm_by_link(token=token)
                    context["done"] = _("Thank you. We have noted that you are coming.")
                else:
                    outcome = changes.appointment_cancel_by_link(token=token)
                    context["done"] = (
                        _(
                            "It is too close to your visit to cancel it online, so we have asked the clinic "
                            "to cancel it. They will contact you if they need to."
                        )
                        if outcome.request is not None
                        else _("Your visit is cancelled.")
                    )
            except ServiceError as error:
                context["problem"] = error.message
        return render(request, "scheduling/patient/reminder_link.html", context)


@require_http_methods(["GET", "POST"])
def reminder_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return _reminder_link(request, token, links.CONFIRM)


@require_http_methods(["GET", "POST"])
def reminder_cancel(request: HttpRequest, token: str) -> HttpResponse:
    return _reminder_link(request, token, links.CANCEL)


@login_required
@require_http_methods(["GET", "POST"])
def offer_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The offered time and an Accept button; the first to accept gets it."""
    offer, access = patient.offer_for(token=token, user=request.user)  # type: ignore[arg-type]
    problem = None
    with timezone.override(ZoneInfo(offer.entry.visit_type.organization.time_zone)):
        if request.method == "POST":
            outcome = waitlist.offer_accept(token=token)
            if outcome.accepted and outcome.offer.appointment_id is not None:
                messages.success(request, outcome.message)
                return redirect(
                    "appointments_visit", patient_id=access.patient.pk, appointment_id=outcome.offer.appointment_id
                )
            problem = outcome.message
        context = {
            "access": access,
            "offer": offer,
            "open": offer.status == offer.Status.OFFERED and offer.expires_at > timezone.now(),
            "problem": problem,
        }
        return render(request, "scheduling/patient/offer.html", context)
