"""The payments provider behind one interface. The embedded default is the test gateway: it
answers by test card number the way the major processors' test cards do, keeps its own book of
charges and honours the idempotency key (the same key never charges twice).

Card numbers reach `tokenize` only, which returns a token and the last four digits; the number is
never stored or logged. The Stripe backend never sees a card number at all: Stripe's Payment Element
in the page turns the card into a PaymentMethod id, and that id is what the form posts. A clinic
switches provider with the BILLING_GATEWAY setting (README: "Taking card payments")."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
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
    # The processor has the payment but has not decided (Stripe's "processing"): a webhook will say.
    PROCESSING = "processing"


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


class GatewayUnavailable(Exception):
    """The processor could not be reached or answered with an error that is not about the card.
    Whatever was asked may or may not have happened: the payment stays "processing" and a retry
    with the same idempotency key (or the processor's webhook) settles it."""


@dataclass(frozen=True)
class CardToken:
    token: str
    last4: str


@dataclass(frozen=True)
class ChargeResult:
    outcome: str
    reference: str
    # While the bank's confirmation is pending: the secret Stripe.js needs in the page (never kept).
    client_secret: str = ""

    @property
    def succeeded(self) -> bool:
        return self.outcome == Outcome.SUCCEEDED


class PaymentGateway(Protocol):
    name: str
    # True when card details are typed into the processor's own fields in the page (never ours).
    hosted_fields: bool

    def tokenize(self, card_number: str, *, reusable: bool = False) -> CardToken: ...

    def charge(
        self, *, amount_cents: int, token: str, idempotency_key: str, metadata: dict[str, str] | None = None
    ) -> ChargeResult: ...

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str) -> ChargeResult: ...

    def lookup(self, *, reference: str) -> ChargeResult: ...


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
    hosted_fields = False

    def tokenize(self, card_number: str, *, reusable: bool = False) -> CardToken:
        number = "".join(ch for ch in card_number if ch.isdigit())
        if not luhn_valid(number):
            raise CardRefused(number[-4:])
        outcome = TEST_CARDS.get(number, Outcome.UNKNOWN_CARD)
        return CardToken(token=f"tok_{outcome}_{number[-4:]}", last4=number[-4:])

    def charge(
        self, *, amount_cents: int, token: str, idempotency_key: str, metadata: dict[str, str] | None = None
    ) -> ChargeResult:
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

    def lookup(self, *, reference: str) -> ChargeResult:
        book = GatewayCharge.objects.filter(reference=reference).first()
        outcome = book.outcome if book is not None else Outcome.PROCESSING
        return ChargeResult(outcome=outcome, reference=reference)  # no confirmation step here


PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,120}$")
# A saved card for plans: the Stripe customer and the PaymentMethod attached to it.
SAVED_CARD = re.compile(r"^(cus_[A-Za-z0-9_]{1,60})/(pm_[A-Za-z0-9_]{1,60})$")


class StripeGateway:
    """Stripe's PaymentIntents through Stripe's official library. The page's Payment Element
    makes a PaymentMethod (card details go from the browser to Stripe, never here); the server
    creates and confirms a PaymentIntent for it, passing the payment row's key as Stripe's
    Idempotency-Key so a retried request returns the first answer instead of charging again.
    Webhooks (billing/services/webhooks.py) settle what was left open."""

    name = "stripe"
    hosted_fields = True

    def __init__(self) -> None:
        # stripe.api_base is read here so an operator (or a test's local server) can point the
        # library elsewhere; the library retries network failures with the same idempotency key.
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": stripe.api_base},
            max_network_retries=2,
        )

    def tokenize(self, card_number: str, *, reusable: bool = False) -> CardToken:
        method_id = card_number.strip()
        if not PAYMENT_METHOD_ID.match(method_id):
            raise CardRefused("")
        try:
            method = self.client.v1.payment_methods.retrieve(method_id)
            card = method.card
            last4 = card.last4 if card is not None else ""
            if not reusable:
                return CardToken(token=method_id, last4=last4)
            # A plan charges the card later without the patient: Stripe needs it kept on a customer.
            customer = self.client.v1.customers.create(
                {"payment_method": method_id, "metadata": {"portal": "billing"}},
                {"idempotency_key": f"customer-for-{method_id}"},
            )
        except stripe.InvalidRequestError as error:
            raise CardRefused("") from error
        except stripe.StripeError as error:
            raise GatewayUnavailable(type(error).__name__) from error
        return CardToken(token=f"{customer.id}/{method_id}", last4=last4)

    def charge(
        self, *, amount_cents: int, token: str, idempotency_key: str, metadata: dict[str, str] | None = None
    ) -> ChargeResult:
        params: dict[str, Any] = {
            "amount": amount_cents,
            "currency": "usd",
            "confirm": True,
            "payment_method_types": ["card"],
            "metadata": {"portal_key": idempotency_key, **(metadata or {})},
        }
        saved = SAVED_CARD.match(token)
        if saved is not None:
            params.update(customer=saved.group(1), payment_method=saved.group(2), off_session=True)
        else:
            params["payment_method"] = token
        try:
            intent = self.client.v1.payment_intents.create(params, {"idempotency_key": idempotency_key})  # type: ignore[arg-type]
        except stripe.CardError as error:
            return ChargeResult(outcome=card_error_outcome(error), reference=_intent_id(error))
        except stripe.StripeError as error:
            raise GatewayUnavailable(type(error).__name__) from error
        return ChargeResult(outcome=intent_outcome(intent.to_dict()), reference=intent.id)

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        try:
            self.client.v1.refunds.create(
                {"payment_intent": reference, "amount": amount_cents}, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            raise GatewayUnavailable(type(error).__name__) from error
        return ChargeResult(outcome=Outcome.SUCCEEDED, reference=reference)

    def lookup(self, *, reference: str) -> ChargeResult:
        """The PaymentIntent as it stands now, with its client secret while it waits for the
        patient's bank (3-D Secure), for Stripe.js in the page."""
        try:
            intent = self.client.v1.payment_intents.retrieve(reference)
        except stripe.StripeError as error:
            raise GatewayUnavailable(type(error).__name__) from error
        outcome = intent_outcome(intent.to_dict())
        secret = intent.client_secret or "" if outcome == Outcome.REQUIRES_ACTION else ""
        return ChargeResult(outcome=outcome, reference=intent.id, client_secret=secret)


class WebhookRefused(Exception):
    """The request is not a genuine, current event from the processor."""


def stripe_event(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event Stripe sent, its signature (Stripe-Signature: t=..., v1=HMAC-SHA256 of
    "t.payload" with the endpoint's secret) checked by Stripe's library, within its five minute
    tolerance against replays. Returned as plain JSON."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret or not signature:
        raise WebhookRefused("unsigned")
    try:
        event = stripe.Webhook.construct_event(payload.decode("utf-8"), signature, secret)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise WebhookRefused(type(error).__name__) from error
    found: dict[str, Any] = event.to_dict()
    return found


def intent_outcome(intent: dict[str, Any]) -> str:
    """A PaymentIntent (as JSON) and its status as the portal's outcome."""
    status = intent.get("status")
    if status == "succeeded":
        return Outcome.SUCCEEDED
    if status in ("requires_action", "requires_confirmation"):
        return Outcome.REQUIRES_ACTION
    if status in ("processing", "requires_capture"):
        return Outcome.PROCESSING
    error = intent.get("last_payment_error") or {}
    return error_outcome(error.get("code"), error.get("decline_code"))


def error_outcome(code: str | None, decline_code: str | None) -> str:
    if decline_code == "insufficient_funds" or code == "insufficient_funds":
        return Outcome.INSUFFICIENT_FUNDS
    if code == "authentication_required" or decline_code == "authentication_required":
        return Outcome.REQUIRES_ACTION
    return Outcome.DECLINED


def _error_body(error: stripe.CardError) -> dict[str, Any]:
    body: Any = error.json_body if isinstance(error.json_body, dict) else {}
    found = body.get("error")
    return found if isinstance(found, dict) else {}


def card_error_outcome(error: stripe.CardError) -> str:
    body = _error_body(error)
    return error_outcome(body.get("code") or error.code, body.get("decline_code"))


def _intent_id(error: stripe.CardError) -> str:
    intent = _error_body(error).get("payment_intent") or {}
    return str(intent.get("id", "")) if isinstance(intent, dict) else ""


GATEWAYS: dict[str, type[TestGateway] | type[StripeGateway]] = {"test": TestGateway, "stripe": StripeGateway}


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
