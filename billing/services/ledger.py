"""Posting to an account's ledger: one row per event (its key), the running total kept with it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from billing.models import Account, ChargeLine, LedgerEntry, Payment
from portal.models import User


def account_lock(*, account_id: int) -> Account:
    """The account, locked for this transaction: postings and payment checks on one account
    happen one at a time."""
    return Account.objects.select_for_update().get(pk=account_id)


@transaction.atomic
def entry_post(
    *,
    account: Account,
    kind: str,
    amount_cents: int,
    idempotency_key: str,
    charge_line: ChargeLine | None = None,
    payment: Payment | None = None,
    reason: str = "",
    actor: User | None = None,
) -> tuple[LedgerEntry, bool]:
    """Append one row unless this key already wrote one (then that row, False). The caller holds
    the account's lock (account_lock), so the check and the insert cannot race."""
    existing = LedgerEntry.objects.filter(account=account, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    entry = LedgerEntry.objects.create(
        account=account,
        kind=kind,
        amount_cents=amount_cents,
        idempotency_key=idempotency_key,
        charge_line=charge_line,
        payment=payment,
        reason=reason,
        created_by=actor,
    )
    Account.objects.filter(pk=account.pk).update(balance_cents=F("balance_cents") + amount_cents)
    account.refresh_from_db(fields=["balance_cents"])
    return entry, True
