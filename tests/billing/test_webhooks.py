"""Stripe's webhooks: signed exactly as Stripe signs them (Stripe-Signature: t=<unix time>,
v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>), verified by Stripe's library; a bad or
missing signature is a 400 that changes nothing; each event applies once however often (or
however concurrently) it arrives."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.factories import AccountFactory, account_owing
from billing.gateway import StripeGateway
from billing.models import Account, LedgerEntry, Payment, WebhookEvent
from billing.services.payments import payment_submit
from billing.services.webhooks import webhook_event_apply
from portal.access import Action, resolve
from portal.models import AuditEvent, Scope
from tests.authz import ACTORS, build_world, database_rows, queued_work
from tests.billing.stripe_server import NEEDS_3DS, WEBHOOK_SECRET, FakeStripe, fake_stripe

__all__ = ["fake_stripe"]
URL = "/billing/webhooks/stripe/"


def _signed(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    stamp = int(timezone.now().timestamp()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={stamp},v1={digest}"


def _post(client: Client, event: dict[str, Any], **signing: Any) -> int:
    payload, signature = _signed(event, **signing)
    return client.post(URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature).status_code


def _event(event_id: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": kind, "api_version": "2025-01-27", "data": {"object": obj}}


def _waiting(account: Account) -> Payment:
    """A payment Stripe has not finished (the bank's confirmation step)."""
    access = resolve(account.patient.user, account.patient, Action.BILLING)
    assert access is not None
    return payment_submit(
        access=access,
        actor=account.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=2_500,
        idempotency_key="k",
        card=StripeGateway().tokenize(NEEDS_3DS),
    )


def _intent(payment: Payment, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": payment.gateway_reference,
        "object": "payment_intent",
        "status": status,
        "amount": payment.amount_cents,
        "metadata": {"portal_payment": str(payment.pk)},
        **extra,
    }


def _rows(account: Account) -> tuple[str, int, int, int]:
    payment = Payment.objects.get(account=account)
    return (
        payment.status,
        LedgerEntry.objects.filter(account=account).count(),
        WebhookEvent.objects.count(),
        AuditEvent.objects.filter(object_type="billing.Payment", action="update").count(),
    )


@pytest.mark.django_db
def test_a_success_delivered_three_times_applies_once_audited_as_the_system(
    fake_stripe: FakeStripe, client: Client
) -> None:
    account = account_owing(10_000)
    payment = _waiting(account)
    event = _event("evt_1", "payment_intent.succeeded", _intent(payment, "succeeded"))
    client = Client(enforce_csrf_checks=True)

    statuses = [_post(client, event) for _try in range(3)]

    account.refresh_from_db()
    audit = AuditEvent.objects.get(object_type="billing.Payment", action="update")
    assert statuses == [200, 200, 200]
    assert _rows(account) == ("succeeded", 2, 1, 1)  # the charge and one payment row
    assert account.balance_cents == 7_500
    assert (audit.actor_id, audit.acting_as, audit.patient_id) == (None, "system", account.patient_id)
    assert WebhookEvent.objects.get().result == WebhookEvent.Result.APPLIED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [None, "", "t=1,v1=deadbeef", "garbage"],
    ids=["missing", "empty", "wrong", "unparseable"],
)
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(
    fake_stripe: FakeStripe, client: Client, signature: str | None
) -> None:
    account = account_owing(10_000)
    payment = _waiting(account)
    payload = json.dumps(_event("evt_1", "payment_intent.succeeded", _intent(payment, "succeeded"))).encode()
    headers = {} if signature is None else {"HTTP_STRIPE_SIGNATURE": signature}

    response = client.post(URL, payload, content_type="application/json", **headers)

    assert response.status_code == 400
    assert _rows(account) == ("requires_action", 1, 0, 0)


@pytest.mark.django_db
def test_another_secret_or_an_old_timestamp_is_refused(fake_stripe: FakeStripe, client: Client) -> None:
    account = account_owing(10_000)
    payment = _waiting(account)
    event = _event("evt_1", "payment_intent.succeeded", _intent(payment, "succeeded"))
    ten_minutes_ago = int(timezone.now().timestamp()) - 600

    assert _post(client, event, secret="whsec_someone_else") == 400
    assert _post(client, event, at=ten_minutes_ago) == 400
    assert _rows(account) == ("requires_action", 1, 0, 0)


@pytest.mark.django_db
def test_a_failed_payment_is_declined_with_stripes_reason(fake_stripe: FakeStripe, client: Client) -> None:
    account = account_owing(10_000)
    payment = _waiting(account)
    error = {"code": "card_declined", "decline_code": "insufficient_funds"}
    intent = _intent(payment, "requires_payment_method", last_payment_error=error)
    event = _event("evt_2", "payment_intent.payment_failed", intent)

    assert _post(client, event) == 200

    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("declined", "insufficient_funds")


@pytest.mark.django_db
def test_a_refund_made_in_stripes_dashboard_is_posted_once_and_an_echo_of_ours_changes_nothing(
    fake_stripe: FakeStripe, client: Client
) -> None:
    account = account_owing(10_000)
    payment = _waiting(account)
    _post(client, _event("evt_1", "payment_intent.succeeded", _intent(payment, "succeeded")))
    charge = {"id": "ch_1", "object": "charge", "payment_intent": payment.gateway_reference, "amount_refunded": 1_000}

    assert _post(client, _event("evt_3", "charge.refunded", charge)) == 200
    assert _post(client, _event("evt_3", "charge.refunded", charge)) == 200
    assert _post(client, _event("evt_4", "charge.refunded", charge)) == 200  # same total, new event

    payment.refresh_from_db()
    account.refresh_from_db()
    refunds = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND)
    assert payment.refunded_cents == 1_000
    assert [row.amount_cents for row in refunds] == [1_000]
    assert account.balance_cents == 8_500


@pytest.mark.django_db
def test_an_event_about_nothing_of_ours_is_kept_as_ignored(fake_stripe: FakeStripe, client: Client) -> None:
    assert _post(client, _event("evt_9", "customer.created", {"id": "cus_1", "object": "customer"})) == 200
    stranger = {"id": "pi_404", "object": "payment_intent"}
    assert _post(client, _event("evt_10", "payment_intent.succeeded", stranger)) == 200

    assert list(WebhookEvent.objects.values_list("event_id", "result").order_by("event_id")) == [
        ("evt_10", "ignored"),
        ("evt_9", "ignored"),
    ]


@pytest.mark.django_db
def test_without_stripe_configured_the_endpoint_is_not_there(client: Client) -> None:
    assert reverse("billing_stripe_webhook") == URL
    assert client.post(URL, b"{}", content_type="application/json").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_one_event_delivered_concurrently_applies_once(fake_stripe: FakeStripe) -> None:
    account = account_owing(10_000)
    payment = _waiting(account)
    event = _event("evt_race", "payment_intent.succeeded", _intent(payment, "succeeded"))
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait()
            webhook_event_apply(gateway="stripe", event=event)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    account.refresh_from_db()
    assert errors == []
    assert _rows(account) == ("succeeded", 2, 1, 1)
    assert account.balance_cents == 7_500


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_the_webhook_matrix_a_session_grants_nothing_only_the_signature_counts(
    fake_stripe: FakeStripe, actor: str
) -> None:
    world = build_world(Scope.BILLING)
    account = account_owing(10_000, account=AccountFactory(patient=world.patient))
    payment = Payment.objects.create(
        account=account,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=2_500,
        idempotency_key="k",
        gateway="stripe",
        gateway_reference="pi_1",
        status=Payment.Status.REQUIRES_ACTION,
    )
    event = _event("evt_matrix", "payment_intent.succeeded", _intent(payment, "succeeded"))
    client = world.client_for(actor)
    before, audit_before = database_rows(), AuditEvent.objects.count()

    with queued_work() as queued:
        forged = client.post(URL, json.dumps(event), content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=0")

    assert forged.status_code == 400
    assert world.patient.family_name not in forged.content.decode()
    assert database_rows() == before
    assert AuditEvent.objects.count() == audit_before
    assert not queued
    assert _post(client, event) == 200  # signed by Stripe: applied, whoever's browser carried it
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
