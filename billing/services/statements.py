"""Issuing statements: what the account owes today, the lines billed since the last statement,
a due date and the code printed for paying without an account."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from billing.models import Charge, ChargeLine, Statement, StatementLine
from billing.services.ledger import account_lock

DUE_AFTER = timedelta(days=30)
# No 0/O or 1/I: the code is read off paper and typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def statement_issue(*, account_id: int, now: datetime | None = None) -> Statement | None:
    """Today's statement for the account (the one already issued today, if any); None when the
    account owes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    account = account_lock(account_id=account_id)
    existing = Statement.objects.filter(account=account, issued_on=today).first()
    if existing is not None:
        return existing
    if account.balance_cents <= 0:
        return None
    lines = list(
        ChargeLine.objects.filter(charge__account=account, patient_owes_cents__gt=0)
        .exclude(charge__status=Charge.Status.WITH_INSURANCE)
        .exclude(pk__in=StatementLine.objects.filter(statement__account=account).values("charge_line"))
        .order_by("charge__service_date", "charge_id", "sequence")
    )
    code = _code()
    while Statement.objects.filter(code=code).exists():
        code = _code()
    statement = Statement.objects.create(
        account=account,
        code=code,
        issued_on=today,
        due_on=today + DUE_AFTER,
        amount_due_cents=account.balance_cents,
        created_at=now,
    )
    StatementLine.objects.bulk_create(
        StatementLine(statement=statement, charge_line=line, patient_owes_cents=line.patient_owes_cents)
        for line in lines
    )
    return statement
