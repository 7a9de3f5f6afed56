"""The second factor (django-otp): authenticator-app enrolment, verification, recovery codes.

Who may reach which of these before entering a second factor is decided in one place, the gate
in portal.middleware.SecondFactorMiddleware, not here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from portal.access import requires_second_factor
from portal.forms.two_factor import OtpCodeForm
from portal.services import two_factor


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def security(request: HttpRequest) -> HttpResponse:
    context = {
        "devices": two_factor.devices_of(request.user),  # type: ignore[arg-type]
        "recovery_left": two_factor.recovery_codes_left(request.user),  # type: ignore[arg-type]
        "required": requires_second_factor(request.user),
    }
    return render(request, "portal/security.html", context)


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Scan a QR code, type one code to prove it works; recovery codes are shown once."""
    device = two_factor.totp_pending_device(request.user)  # type: ignore[arg-type]
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_confirm(user=request.user, device=device, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        if codes is not None:
            otp_login(request, device)
            return render(request, "portal/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", _("That code did not match. Check the time on your phone and try the newest code."))
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.readable_secret(device),
        "next": _next_url(request),
        "required": requires_second_factor(request.user),
    }
    return render(request, "portal/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the app, or one recovery code."""
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next_url(request))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("That code did not work. Try the newest code from your app, or a recovery code."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "portal/two_factor_verify.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = two_factor.recovery_codes_replace(user=request.user)  # type: ignore[arg-type]
    except two_factor.ServiceError as error:
        messages.error(request, error.message)
        return redirect("security")
    return render(request, "portal/recovery_codes.html", {"codes": codes, "next": "/account/security/"})


@require_POST
@login_required
def remove_device(request: HttpRequest, device_id: int) -> HttpResponse:
    try:
        two_factor.totp_remove(user=request.user, device_id=device_id)  # type: ignore[arg-type]
    except two_factor.ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The authenticator app was removed."))
    return redirect("security")
