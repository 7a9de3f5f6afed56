"""A small local stand-in for the few Stripe API endpoints billing calls, so the tests run
Stripe's real Python library (its request building, Idempotency-Key header, retries and error
handling) with no network. It answers like Stripe's test mode does for its test PaymentMethods,
and honours Idempotency-Key the way Stripe does: the same key replays the first response."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import stripe
from django.test import override_settings

WEBHOOK_SECRET = "whsec_local_test_secret"

# Stripe's test PaymentMethods and what each does (docs.stripe.com/testing).
SUCCEEDS = "pm_card_visa"
DECLINED = "pm_card_chargeDeclined"
INSUFFICIENT = "pm_card_chargeDeclinedInsufficientFunds"
NEEDS_3DS = "pm_card_threeDSecureRequired"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


@dataclass
class FakeStripe:
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    replays: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    fail_with: int = 0  # answer every request with this HTTP status (e.g. 500)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.method == "POST" and seen.path == path]

    def answer(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.fail_with:
            return self.fail_with, {"error": {"type": "api_error", "message": "Something went wrong."}}
        if method == "GET" and path.startswith("/v1/payment_methods/"):
            method_id = path.rsplit("/", 1)[1]
            if not method_id.startswith("pm_card_"):
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
            return 200, {"id": method_id, "object": "payment_method", "type": "card", "card": {"last4": "4242"}}
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            return 200, self.intents[path.rsplit("/", 1)[1]]
        if path == "/v1/customers":
            return 200, {"id": f"cus_{len(self.requests)}", "object": "customer"}
        if path == "/v1/refunds":
            return 200, {"id": f"re_{len(self.requests)}", "object": "refund", "status": "succeeded"}
        if path == "/v1/payment_intents":
            return self.intent(params)
        return 404, {"error": {"type": "invalid_request_error", "message": "Unknown path"}}

    def intent(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        intent_id = f"pi_{len(self.intents) + 1}"
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "client_secret": f"{intent_id}_secret_local",
            "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            "status": "succeeded",
            "last_payment_error": None,
        }
        self.intents[intent_id] = intent
        method = params.get("payment_method", "")
        if method == NEEDS_3DS:
            intent["status"] = "requires_action"
        elif method in (DECLINED, INSUFFICIENT):
            intent["status"] = "requires_payment_method"
            decline = "insufficient_funds" if method == INSUFFICIENT else "generic_decline"
            error = {"type": "card_error", "code": "card_declined", "decline_code": decline}
            intent["last_payment_error"] = error
            return 402, {"error": {**error, "message": "Your card was declined.", "payment_intent": intent}}
        return 200, intent


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            params = dict(parse_qsl(self.rfile.read(length).decode())) if length else {}
            headers = {key.lower(): value for key, value in self.headers.items()}
            with fake.lock:
                fake.requests.append(Seen(method, self.path, headers, params))
                key = headers.get("idempotency-key")
                if method == "POST" and key and key in fake.replays:
                    status, body = fake.replays[key]
                else:
                    status, body = fake.answer(method, self.path, params)
                    if method == "POST" and key and status < 500:
                        fake.replays[key] = (status, body)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status >= 500:
                self.send_header("Stripe-Should-Retry", "false")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """Stripe's library pointed at a local server, and billing switched to the Stripe backend."""
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(stripe, "api_base", fake.url)
    with override_settings(
        BILLING_GATEWAY="stripe",
        STRIPE_SECRET_KEY="sk_test_local",
        STRIPE_PUBLISHABLE_KEY="pk_test_local",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    ):
        yield fake
    server.shutdown()
    server.server_close()
