"""The payments provider behind one interface. The embedded default is the test gateway: it
answers by test card number the way the major processors' test cards do, keeps its own book of
charges and honours the idempotency key (the same key never charges twice).

Card numbers reach `tokenize` only, which returns a token and the last four digits; the number is
never stored or logged. A clinic switches provider with the BILLING_GATEWAY setting (the Stripe
backend is not built yet: see the billing README section)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from billing.models import GatewayCharge


class Outcome:
    SUCCEEDED = "succeeded"
    DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    REQUIRES_ACTION = "authentication_required"
    UNKNOWN_CARD = "card_not_accepted"


# The processors' published test cards and what each does.
TEST_CARDS = {
    "4242424242424242": Outcome.SUCCEEDED,
    "5555555555554444": Outcome.SUCCEEDED,
    "4000000000000002": Outcome.DECLINED,
    "4000000000009995": Outcome.INSUFFICIENT_FUNDS,
    "4000002500003155": Outcome.REQUIRES_ACTION,
}


class CardRefused(ValueError):
    """The number is not a card number (the form says so; the gateway was never asked)."""


@dataclass(frozen=True)
class CardToken:
    token: str
    last4: str


@dataclass(frozen=True)
class ChargeResult:
    outcome: str
    reference: str

    @property
    def succeeded(self) -> bool:
        return self.outcome == Outcome.SUCCEEDED


class PaymentGateway(Protocol):
    name: str

    def tokenize(self, card_number: str) -> CardToken: ...

    def charge(self, *, amount_cents: int, token: str, idempotency_key: str) -> ChargeResult: ...

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str) -> ChargeResult: ...


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


class TestGateway:
    """Deterministic outcomes by test card number; its charges are rows of its own book."""

    __test__ = False  # not a pytest test class
    name = "test"

    def tokenize(self, card_number: str) -> CardToken:
        number = "".join(ch for ch in card_number if ch.isdigit())
        if not luhn_valid(number):
            raise CardRefused(number[-4:])
        outcome = TEST_CARDS.get(number, Outcome.UNKNOWN_CARD)
        return CardToken(token=f"tok_{outcome}_{number[-4:]}", last4=number[-4:])

    def charge(self, *, amount_cents: int, token: str, idempotency_key: str) -> ChargeResult:
        outcome = token.removeprefix("tok_").rsplit("_", 1)[0]
        if outcome not in TEST_CARDS.values() and outcome != Outcome.UNKNOWN_CARD:
            outcome = Outcome.UNKNOWN_CARD
        reference = "ch_test_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        try:
            with transaction.atomic():
                book = GatewayCharge.objects.create(
                    idempotency_key=idempotency_key, reference=reference, amount_cents=amount_cents, outcome=outcome
                )
        except IntegrityError:
            # The key was seen: the processor answers what it answered then.
            book = GatewayCharge.objects.get(idempotency_key=idempotency_key)
        return ChargeResult(outcome=book.outcome, reference=book.reference)

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        with transaction.atomic():
            book = GatewayCharge.objects.select_for_update().get(reference=reference)
            marker = f"refund:{idempotency_key}"
            if not GatewayCharge.objects.filter(idempotency_key=marker).exists():
                GatewayCharge.objects.create(
                    idempotency_key=marker,
                    reference="re_test_" + hashlib.sha256(marker.encode()).hexdigest()[:24],
                    amount_cents=amount_cents,
                    outcome=Outcome.SUCCEEDED,
                )
                book.refunded_cents += amount_cents
                book.save(update_fields=["refunded_cents"])
        return ChargeResult(outcome=Outcome.SUCCEEDED, reference=reference)


GATEWAYS: dict[str, type[TestGateway]] = {"test": TestGateway}


def test_gateway_refused() -> bool:
    """Whether this installation would take payments through the test gateway (which takes no
    money) in production without saying it means it (BILLING_ALLOW_TEST_GATEWAY)."""
    chosen = getattr(settings, "BILLING_GATEWAY", "test")
    return chosen == "test" and not settings.DEBUG and not getattr(settings, "BILLING_ALLOW_TEST_GATEWAY", False)


REFUSED = (
    "The test payment gateway takes no money and is refused with DEBUG=0: configure a real gateway "
    "(BILLING_GATEWAY), or set BILLING_ALLOW_TEST_GATEWAY=1 on a demo or staging installation."
)


def gateway() -> PaymentGateway:
    """The clinic's configured gateway (BILLING_GATEWAY, "test" when unset); the test one is refused
    in production unless allowed."""
    if test_gateway_refused():
        raise ImproperlyConfigured(REFUSED)
    return GATEWAYS[getattr(settings, "BILLING_GATEWAY", "test")]()
