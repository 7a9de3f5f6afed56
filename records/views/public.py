"""The page a share link opens, for anyone (no sign-in), under /shared/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal.services.errors import InvalidToken
from records.downloads import clinic_zone
from records.forms.patient_sharing import BirthDateForm
from records.services import sharing


def _public(response: HttpResponse) -> HttpResponse:
    """Headers of every page a share link opens: never indexed, never cached, and the link (whose
    path is the secret) never sent on as a referrer. strict-origin, not no-referrer: with no-referrer
    browsers send "Origin: null" on the birth-date form and Django's CSRF check refuses it."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "strict-origin"
    return response


@never_cache
def shared_record(request: HttpRequest, token: str) -> HttpResponse:
    """The page a share link opens, for anyone: the birth date first, then a read-only summary."""
    if sharing.address_blocked():
        message = _("Too many tries from this network. Please wait an hour and try again.")
        return _public(render(request, "records/share/unavailable.html", {"message": message}, status=429))
    try:
        sharing.share_link_for_token(token)
    except InvalidToken as error:
        status = 410 if isinstance(error, sharing.LinkUnusable) else 404
        return _public(render(request, "records/share/unavailable.html", {"message": error.message}, status=status))
    form = BirthDateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shared = sharing.share_link_open(token=token, birth_date=form.cleaned_data["birth_date"])
        except sharing.WrongBirthDate as error:
            form.add_error("birth_date", error.message)
        except sharing.TooManyAttempts as error:
            return _public(render(request, "records/share/unavailable.html", {"message": error.message}, status=429))
        except InvalidToken as error:  # locked by this very try, or turned off a moment ago
            return _public(render(request, "records/share/unavailable.html", {"message": error.message}, status=410))
        else:
            with timezone.override(clinic_zone(shared.patient)):
                return _public(render(request, "records/share/summary.html", {"shared": shared}))
    status = 400 if form.errors else 200
    return _public(render(request, "records/share/birth_date.html", {"form": form}, status=status))
