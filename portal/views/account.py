"""A person's own account: preferences, security (second factor), signed-in sessions, welcome."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms.account import ActivationCodeForm, BriefingNoticesForm, PreferencesForm
from portal.middleware import IdleTimeoutMiddleware, idle_timeout
from portal.models import User
from portal.selectors import account as account_selectors
from portal.services import accounts, invitations, proxies
from portal.services.errors import InvalidToken, ServiceError


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "language": user.language,  # type: ignore[union-attr]
        "notify_by_email": user.notify_by_email,  # type: ignore[union-attr]
        "notify_by_sms": user.notify_by_sms,  # type: ignore[union-attr]
        "phone": user.phone,  # type: ignore[union-attr]
        "notify_briefing": user.notify_briefing,  # type: ignore[union-attr]
    }
    form = PreferencesForm(request.POST or None, initial=initial, own_briefing=hasattr(user, "patient"))
    if request.method == "POST" and form.is_valid():
        try:
            accounts.account_update_preferences(user=user, **form.cleaned_data)  # type: ignore[arg-type]
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your preferences are saved."))
            # The first visit's welcome posts here and goes back where it was.
            back = request.POST.get("next", "")
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("account")
    context = {
        "form": form,
        "grants_held": account_selectors.grants_held_by(user),  # type: ignore[arg-type]
        "notices_form": _notices_form(user),  # type: ignore[arg-type]
    }
    return render(request, "portal/account.html", context, status=400 if form.errors else 200)


def _notices_form(user: User, data: object = None) -> BriefingNoticesForm | None:
    """The caregiver's briefing notices, one choice per person they help with the records scope;
    None for anyone who helps no one that way."""
    grants = proxies.briefing_notice_grants(user)
    return BriefingNoticesForm(data, grants=grants) if grants else None


@require_POST
@login_required
def briefing_notices(request: HttpRequest) -> HttpResponse:
    """A caregiver turns the briefing notice on or off for each person they help."""
    form = _notices_form(request.user, request.POST)  # type: ignore[arg-type]
    if form is None or not form.is_valid():
        messages.error(request, _("Those choices could not be saved. Please try again."))
        return redirect("account")
    proxies.proxy_set_briefing_notices(user=request.user, grant_ids=set(form.cleaned_data["notify"]))  # type: ignore[arg-type]
    messages.success(request, _("Your notice choices are saved."))
    return redirect("account")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language from any page; remembered on the account when signed in."""
    from django.views.i18n import set_language as django_set_language

    language = request.POST.get("language", "")
    if request.user.is_authenticated and translation.check_for_language(language):
        user = request.user
        accounts.account_update_preferences(
            user=user,
            language=language,
            notify_by_email=user.notify_by_email,
            notify_by_sms=user.notify_by_sms,
            phone=user.phone,
        )
    return django_set_language(request)


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            accounts.session_end(user=request.user, session_id=int(request.POST.get("session", "0")))  # type: ignore[arg-type]
        except (ServiceError, ValueError):
            messages.error(request, _("That session has already ended."))
        else:
            messages.success(request, _("That browser is signed out."))
        return redirect("sessions")
    context = {
        "sessions": account_selectors.sessions_of(request.user),  # type: ignore[arg-type]
        "current_key": request.session.session_key,
    }
    return render(request, "portal/sessions.html", context)


@login_required
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds until the idle sign-out, for the warning dialog. Reading it is not activity."""
    import time

    last = request.session.get(IdleTimeoutMiddleware.SESSION_KEY, time.time())
    left = max(0, int(idle_timeout(request.user) - (time.time() - last)))
    return JsonResponse({"seconds_left": left})


@require_POST
@login_required
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": any ordinary request resets the idle clock (see IdleTimeoutMiddleware)."""
    return JsonResponse({"seconds_left": idle_timeout(request.user)})


@login_required
def welcome(request: HttpRequest) -> HttpResponse:
    """For an account not yet linked to a record: enter the clinic's activation code."""
    pending = request.session.get("pending_invitation")
    if pending:
        return redirect(pending)
    form = ActivationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = invitations.patient_activate(token=form.cleaned_data["code"], user=request.user)  # type: ignore[arg-type]
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("Your account is linked to your health record."))
            return redirect("patient_home", patient_id=patient.pk)
    return render(request, "portal/welcome.html", {"form": form}, status=400 if form.errors else 200)


def activate(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a patient's activation email."""
    try:
        invitations.invitation_for_token(token, user=request.user if request.user.is_authenticated else None)
    except InvalidToken as error:
        status = 429 if isinstance(error, invitations.TooManyAttempts) else 410
        return render(request, "portal/invitation_invalid.html", {"message": error.message}, status=status)
    if not request.user.is_authenticated:
        request.session["pending_invitation"] = request.path
        return render(request, "portal/activate.html", {"token": token})
    if request.method == "POST":
        try:
            patient = invitations.patient_activate(token=token, user=request.user)
        except ServiceError as error:
            return render(request, "portal/invitation_invalid.html", {"message": error.message}, status=400)
        request.session.pop("pending_invitation", None)
        messages.success(request, _("Your account is linked to your health record."))
        return redirect("patient_home", patient_id=patient.pk)
    return render(request, "portal/activate.html", {"token": token})
