"""Billing's deploy check: production never takes payments through the test gateway unawares."""

from __future__ import annotations

from typing import Any

from django.core import checks

from billing.gateway import REFUSED, test_gateway_refused


@checks.register(checks.Tags.security, deploy=True)
def test_gateway_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if test_gateway_refused():
        return [checks.Error(REFUSED, id="billing.E001")]
    return []
