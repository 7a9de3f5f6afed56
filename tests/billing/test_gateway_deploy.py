"""The test payment gateway takes no money: with DEBUG=0 the portal refuses it (check --deploy
error, the web process does not start, no payment goes through) unless BILLING_ALLOW_TEST_GATEWAY
says a demo or staging installation means it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from billing.gateway import gateway
from tests.portal.test_deploy import BASE_DIR, SECURITY_OVERRIDES


def _production(**extra: str) -> dict[str, str]:
    drop = {*SECURITY_OVERRIDES, "BILLING_ALLOW_TEST_GATEWAY", "BILLING_GATEWAY"}
    env = {name: value for name, value in os.environ.items() if name not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.org",
        **extra,
    )
    return env


def _run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=_production(**extra), capture_output=True, text=True, timeout=120
    )


def test_check_deploy_and_startup_refuse_the_test_gateway_in_production() -> None:
    checked = _run("manage.py", "check", "--deploy")
    started = _run("-c", "import portal.wsgi")

    assert checked.returncode != 0
    assert "billing.E001" in checked.stdout + checked.stderr
    assert started.returncode != 0
    assert "billing.E001" in started.stderr


def test_a_demo_installation_may_allow_it() -> None:
    started = _run("-c", "import portal.wsgi", BILLING_ALLOW_TEST_GATEWAY="1")

    assert started.returncode == 0, started.stderr


@override_settings(DEBUG=False, BILLING_ALLOW_TEST_GATEWAY=False)
def test_no_payment_goes_through_the_test_gateway_in_production() -> None:
    with pytest.raises(ImproperlyConfigured, match="BILLING_ALLOW_TEST_GATEWAY"):
        gateway()
