"""Switching to Stripe by environment: the three keys are required, and the Content-Security-Policy
then lets Stripe.js and its card frames in (and nothing else changes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

READ = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: list(map(str, v)) for k, v in s.CONTENT_SECURITY_POLICY['DIRECTIVES'].items()}))"
)


def _settings_with(**variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **variables}
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", READ], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_stripe_without_its_keys_refuses_to_start() -> None:
    result = _settings_with(BILLING_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_test_x")

    assert result.returncode != 0
    assert "Set the STRIPE_PUBLISHABLE_KEY environment variable." in result.stderr


def test_stripe_on_lets_stripe_js_and_its_frames_into_the_policy() -> None:
    result = _settings_with(
        BILLING_GATEWAY="stripe",
        STRIPE_SECRET_KEY="sk_test_x",
        STRIPE_PUBLISHABLE_KEY="pk_test_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
    )

    directives = json.loads(result.stdout)
    assert "https://js.stripe.com" in directives["script-src"]
    assert directives["frame-src"] == ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]
    assert directives["connect-src"] == ["'self'", "https://api.stripe.com"]


def test_the_test_gateway_leaves_the_policy_closed() -> None:
    directives = json.loads(_settings_with(BILLING_GATEWAY="test").stdout)

    assert "frame-src" not in directives
    assert directives["connect-src"] == ["'self'"]
