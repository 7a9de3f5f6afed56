"""How django-allauth fits the portal: who may sign up, where people land, how its mail is sent,
and a sign-up form that does the same work whether or not the address already has an account."""

from __future__ import annotations

from functools import partial
from typing import Any

import allauth.core.context
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from django.contrib.auth.hashers import make_password
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from portal.client_address import client_address
from portal.services import notify


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Anyone may create an account with a verified email; it shows no
        # patient data until an invitation or activation code links it.
        return True

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # A caregiver or patient who opened an invitation link before signing
        # in goes back to it.
        pending = request.session.get("pending_invitation")
        return pending or super().get_login_redirect_url(request)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's limits key on the same address as the audit log (the proxy is not the client).
        address = client_address(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Rendered here (the request's language and links), sent by a worker after commit: the
        # page answers as fast for a known address as for a new one (no account discovery by timing).
        from portal.tasks import send_account_mail

        request = allauth.core.context.request
        data = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = notify.mail_as_data(self.render_mail(template_prefix, email, data))
        transaction.on_commit(partial(send_account_mail.delay, message))


class PortalSignupForm(SignupForm):
    """allauth's sign-up form, hashing the password even when the address already has an account.

    A new account costs a password hash; without one here, a known address answers a second
    sooner and the form tells anyone which addresses have accounts.
    """

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)
