"""Accounts through django-allauth: sign-up with a verified email, throttling, reset and verification links."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail

from portal.factories import PASSWORD
from portal.models import User

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """The suite's fast hasher, counting how many passwords it hashes (the costly step of a sign-up)."""

    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counted_hashing(settings) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def _sign_up(client, email: str) -> Any:
    data = {
        "email": email,
        "full_name": "Nova Person",
        "password1": "a-long-pass-phrase",
        "password2": "a-long-pass-phrase",
    }
    return client.post("/accounts/signup/", data)


def _link(message: str, fragment: str) -> str:
    match = re.search(rf"https?://[^\s]+{fragment}[^\s]*", message)
    assert match, message
    return match.group(0).split("testserver", 1)[-1]


def test_sign_up_requires_a_verified_email_before_signing_in(
    client, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _sign_up(client, "new@example.org")
    user = User.objects.get(email="new@example.org")
    before = client.post("/accounts/login/", {"login": "new@example.org", "password": "a-long-pass-phrase"})

    confirm = _link(mail.outbox[-1].body, "/accounts/confirm-email/")
    client.post(confirm)

    assert response.status_code == 302
    assert user.full_name == "Nova Person"
    assert before["Location"] == "/accounts/confirm-email/"
    assert EmailAddress.objects.get(user=user).verified is True


def test_sign_up_form_keeps_input_and_explains_errors(client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "full_name": "Nova", "password1": "short", "password2": "other"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="new@example.org"' in page and 'value="Nova"' in page
    assert "field__errors" in page
    assert User.objects.count() == 0


def test_repeated_failed_logins_are_throttled(client, patient) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"login": patient.user.email, "password": "wrong-password"})

    blocked = client.post("/accounts/login/", {"login": patient.user.email, "password": PASSWORD})

    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_used_password_reset_link_explains_itself_and_offers_a_new_one(
    client, patient, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": patient.user.email})
    link = _link(mail.outbox[-1].body, "/accounts/password/reset/key/")
    client.get(link, follow=True)
    client.post(
        client.get(link, follow=True).request["PATH_INFO"],
        {"password1": "brand-new-pass-1", "password2": "brand-new-pass-1"},
    )

    again = client.get(link, follow=True).content.decode()

    assert "invalid" in again.lower()
    assert "/accounts/password/reset/" in again


def test_a_bad_email_confirmation_link_explains_itself(client, patient) -> None:
    client.force_login(patient.user)

    page = client.get("/accounts/confirm-email/not-a-real-key/").content.decode()

    assert "expired or is invalid" in page
    assert "/accounts/email/" in page


@pytest.mark.parametrize("known", [True, False], ids=["address-with-an-account", "new-address"])
def test_sign_up_does_the_same_work_whether_or_not_the_address_has_an_account(
    client, patient, counted_hashing, django_capture_on_commit_callbacks, known: bool
) -> None:
    email = patient.user.email if known else "someone.new@example.org"
    counted_hashing.calls = 0

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _sign_up(client, email)

    # One password hashed, one email handed to a worker, the same answer: nothing tells them apart.
    assert (counted_hashing.calls, len(queued)) == (1, 1)
    assert (response.status_code, response["Location"]) == (302, "/accounts/confirm-email/")
    assert mail.outbox == []
    assert User.objects.filter(email=email).count() == 1


def test_the_already_have_an_account_email_is_sent_by_the_worker(
    client, patient, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(client, patient.user.email)

    assert [message.to for message in mail.outbox] == [[patient.user.email]]
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_the_sign_in_page_says_how_an_account_reaches_a_health_record(client) -> None:
    body = " ".join(client.get("/accounts/login/").content.decode().split())

    assert "sign up first" not in body
    assert "{#" not in body
    assert 'New to the portal? <a href="/accounts/signup/">Create an account</a> with your email address' in body
    assert "once you enter the activation code your clinic gave you, or open a caregiver invitation." in body
