"""Headers that keep health data out of caches and injected code out of pages: Cache-Control,
the Content-Security-Policy, and flash messages kept off the wire."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from portal.factories import ProxyGrantFactory
from portal.middleware import NoStoreMiddleware
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_signed_in_pages_are_never_stored(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.get(f"/p/{patient.pk}/")

    assert response.status_code == 200
    assert set(response["Cache-Control"].split(", ")) == {"no-store", "private"}


def test_api_answers_are_never_stored(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert set(response["Cache-Control"].split(", ")) == {"no-store", "private"}


def test_static_assets_keep_their_caching() -> None:
    middleware = NoStoreMiddleware(lambda request: HttpResponse("body { }", content_type="text/css"))

    response = middleware(RequestFactory().get("/static/css/portal.css"))

    assert not response.has_header("Cache-Control")


def test_every_page_has_a_policy_without_inline_code_or_eval(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.get(f"/p/{patient.pk}/")

    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self' 'nonce-" in policy and "style-src 'self' 'nonce-" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce.group(1)}"' in tag and " src=" in tag for tag in scripts)


def test_the_sign_in_page_and_the_admin_have_the_policy_too(client, admin_user) -> None:
    login = client.get("/accounts/login/")
    client.force_login(admin_user)
    admin = client.get("/admin/login/", follow=True)

    assert "script-src 'self'" in login["Content-Security-Policy"]
    assert "script-src 'self'" in admin["Content-Security-Policy"]


def test_flash_messages_naming_someone_stay_in_the_session(client, patient) -> None:
    grant = ProxyGrantFactory(patient=patient, invited_name="Rosa Delgado")
    sign_in(client, patient.user)

    response = client.post(f"/p/{patient.pk}/sharing/{grant.pk}/revoke/")
    page = client.get(response["Location"]).content.decode()

    assert "messages" not in response.cookies
    assert "Rosa Delgado no longer has access." in page
