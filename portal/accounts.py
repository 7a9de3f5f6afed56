"""How django-allauth fits the portal: who may sign up, and where people land."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from portal.client_address import client_address


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
