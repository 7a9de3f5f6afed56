"""The gate before the second factor, walked over every route of the portal: a session that
signed in with a password alone reaches nothing but the code (default deny), so a page added
later is closed until someone opens it in portal.middleware on purpose."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.factories import PASSWORD
from portal.middleware import BEFORE_SECOND_FACTOR, FIRST_ENROLMENT

pytestmark = pytest.mark.django_db

SAMPLES = {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "str": "x", "path": "x"}


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    """(route name, a concrete path) for every route written with path() syntax."""
    for pattern in patterns:
        text = str(pattern.pattern)
        if text.startswith("^"):  # a regular expression (Django admin's app index): no sample path
            continue
        concrete = prefix + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], text)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, concrete, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", "/" + concrete


ROUTES = sorted(set(_routes(get_resolver().url_patterns)))
CLOSED = [(name, path) for name, path in ROUTES if name not in BEFORE_SECOND_FACTOR | FIRST_ENROLMENT]


def test_the_walk_finds_every_route_with_a_path_that_reaches_it() -> None:
    paths = [path for _name, path in CLOSED]
    assert [(name, path) for name, path in ROUTES if resolve(path).view_name != name] == []
    assert len([p for p in paths if p.startswith("/staff/")]) >= 20
    assert len([p for p in paths if p.startswith("/api/v1/")]) >= 10


@pytest.mark.parametrize("method", ["get", "post"])
def test_before_the_code_every_other_route_is_closed(client, nurse, method) -> None:
    TOTPDevice.objects.create(user=nurse.user, name="phone", confirmed=True)
    client.post("/accounts/login/", {"login": nurse.user.email, "password": PASSWORD})

    open_routes = []
    for name, path in CLOSED:
        response = getattr(client, method)(path)
        api = path.startswith(("/api/", "/fhir/"))
        refused = (
            response.status_code == 403
            if api
            else response.get("Location", "").startswith("/account/two-factor/verify/?next=")
        )
        if not refused:
            open_routes.append((name, path, response.status_code))

    assert open_routes == []


def test_a_new_staff_member_before_enrolling_reaches_only_enrolment(client, nurse) -> None:
    client.post("/accounts/login/", {"login": nurse.user.email, "password": PASSWORD})

    staff_paths = [path for _name, path in CLOSED if path.startswith("/staff/")]
    answers = {client.get(path).get("Location", "").split("?")[0] for path in staff_paths}

    assert answers == {"/account/two-factor/setup/"}
    assert client.get("/account/two-factor/setup/").status_code == 200


def test_before_the_code_a_person_can_still_switch_language_and_sign_out(client, nurse) -> None:
    TOTPDevice.objects.create(user=nurse.user, name="phone", confirmed=True)
    client.post("/accounts/login/", {"login": nurse.user.email, "password": PASSWORD})

    switched = client.post("/language/", {"language": "es", "next": "/account/two-factor/verify/"})
    signed_out = client.post("/accounts/logout/")

    assert switched.status_code == 302 and switched["Location"] == "/account/two-factor/verify/"
    nurse.user.refresh_from_db()
    assert nurse.user.language == "es"
    assert signed_out.status_code == 302
    assert "_auth_user_id" not in client.session
