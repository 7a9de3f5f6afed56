"""The Stripe backend, run with Stripe's real library against a local server (stripe_server.py):
the payment row's key goes out as Stripe's Idempotency-Key, a retry charges once, declines and
the bank's confirmation step read clearly to the patient, refunds go through Stripe, and an
unreachable Stripe leaves the payment processing instead of guessing."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import account_owing
from billing.gateway import CardRefused, Outcome, StripeGateway
from billing.models import Account, Instalment, LedgerEntry, Payment
from billing.services.payments import payment_submit
from billing.services.plans import instalments_sweep, plan_create
from billing.services.staff import payment_refund
from portal.access import Access, Action, resolve
from portal.factories import StaffMemberFactory
from portal.models import StaffRole
from tests.billing.stripe_server import DECLINED, INSUFFICIENT, NEEDS_3DS, SUCCEEDS, FakeStripe, fake_stripe
from tests.clock import CLINIC_ZONE, Clock
from tests.conftest import sign_in

__all__ = ["fake_stripe"]
pytestmark = pytest.mark.django_db


def _access(account: Account) -> Access:
    access = resolve(account.patient.user, account.patient, Action.BILLING)
    assert access is not None
    return access


def _pay(account: Account, method: str, key: str = "form-key-1", cents: int = 2_500) -> Payment:
    return payment_submit(
        access=_access(account),
        actor=account.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=cents,
        idempotency_key=key,
        card=StripeGateway().tokenize(method),
    )


def test_a_payment_creates_one_confirmed_payment_intent_with_the_rows_key(fake_stripe: FakeStripe) -> None:
    account = account_owing(10_000)

    payment = _pay(account, SUCCEEDS)
    again = _pay(account, SUCCEEDS)

    account.refresh_from_db()
    sent = fake_stripe.posts("/v1/payment_intents")
    assert again.pk == payment.pk
    assert len(sent) == 1
    assert sent[0].headers["idempotency-key"] == f"payment-{payment.pk}"
    assert sent[0].headers["authorization"] == "Bearer sk_test_local"
    assert sent[0].params["amount"] == "2500"
    assert sent[0].params["currency"] == "usd"
    assert sent[0].params["confirm"] == "true"
    assert sent[0].params["payment_method"] == SUCCEEDS
    assert sent[0].params["metadata[portal_payment]"] == str(payment.pk)
    assert (payment.status, payment.gateway, payment.gateway_reference) == ("succeeded", "stripe", "pi_1")
    assert payment.card_last4 == "4242"
    assert account.balance_cents == 7_500


def test_the_same_key_sent_twice_is_one_charge_at_stripe(fake_stripe: FakeStripe) -> None:
    gateway = StripeGateway()

    first = gateway.charge(amount_cents=1_000, token=SUCCEEDS, idempotency_key="payment-77")
    second = gateway.charge(amount_cents=1_000, token=SUCCEEDS, idempotency_key="payment-77")

    assert first == second
    assert first.outcome == Outcome.SUCCEEDED
    assert len(fake_stripe.intents) == 1
    assert len(fake_stripe.posts("/v1/payment_intents")) == 2


def test_declines_are_recorded_with_their_reason(fake_stripe: FakeStripe) -> None:
    account = account_owing(10_000)

    declined = _pay(account, DECLINED, key="a")
    short = _pay(account, INSUFFICIENT, key="b")

    account.refresh_from_db()
    assert (declined.status, declined.failure_code, declined.gateway_reference) == ("declined", "card_declined", "pi_1")
    assert (short.status, short.failure_code) == ("declined", "insufficient_funds")
    assert account.balance_cents == 10_000
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT).count() == 0


def test_an_unknown_payment_method_is_refused_before_any_charge(fake_stripe: FakeStripe) -> None:
    with pytest.raises(CardRefused):
        StripeGateway().tokenize("4242424242424242")
    with pytest.raises(CardRefused):
        StripeGateway().tokenize("pm_unknown")

    assert fake_stripe.posts("/v1/payment_intents") == []


def test_stripe_unreachable_leaves_the_payment_processing(fake_stripe: FakeStripe) -> None:
    account = account_owing(10_000)
    card = StripeGateway().tokenize(SUCCEEDS)
    fake_stripe.fail_with = 500

    payment = payment_submit(
        access=_access(account),
        actor=account.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=2_500,
        idempotency_key="k",
        card=card,
    )

    account.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert account.balance_cents == 10_000


def test_a_plan_keeps_the_card_on_a_stripe_customer_and_charges_off_session(fake_stripe: FakeStripe) -> None:
    token = StripeGateway().tokenize(SUCCEEDS, reusable=True)

    result = StripeGateway().charge(amount_cents=2_500, token=token.token, idempotency_key="instalment-1-try-1")

    customer = fake_stripe.posts("/v1/customers")[0]
    charge = fake_stripe.posts("/v1/payment_intents")[0]
    assert token.token == f"cus_2/{SUCCEEDS}"  # the customer the second request made
    assert token.last4 == "4242"
    assert customer.params["payment_method"] == SUCCEEDS
    assert (charge.params["customer"], charge.params["payment_method"]) == ("cus_2", SUCCEEDS)
    assert charge.params["off_session"] == "true"
    assert charge.headers["idempotency-key"] == "instalment-1-try-1"
    assert result.outcome == Outcome.SUCCEEDED


def test_a_staff_refund_goes_through_stripe_with_its_own_key(fake_stripe: FakeStripe) -> None:
    account = account_owing(10_000)
    payment = _pay(account, SUCCEEDS)
    member = StaffMemberFactory(organization=account.organization, role=StaffRole.BILLING)
    account.patient.home_organization = account.organization
    account.patient.save()
    access = resolve(member.user, account.patient, Action.BILLING)
    assert access is not None

    for _try in range(2):
        payment_refund(
            access=access,
            actor=member.user,
            payment_id=payment.pk,
            amount_cents=500,
            reason="Overcharge",
            idempotency_key="r1",
        )

    sent = fake_stripe.posts("/v1/refunds")
    payment.refresh_from_db()
    assert len(sent) == 1
    assert sent[0].params == {"payment_intent": "pi_1", "amount": "500"}
    assert sent[0].headers["idempotency-key"] == f"refund-{payment.pk}-r1"
    assert payment.refunded_cents == 500


def test_the_pay_page_shows_stripes_payment_element_and_no_card_number_field(
    fake_stripe: FakeStripe, client: Client
) -> None:
    account = account_owing(10_000)
    sign_in(client, account.patient.user)

    page = client.get(reverse("billing_pay", args=[account.patient.pk, account.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-stripe-key="pk_test_local"' in html
    assert "https://js.stripe.com/v3/" in html
    assert 'autocomplete="cc-number"' not in html
    assert 'type="hidden" name="card_number"' in html


@pytest.mark.parametrize(
    ("method", "heading", "explanation"),
    [
        (DECLINED, "Your card was declined", "Your bank did not accept the payment. Nothing was charged."),
        (INSUFFICIENT, "Your card was declined", "The card does not have enough funds. Nothing was charged."),
        (NEEDS_3DS, "Your bank needs to confirm this payment", "Nothing is charged until your bank confirms."),
    ],
)
def test_the_patient_reads_what_happened_to_the_card(
    fake_stripe: FakeStripe, client: Client, method: str, heading: str, explanation: str
) -> None:
    account = account_owing(10_000)
    sign_in(client, account.patient.user)
    url = reverse("billing_pay", args=[account.patient.pk, account.pk])

    response = client.post(
        url, {"purpose": "amount", "amount": "25.00", "card_number": method, "idempotency_key": "k1"}, follow=True
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert heading in html
    assert explanation in html
    if method == NEEDS_3DS:
        assert 'data-secret="pi_1_secret_local"' in html
        assert Payment.objects.get().status == Payment.Status.REQUIRES_ACTION


def test_a_receipt_waiting_for_the_bank_asks_stripe_again_and_settles(fake_stripe: FakeStripe, client: Client) -> None:
    account = account_owing(10_000)
    payment = _pay(account, NEEDS_3DS)
    sign_in(client, account.patient.user)
    receipt = reverse("billing_receipt", args=[account.patient.pk, payment.pk])
    assert "Confirm with my bank" in client.get(receipt).content.decode()
    fake_stripe.intents["pi_1"]["status"] = "succeeded"  # the patient confirmed with the bank

    html = client.get(receipt).content.decode()

    payment.refresh_from_db()
    account.refresh_from_db()
    assert "Thank you: your payment went through" in html
    assert payment.status == Payment.Status.SUCCEEDED
    assert account.balance_cents == 7_500


def test_a_plans_instalment_is_charged_off_session_once_and_waits_while_stripe_is_down(
    fake_stripe: FakeStripe, clock: Clock
) -> None:
    account = account_owing(25_000)
    plan = plan_create(
        access=_access(account),
        actor=account.patient.user,
        account_id=account.pk,
        monthly_cents=10_000,
        day_of_month=15,
        card=StripeGateway().tokenize(SUCCEEDS, reusable=True),
    )
    clock.move_to(datetime(2026, 12, 15, 9, 30, tzinfo=CLINIC_ZONE))
    fake_stripe.fail_with = 500

    down = instalments_sweep()
    fake_stripe.fail_with = 0
    up = instalments_sweep()
    again = instalments_sweep()

    instalment = plan.instalments.get(number=1)
    sent = fake_stripe.posts("/v1/payment_intents")
    assert (down.charged, up.charged, again.charged) == (0, 1, 0)
    assert instalment.status == Instalment.Status.PAID
    assert {seen.headers["idempotency-key"] for seen in sent} == {f"instalment-{instalment.pk}-try-1"}
    assert len(fake_stripe.intents) == 1
    assert sent[-1].params["off_session"] == "true"
