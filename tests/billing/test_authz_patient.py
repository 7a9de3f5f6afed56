"""The authorization matrix of the patient's billing pages: the patient and a caregiver with the
billing scope get in ("patient_side"); everyone else, staff included (they work from their own
pages), gets 404 or the login page, and nothing is written, leaked or sent."""

from __future__ import annotations

from typing import Any

import pytest

from billing.factories import AccountFactory, account_owing
from billing.gateway import TestGateway
from billing.models import Payment
from billing.services.estimates import estimate_request
from billing.services.payments import payment_submit
from billing.services.plans import plan_create
from billing.services.statements import statement_issue
from portal.access import Action
from portal.access import resolve as resolve_access
from portal.models import Scope
from scheduling.factories import VisitTypeFactory
from tests.authz import ACTORS, ALLOWED, Endpoint, Url, World, check_endpoint, patient_url
from tests.billing.estimate_fixtures import price_visit

assert "patient_side" in ALLOWED


def _billing(world: World) -> None:
    """The patient owes their clinic $125.50 on a statement, and paid $10 of it."""
    account = account_owing(
        12_550, account=AccountFactory(patient=world.patient, organization=world.patient.home_organization)
    )
    world.items["account"] = account
    world.items["statement"] = statement_issue(account_id=account.pk)
    access = resolve_access(world.patient.user, world.patient, Action.BILLING)
    assert access is not None
    world.items["payment"] = payment_submit(
        access=access,
        actor=world.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=1_000,
        idempotency_key="arranged",
        card=TestGateway().tokenize("4242424242424242"),
    )
    world.items["plan"] = plan_create(
        access=access,
        actor=world.patient.user,
        account_id=account.pk,
        monthly_cents=5_000,
        day_of_month=15,
        card=TestGateway().tokenize("4242424242424242"),
    )
    # A second clinic's bill, with no plan yet: the matrix sets one up.
    world.items["other_account"] = account_owing(6_000, account=AccountFactory(patient=world.patient))


def _estimates(world: World) -> None:
    """The bills above, and a Good Faith Estimate the patient asked for at their clinic."""
    _billing(world)
    organization = world.patient.home_organization
    priced = price_visit(organization, visit_type=VisitTypeFactory(organization=organization))
    world.items["priced"] = priced.item
    access = resolve_access(world.patient.user, world.patient, Action.BILLING)
    assert access is not None
    due = estimate_request(
        access=access, actor=world.patient.user, item_id=priced.item.pk, coverage="uninsured", idempotency_key="a"
    )
    world.items["estimate"] = due.estimate


def _page(name: str, **items: str) -> Url:
    return patient_url(name, **{key: (lambda world, item=item: world.items[item].pk) for key, item in items.items()})


def _endpoint(name: str, url: Url, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "patient_side", url, scope=Scope.BILLING, arrange=_billing, **kwargs)


def _estimate_endpoint(name: str, url: Url, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "patient_side", url, scope=Scope.BILLING, arrange=_estimates, **kwargs)


ENDPOINTS = [
    _estimate_endpoint("estimates", _page("billing_estimates")),
    _estimate_endpoint(
        "estimate request",
        _page("billing_estimates"),
        method="post",
        data=lambda world: {"item": world.items["priced"].pk, "coverage": "self_pay", "idempotency_key": "m-1"},
        ok_status=302,
    ),
    _estimate_endpoint("estimate", _page("billing_estimate", estimate_id="estimate")),
    _estimate_endpoint("estimate PDF", _page("billing_estimate_pdf", estimate_id="estimate")),
    _endpoint("billing home", _page("billing_home")),
    _endpoint("statement", _page("billing_statement", statement_id="statement")),
    _endpoint("statement PDF", _page("billing_statement_pdf", statement_id="statement")),
    _endpoint("pay page", _page("billing_pay", account_id="account"), audited=False),
    _endpoint(
        "pay",
        _page("billing_pay", account_id="account"),
        method="post",
        data=lambda world: {
            "purpose": "amount",
            "amount": "5.00",
            "card_number": "4242424242424242",
            "idempotency_key": "matrix-key-1",
        },
        ok_status=302,
    ),
    _endpoint("receipt", _page("billing_receipt", payment_id="payment")),
    _endpoint("receipt PDF", _page("billing_receipt_pdf", payment_id="payment")),
    _endpoint("plan page", _page("billing_plan", account_id="account")),
    _endpoint(
        "plan set up",
        _page("billing_plan", account_id="other_account"),
        method="post",
        data=lambda world: {"monthly_amount": "30.00", "day_of_month": "5", "card_number": "4242424242424242"},
        ok_status=302,
    ),
    _endpoint("plan cancel", _page("billing_plan_cancel", plan_id="plan"), method="post", ok_status=302),
    _endpoint("question page", _page("billing_ask"), audited=False),
    _endpoint(
        "paperless",
        _page("billing_paperless", account_id="account"),
        method="post",
        data=lambda world: {"paperless": "on"},
        ok_status=302,
    ),
    _endpoint(
        "question",
        _page("billing_ask"),
        method="post",
        data=lambda world: {"kind": "question", "text": "Why was I billed twice?", "idempotency_key": "matrix-q"},
        ok_status=302,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_patient_billing_authorization(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


def test_every_patient_billing_url_is_in_the_matrix() -> None:
    from billing.urls.patient import urlpatterns

    assert {pattern.name for pattern in urlpatterns} == {endpoint.route for endpoint in ENDPOINTS}
