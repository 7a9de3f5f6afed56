"""Billing staff's corrections: adjustments and refunds, each with a reason, idempotent by the
form's key, audited, and only on accounts of the staff member's own organization; and the
patient's coverage (the insurance on file) for that organization's care."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateway import GatewayUnavailable, gateway
from billing.models import Account, LedgerEntry, Payment, Statement
from billing.models.accounts import INSURANCE_ID
from billing.money import dollars
from billing.services.ledger import account_lock, entry_post
from billing.services.statements import todays_statement
from portal import audit
from portal.access import Access, Action
from portal.models import AuditEvent, User
from portal.services.errors import ServiceError


def _account(access: Access, account_id: int) -> Account:
    access.require(Action.BILLING, staff_side=True)
    account = account_lock(account_id=account_id)
    if account.patient_id != access.patient.pk or account.organization_id != access.staff_member().organization_id:
        raise ServiceError(_("Only your own organization's accounts can be changed here."))
    return account


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < 3:
        raise ServiceError(_("Say why, in a few words."), field="reason")
    return reason[:300]


@transaction.atomic
def adjustment_post(
    *, access: Access, actor: User, account_id: int, amount_cents: int, reason: str, idempotency_key: str
) -> LedgerEntry:
    """A correction of what the patient owes: negative takes off (a discount, a write-off),
    positive adds. The same key twice posts once."""
    account = _account(access, account_id)
    if amount_cents == 0:
        raise ServiceError(_("Enter an amount other than $0.00."), field="amount")
    reason = _reason(reason)
    key = f"adjust:{idempotency_key}"
    earlier = LedgerEntry.objects.filter(account=account, idempotency_key=key).first()
    if earlier is not None and (earlier.amount_cents, earlier.reason) != (amount_cents, reason):
        raise ServiceError(_("This form was already used for another adjustment. Open the page again."))
    if earlier is None and amount_cents < 0 and -amount_cents > max(account.balance_cents, 0):
        # Taking off more than is owed would leave the clinic owing the patient: that is a refund
        # of a payment, with its own page and the gateway, not a credit.
        raise ServiceError(
            _("A credit can take off at most the balance, %(balance)s. To give money back, refund a payment.")
            % {"balance": dollars(max(account.balance_cents, 0))},
            field="amount",
        )
    entry, created = entry_post(
        account=account,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        amount_cents=amount_cents,
        idempotency_key=key,
        reason=reason,
        actor=actor,
    )
    if created:
        audit.record_access(
            access, actor=actor, action=AuditEvent.Action.CREATE, object_type="billing.Adjustment", object_id=entry.pk
        )
    return entry


@transaction.atomic
def statement_issue_now(*, access: Access, actor: User, account_id: int, now: datetime | None = None) -> Statement:
    """A statement today, out of the monthly cycle (the patient asked for one, a bill is to be
    mailed), audited; a second press the same day finds the first."""
    account = _account(access, account_id)
    statement, created = todays_statement(account, now or timezone.now())
    if statement is None:
        raise ServiceError(_("This account owes nothing: there is no statement to issue."))
    # Made now, or (a second press) today's shown again: either way the statement was handled.
    action = AuditEvent.Action.CREATE if created else AuditEvent.Action.VIEW
    audit.record_access(access, actor=actor, action=action, obj=statement)
    return statement


@transaction.atomic
def payment_refund(
    *, access: Access, actor: User, payment_id: int, amount_cents: int, reason: str, idempotency_key: str
) -> LedgerEntry:
    """Give back part or all of a paid payment through the gateway (with its own key) and post
    the refund row. The same key twice refunds once."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id, account__patient=access.patient).first()
    if payment is None:
        # Another patient's payment (or none): not found, as any object outside the access is.
        raise Http404
    account = _account(access, payment.account_id)
    key = f"refund:{idempotency_key}"
    existing = LedgerEntry.objects.filter(account=account, idempotency_key=key).first()
    if existing is not None:
        return existing
    reason = _reason(reason)
    if payment.status not in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
        raise ServiceError(_("Only a payment that went through can be refunded."))
    left = payment.amount_cents - payment.refunded_cents
    if amount_cents <= 0 or amount_cents > left:
        raise ServiceError(
            _("Enter an amount from $0.01 to %(left)s (what is left of this payment).") % {"left": dollars(left)},
            field="amount",
        )
    try:
        # The gateway's key names the payment as well: the form's key is unique per account only.
        gateway().refund(
            reference=payment.gateway_reference,
            amount_cents=amount_cents,
            idempotency_key=f"refund-{payment.pk}-{idempotency_key}",
        )
    except GatewayUnavailable:
        raise ServiceError(_("The card processor did not answer. Nothing was refunded; try again.")) from None
    payment.refunded_cents += amount_cents
    if payment.refunded_cents == payment.amount_cents:
        payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["refunded_cents", "status"])
    entry, _created = entry_post(
        account=account,
        kind=LedgerEntry.Kind.REFUND,
        amount_cents=amount_cents,
        idempotency_key=key,
        payment=payment,
        reason=reason,
        actor=actor,
    )
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.CREATE, object_type="billing.Refund", object_id=entry.pk
    )
    return entry


@transaction.atomic
def coverage_set(
    *,
    access: Access,
    actor: User,
    account_id: int,
    coverage: str,
    insurer_name: str = "",
    member_id: str = "",
    group_number: str = "",
    now: datetime | None = None,
) -> Account:
    """Billing staff record the patient's coverage for their organization's care: insured (with
    the insurance company, and the member ID and group from the card), paying without insurance,
    or no insurance (which clears the insurance on file). No change: nothing written."""
    account = _account(access, account_id)
    if coverage not in Account.Coverage.values:
        raise ServiceError(_("Choose one of the listed answers."), field="coverage")
    insurer_name, member_id, group_number = (
        " ".join(value.split()) for value in (insurer_name, member_id, group_number)
    )
    if coverage == Account.Coverage.UNINSURED:
        insurer_name = member_id = group_number = ""
    if coverage == Account.Coverage.INSURED and not insurer_name:
        raise ServiceError(_("Name the insurance company, as on the card."), field="insurer_name")
    if len(insurer_name) > 200:
        raise ServiceError(_("Shorten the insurance company's name to 200 characters."), field="insurer_name")
    for field, value in (("member_id", member_id), ("group_number", group_number)):
        if value and not re.fullmatch(INSURANCE_ID, value):
            raise ServiceError(
                _("Enter it as on the card: letters, digits and dashes, up to 40 characters."), field=field
            )
    wanted = {
        "coverage": coverage,
        "insurer_name": insurer_name,
        "insurance_member_id": member_id,
        "insurance_group": group_number,
    }
    if all(getattr(account, name) == value for name, value in wanted.items()):
        return account
    for name, value in wanted.items():
        setattr(account, name, value)
    account.coverage_changed_at = now or timezone.now()
    account.coverage_changed_by = actor
    account.save(update_fields=[*wanted, "coverage_changed_at", "coverage_changed_by"])
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.UPDATE, object_type="billing.Coverage", object_id=account.pk
    )
    return account
