"""Taking a payment: at most one charge per idempotency key, whatever arrives twice.

The payment row is written (the account locked) before the gateway is asked; a second submit with
the same key finds that row and never reaches the gateway; the gateway is asked with the row's own
key, so even a retried call charges once. A reused key with other parameters is refused."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import notifications
from billing.gateway import CardToken, GatewayUnavailable, Outcome, gateway
from billing.models import Account, LedgerEntry, Payment, Statement
from billing.money import dollars
from billing.services.ledger import account_lock, entry_post
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import InvalidTransition, ServiceError


class KeyReused(ServiceError):
    """This idempotency key already paid something else."""


def _available(account: Account) -> int:
    """What may still be paid: the balance less payments the gateway has not answered yet."""
    pending = (
        Payment.objects.filter(
            account=account, status__in=[Payment.Status.PENDING, Payment.Status.REQUIRES_ACTION]
        ).aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )
    return account.balance_cents - pending


def _same_request(payment: Payment, purpose: str, amount_cents: int | None, statement_id: int | None) -> bool:
    # "Pay it all" names no amount (the balance moves once it is paid), so the amount counts only
    # when the person chose it.
    if payment.purpose != purpose or payment.statement_id != statement_id:
        return False
    return purpose != Payment.Purpose.AMOUNT or payment.amount_cents == amount_cents


def _amount(account: Account, purpose: str, amount_cents: int | None, statement: Statement | None) -> int:
    available = _available(account)
    if purpose == Payment.Purpose.FULL:
        amount = available
    elif purpose == Payment.Purpose.STATEMENT:
        if statement is None:
            raise ServiceError(_("Choose one of your statements."), field="purpose")
        paid = (
            Payment.objects.filter(statement=statement)
            .exclude(status=Payment.Status.DECLINED)
            .aggregate(total=Sum("amount_cents"))["total"]
            or 0
        )
        amount = min(statement.amount_due_cents - paid, available)
    else:
        if amount_cents is None or amount_cents <= 0:
            raise ServiceError(_("Enter an amount greater than $0.00."), field="amount")
        if amount_cents > available and not account.allows_prepayment:
            raise ServiceError(
                _("That is more than you owe (%(owed)s). Enter %(owed)s or less.")
                % {"owed": dollars(max(available, 0))},
                field="amount",
            )
        amount = amount_cents
    if amount <= 0:
        raise ServiceError(_("There is nothing to pay on this account right now."))
    return amount


def payment_submit(
    *,
    access: Access,
    actor: User | None,
    account_id: int,
    purpose: str,
    idempotency_key: str,
    card: CardToken,
    amount_cents: int | None = None,
    statement_id: int | None = None,
    now: datetime | None = None,
) -> Payment:
    """Pay on the patient's account; the payment (new, or the one this key already made)."""
    access.require(Action.BILLING)
    now = now or timezone.now()
    if not idempotency_key or len(idempotency_key) > 64:
        raise ServiceError(_("This form has expired. Open the payment page again."))
    with transaction.atomic():
        account = account_lock(account_id=account_id)
        if account.patient_id != access.patient.pk:
            raise ServiceError(_("This account is not one of yours."))
        existing = Payment.objects.filter(account=account, idempotency_key=idempotency_key).first()
        if existing is not None:
            if not _same_request(existing, purpose, amount_cents, statement_id):
                raise KeyReused(
                    _("This payment was already submitted with other details. Open the payment page again.")
                )
            return existing
        statement = None
        if purpose == Payment.Purpose.STATEMENT:
            statement = Statement.objects.filter(pk=statement_id or 0, account=account).first()
            if statement is None:
                raise ServiceError(_("Choose one of your statements."), field="purpose")
        payment = Payment.objects.create(
            account=account,
            statement=statement,
            purpose=purpose,
            amount_cents=_amount(account, purpose, amount_cents, statement),
            idempotency_key=idempotency_key,
            gateway=gateway().name,
            card_last4=card.last4,
            created_by=actor,
            created_at=now,
        )
        audit.record(
            actor=actor,
            patient=access.patient,
            action=AuditEvent.Action.CREATE,
            obj=payment,
            acting_as=access.acting_as,
            scope=Action.BILLING,
        )
    # The row is committed: whatever happens next, a retry finds it and asks the gateway with the
    # same key, which charges once. The key is the row's own (unique across accounts, unlike the
    # form's key, which is unique per account only): Stripe receives it as its Idempotency-Key.
    try:
        result = gateway().charge(
            amount_cents=payment.amount_cents,
            token=card.token,
            idempotency_key=payment_gateway_key(payment),
            metadata={"portal_payment": str(payment.pk)},
        )
    except GatewayUnavailable:
        # Unknown whether the processor took it: the row stays "processing" (and counts against
        # the balance) until the processor's webhook says what happened.
        return payment
    return payment_settle(payment_id=payment.pk, outcome=result.outcome, reference=result.reference, now=now)


@transaction.atomic
def payment_settle(*, payment_id: int, outcome: str, reference: str, now: datetime | None = None) -> Payment:
    """Record the gateway's answer once: a paid payment posts its ledger row (by its own key)."""
    now = now or timezone.now()
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status not in (Payment.Status.PENDING, Payment.Status.REQUIRES_ACTION):
        return payment
    if outcome == Outcome.PROCESSING:
        return payment  # the processor decides later and says so by webhook
    status = {
        "succeeded": Payment.Status.SUCCEEDED,
        "authentication_required": Payment.Status.REQUIRES_ACTION,
    }.get(outcome, Payment.Status.DECLINED)
    if status == payment.status:
        return payment
    if status not in Payment.TRANSITIONS[payment.status]:
        raise InvalidTransition(_("This payment cannot change that way."))
    payment.status = status
    payment.gateway_reference = reference
    payment.failure_code = "" if status == Payment.Status.SUCCEEDED else outcome
    payment.completed_at = now if status != Payment.Status.REQUIRES_ACTION else None
    payment.save(update_fields=["status", "gateway_reference", "failure_code", "completed_at"])
    if status == Payment.Status.SUCCEEDED:
        account = account_lock(account_id=payment.account_id)
        entry_post(
            account=account,
            kind=LedgerEntry.Kind.PAYMENT,
            amount_cents=-payment.amount_cents,
            idempotency_key=f"payment:{payment.pk}",
            payment=payment,
        )
        # Only that a payment arrived, with a link to its receipt: never the amount.
        notifications.payment_received(patient=account.patient, payment_id=payment.pk)
    return payment


def payment_refresh(*, payment_id: int, now: datetime | None = None) -> tuple[Payment, str]:
    """A payment waiting for the patient's bank, asked about again: settled if the gateway has
    moved on (the bank confirmed or refused before its webhook arrived), else the secret the page
    needs to run the bank's step ("" when there is none)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.REQUIRES_ACTION or not payment.gateway_reference:
        return payment, ""
    chosen = gateway()
    if chosen.name != payment.gateway:
        return payment, ""
    try:
        result = chosen.lookup(reference=payment.gateway_reference)
    except GatewayUnavailable:
        return payment, ""
    if result.outcome == Outcome.REQUIRES_ACTION:
        return payment, result.client_secret
    return payment_settle(payment_id=payment.pk, outcome=result.outcome, reference=result.reference, now=now), ""


def payment_gateway_key(payment: Payment) -> str:
    """The idempotency key the gateway sees for a payment: derived from the stored row, so every
    retry of this payment sends the same key."""
    if payment.purpose == Payment.Purpose.INSTALMENT:
        return payment.idempotency_key  # already the instalment attempt's own key
    return f"payment-{payment.pk}"


@transaction.atomic
def payment_refund_recorded(*, payment_id: int, refunded_total_cents: int, reference: str) -> LedgerEntry | None:
    """The processor says this payment has `refunded_total_cents` refunded in all (a refund made
    in its dashboard, or ours echoed back). Posts a refund row for whatever the portal has not
    recorded yet; refunds made here were recorded when made, so their echo changes nothing."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status not in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
        return None
    total = min(refunded_total_cents, payment.amount_cents)
    missing = total - payment.refunded_cents
    if missing <= 0:
        return None
    account = account_lock(account_id=payment.account_id)
    payment.refunded_cents = total
    if total == payment.amount_cents:
        payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["refunded_cents", "status"])
    entry, _created = entry_post(
        account=account,
        kind=LedgerEntry.Kind.REFUND,
        amount_cents=missing,
        idempotency_key=f"refund:gateway:{reference}:{total}"[:128],
        payment=payment,
        reason=_("Refunded at the card processor"),
    )
    return entry


def new_key() -> str:
    """A fresh idempotency key for a payment form (the form carries it; the row stores it)."""
    return secrets.token_urlsafe(24)
