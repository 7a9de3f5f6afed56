"""Sharing: a patient invites, sees and revokes caregivers; a caregiver accepts."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access import ADULT_AT, MINOR_CONFIDENTIAL_FROM, Access, Action
from portal.forms.sharing import ProxyInviteForm
from portal.models import AuditEvent, ProxyGrant
from portal.selectors import patient as patient_selectors
from portal.services import proxies
from portal.services.errors import InvalidToken, ServiceError
from portal.views.decorators import patient_view

# A service that changes one grant: proxy_revoke, proxy_reinvite, proxy_renew.
GrantService = Callable[..., ProxyGrant]


def _form_error(form: ProxyInviteForm, error: ServiceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@patient_view(Action.SHARING)
def sharing(request: HttpRequest, access: Access) -> HttpResponse:
    form = ProxyInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant, _token = proxies.proxy_invite(access=access, actor=request.user, **form.invitation())  # type: ignore[arg-type]
        except ServiceError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("We sent an invitation to %(email)s. It works once.") % {"email": grant.invited_email}
            )
            return redirect("sharing", patient_id=access.patient.pk)
    grants = patient_selectors.proxy_grants_for(access=access, actor=request.user)  # type: ignore[arg-type]
    age = access.patient.age_on(timezone.localdate())
    context = {
        "access": access,
        "form": form,
        "grants": grants,
        "can_invite": access.acting_as == AuditEvent.ActingAs.SELF and age >= MINOR_CONFIDENTIAL_FROM,
        "is_minor": age < ADULT_AT,
        "is_child": age < MINOR_CONFIDENTIAL_FROM,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/sharing.html", context, status=status)


def _grant_action(
    request: HttpRequest, access: Access, grant_id: int, service: GrantService, success: str, field: str
) -> HttpResponse:
    """Run one change to a grant from the sharing page and come back to it with the outcome."""
    try:
        grant = service(access=access, actor=request.user, grant_id=grant_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success % {field: getattr(grant, f"invited_{field}")})
    return redirect("sharing", patient_id=access.patient.pk)


@require_POST
@patient_view(Action.SHARING)
def revoke(request: HttpRequest, access: Access, grant_id: int) -> HttpResponse:
    message = _("%(name)s no longer has access.")
    return _grant_action(request, access, grant_id, proxies.proxy_revoke, message, "name")


@require_POST
@patient_view(Action.SHARING)
def reinvite(request: HttpRequest, access: Access, grant_id: int) -> HttpResponse:
    message = _("We sent a new invitation to %(email)s. It works once.")
    return _grant_action(request, access, grant_id, proxies.proxy_reinvite, message, "email")


@require_POST
@patient_view(Action.SHARING)
def renew(request: HttpRequest, access: Access, grant_id: int) -> HttpResponse:
    message = _("%(name)s has access again.")
    return _grant_action(request, access, grant_id, proxies.proxy_renew, message, "name")


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a caregiver's invitation. They accept with their own account, never a shared one."""
    try:
        grant = proxies.proxy_grant_for_token(token)
    except InvalidToken as error:
        return render(request, "portal/invitation_invalid.html", {"message": error.message}, status=410)
    if not request.user.is_authenticated:
        request.session["pending_invitation"] = request.path
        return render(request, "portal/proxy_accept.html", {"grant": grant, "token": token})
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "decline":
                proxies.proxy_decline(token=token, user=request.user)
                messages.info(request, _("You declined the invitation."))
                return redirect("home")
            grant = proxies.proxy_accept(token=token, user=request.user)
        except ServiceError as error:
            return render(request, "portal/invitation_invalid.html", {"message": error.message}, status=400)
        request.session.pop("pending_invitation", None)
        messages.success(request, _("You can now help %(name)s.") % {"name": grant.patient.display_name})
        return redirect("patient_home", patient_id=grant.patient.pk)
    return render(request, "portal/proxy_accept.html", {"grant": grant, "token": token})


@login_required
def switch(request: HttpRequest) -> HttpResponse:
    """The header's "acting for" switch: go to the chosen person's home (the access policy decides)."""
    chosen = request.GET.get("patient", "")
    for person in patient_selectors.people_i_act_for(request.user):  # type: ignore[arg-type]
        if str(person.pk) == chosen:
            return redirect("patient_home", patient_id=person.pk)
    return redirect("home")
