"""Which address a request is from, and the limits keyed on it: behind the reverse proxy one
attacked account must not lock everyone out, and a client cannot choose its own address."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory

from portal.client_address import client_address
from portal.factories import PASSWORD, PatientFactory
from records.services import sharing

PROXY = "172.18.0.1"
LOGIN = "/accounts/login/"


@pytest.fixture
def behind_proxy(settings) -> None:
    settings.TRUSTED_PROXIES = ["172.16.0.0/12", "10.0.0.5"]


def _address(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "198.51.100.7", "198.51.100.7"),  # through the proxy
        (PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client wrote 6.6.6.6 itself
        (PROXY, "198.51.100.7, 10.0.0.5", "198.51.100.7"),  # two trusted proxies in a row
        (PROXY, "198.51.100.7, not-an-ip", PROXY),  # garbage: nothing left of it is believed
        (PROXY, "10.0.0.5", "10.0.0.5"),  # only trusted hops: the earliest of them
        (PROXY, None, PROXY),
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),  # an untrusted peer forging the header
        ("2001:db8::1", "198.51.100.7", "2001:db8::1"),
        ("", "198.51.100.7", None),
    ],
)
def test_the_client_is_the_last_untrusted_hop_only_behind_a_trusted_proxy(
    behind_proxy, remote: str, forwarded: str | None, expected: str | None
) -> None:
    assert _address(remote, forwarded) == expected


def test_with_no_trusted_proxy_the_header_is_ignored(settings) -> None:
    settings.TRUSTED_PROXIES = []

    assert _address("127.0.0.1", "198.51.100.7") == "127.0.0.1"


@pytest.mark.parametrize(("debug", "expected"), [("0", "[]"), ("1", "['127.0.0.1/32', '::1/128']")])
def test_production_trusts_no_proxy_unless_told_and_development_trusts_loopback(debug: str, expected: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "TRUSTED_PROXIES"}
    env["DEBUG"] = debug
    code = "import portal.settings as s; print(s.TRUSTED_PROXIES)"

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == expected


def _login(client: Client, email: str, password: str, client_ip: str) -> bool:
    client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_ip)
    signed_in = "_auth_user_id" in client.session
    client.logout()
    return signed_in


@pytest.mark.django_db
def test_an_attacked_account_locks_only_itself(behind_proxy) -> None:
    victim, neighbour, elsewhere = PatientFactory(), PatientFactory(), PatientFactory()
    client = Client()
    for _ in range(5):
        _login(client, victim.user.email, "wrong-password", "198.51.100.66")

    assert _login(client, neighbour.user.email, PASSWORD, "198.51.100.66") is True  # same address
    assert _login(client, elsewhere.user.email, PASSWORD, "198.51.100.7") is True  # same proxy
    assert _login(client, victim.user.email, PASSWORD, "198.51.100.8") is False  # the account stays locked


@pytest.mark.django_db
def test_failures_are_limited_per_client_address_however_the_header_is_forged(settings) -> None:
    settings.TRUSTED_PROXIES = []
    target = PatientFactory()
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for number in range(30):  # one try at each of 30 accounts, each "from" a new address
        attacker.post(
            LOGIN,
            {"login": f"guess{number}@example.org", "password": "Winter2026!"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )

    blocked = attacker.post(
        LOGIN, {"login": target.user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.200"
    )
    other = Client(REMOTE_ADDR="203.0.113.6").post(LOGIN, {"login": target.user.email, "password": PASSWORD})

    assert blocked.status_code == 429  # allauth's per-address limits, keyed on the real peer
    assert "_auth_user_id" not in attacker.session
    assert other.status_code == 302


@pytest.mark.django_db
def test_share_link_guesses_count_against_the_client_not_the_proxy(behind_proxy) -> None:
    guesser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(sharing.ATTEMPTS_PER_ADDRESS):
        guesser.get("/shared/guessing/")

    blocked = guesser.get("/shared/another-guess/")
    neighbour = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").get("/shared/another-guess/")
    spoofing = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.66").get("/shared/x/")

    assert blocked.status_code == 429
    assert neighbour.status_code == 404
    assert spoofing.status_code == 404
