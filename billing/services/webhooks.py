"""Applying the payment processor's webhook events, each once.

The event's row (unique by gateway and event id) is inserted in the transaction that applies it: a
second delivery finds the row and changes nothing; two deliveries at once wait on the unique index
and the second, once the first commits, finds the row (had the first rolled back, the second
applies it instead). Payments change only through billing's payment services; each change is
audited as the system acting for the gateway (the request's client, Stripe's, is stamped on it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.gateway import Outcome, error_outcome
from billing.models import Payment, WebhookEvent
from billing.services.payments import payment_refund_recorded, payment_settle
from portal import audit
from portal.access import Action
from portal.models import AuditEvent

HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")


def _payment_for(gateway: str, obj: dict[str, Any]) -> Payment | None:
    """Our payment for a PaymentIntent (or a charge's PaymentIntent): by the id the portal put in
    its metadata, checked against the reference it recorded; else by that reference."""
    intent_id = obj.get("payment_intent") if obj.get("object") == "charge" else obj.get("id")
    if not isinstance(intent_id, str) or not intent_id:
        return None
    metadata = obj.get("metadata") or {}
    payment_id = str(metadata.get("portal_payment", ""))
    if payment_id.isdigit():
        found = Payment.objects.filter(pk=int(payment_id), gateway=gateway).first()
        if found is not None and found.gateway_reference in ("", intent_id):
            return found
    return Payment.objects.filter(gateway=gateway, gateway_reference=intent_id).first()


def _apply(gateway: str, event_type: str, obj: dict[str, Any], now: datetime) -> tuple[Payment | None, bool]:
    """The event's payment (None: not ours) and whether the event changed it."""
    payment = _payment_for(gateway, obj)
    if payment is None:
        return None, False
    before = (payment.status, payment.refunded_cents)
    if event_type == "payment_intent.succeeded":
        payment_settle(payment_id=payment.pk, outcome=Outcome.SUCCEEDED, reference=obj["id"], now=now)
    elif event_type == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        outcome = error_outcome(error.get("code"), error.get("decline_code"))
        payment_settle(payment_id=payment.pk, outcome=outcome, reference=obj["id"], now=now)
    else:  # charge.refunded
        refunded = obj.get("amount_refunded")
        if not isinstance(refunded, int):
            return None, False
        payment_refund_recorded(payment_id=payment.pk, refunded_total_cents=refunded, reference=str(obj.get("id")))
    payment.refresh_from_db(fields=["status", "refunded_cents"])
    return payment, (payment.status, payment.refunded_cents) != before


def webhook_event_apply(*, gateway: str, event: dict[str, Any], now: datetime | None = None) -> WebhookEvent:
    """Apply one verified event once; the event's row (new, or the one an earlier delivery wrote)."""
    now = now or timezone.now()
    event_id = str(event.get("id", ""))[:255]
    event_type = str(event.get("type", ""))[:100]
    obj = (event.get("data") or {}).get("object") or {}
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = WebhookEvent.objects.create(
                    gateway=gateway,
                    event_id=event_id,
                    event_type=event_type,
                    object_id=str(obj.get("id", ""))[:255],
                    result=WebhookEvent.Result.IGNORED,
                    received_at=now,
                )
        except IntegrityError:
            return WebhookEvent.objects.get(gateway=gateway, event_id=event_id)
        payment, changed = _apply(gateway, event_type, obj, now) if event_type in HANDLED else (None, False)
        if payment is None:
            return row
        row.payment, row.result = payment, WebhookEvent.Result.APPLIED
        row.save(update_fields=["payment", "result"])
        if not changed:  # e.g. the success the pay page already recorded, confirmed
            return row
        audit.record(
            actor=None,
            patient=payment.account.patient,
            action=AuditEvent.Action.UPDATE,
            obj=payment,
            acting_as=AuditEvent.ActingAs.SYSTEM,
            scope=Action.BILLING,
        )
    return row
