"""The billing API in the authorization matrix: the patient and caregivers with the billing scope
get in; everyone else, staff included (they work from their own pages), gets 404 (anonymous: 403),
and nothing is written, leaked, queued or audited."""

from __future__ import annotations

from typing import Any

import pytest

from portal.models import Scope
from tests.authz import ACTORS, ALLOWED, PROXY_WITH_SCOPE, SELF, Endpoint, Url, World, check_endpoint, patient_url
from tests.billing.test_authz_patient import _billing, _estimates

pytestmark = pytest.mark.django_db

assert ALLOWED["patient_side"] == {SELF, PROXY_WITH_SCOPE}

CARD = {"card_token": "tok_succeeded_4242", "card_last4": "4242"}


def _p(name: str, **items: str) -> Url:
    return patient_url(name, **{k: (lambda world, item=item: world.items[item].pk) for k, item in items.items()})


def _api(name: str, url: Url, **kwargs: Any) -> Endpoint:
    kwargs.setdefault("arrange", _billing)
    return Endpoint(name, "patient_side", url, api=True, scope=Scope.BILLING, **kwargs)


def _payment(world: World) -> dict[str, Any]:
    return {
        "account": world.items["account"].pk,
        "purpose": "amount",
        "amount_cents": 500,
        "idempotency_key": "matrix-pay",
        **CARD,
    }


def _plan(world: World) -> dict[str, Any]:
    return {"account": world.items["other_account"].pk, "monthly_cents": 3_000, "day_of_month": 5, **CARD}


def _estimate(world: World) -> dict[str, Any]:
    return {"item": world.items["priced"].pk, "coverage": "self_pay", "idempotency_key": "matrix-estimate"}


ENDPOINTS = [
    _api("api billing accounts", _p("api_billing_accounts")),
    _api("api billing statements", _p("api_billing_statements")),
    _api("api billing statement", _p("api_billing_statement", statement_id="statement")),
    _api("api billing payments", _p("api_billing_payments")),
    _api("api billing pay", _p("api_billing_payments"), method="post", data=_payment, ok_status=201),
    _api("api billing receipt", _p("api_billing_payment", payment_id="payment")),
    _api("api billing plans", _p("api_billing_plans")),
    _api("api billing plan set up", _p("api_billing_plans"), method="post", data=_plan, ok_status=201),
    _api("api billing plan", _p("api_billing_plan", plan_id="plan")),
    _api("api billing plan cancel", _p("api_billing_plan_cancel", plan_id="plan"), method="post"),
    _api("api billing estimates", _p("api_billing_estimates"), arrange=_estimates),
    _api(
        "api billing estimate request",
        _p("api_billing_estimates"),
        method="post",
        data=_estimate,
        ok_status=201,
        arrange=_estimates,
    ),
    _api("api billing estimate", _p("api_billing_estimate", estimate_id="estimate"), arrange=_estimates),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_billing_api_authorization(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


def test_every_billing_api_url_is_in_the_matrix() -> None:
    from billing.api.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} == {endpoint.route for endpoint in ENDPOINTS}
