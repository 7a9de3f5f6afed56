"""Issuing statements: what the account owes today, the lines billed since the last statement,
a due date and the code printed for paying without an account."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from billing.clinic_day import clinic_date
from billing.models import Account, Charge, ChargeLine, Statement, StatementLine
from billing.services.ledger import account_lock

DUE_AFTER = timedelta(days=30)
# Statements go out once a month: an account owing with none issued in this long gets one.
CYCLE = timedelta(days=30)
# No 0/O or 1/I: the code is read off paper and typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def statement_issue(*, account_id: int, now: datetime | None = None) -> Statement | None:
    """Today's statement for the account (the one already issued today, if any); None when the
    account owes nothing. "Today" is the organization's calendar day."""
    now = now or timezone.now()
    statement, _created = todays_statement(account_lock(account_id=account_id), now)
    return statement


@transaction.atomic
def statement_issue_due(*, account_id: int, now: datetime) -> Statement | None:
    """The cycle's statement: issued only when the account owes and has had no statement for a
    cycle (checked under the account's lock, so two sweeps at once issue one). None otherwise."""
    account = account_lock(account_id=account_id)
    if account.balance_cents <= 0:
        return None
    since = clinic_date(account.organization, now) - CYCLE
    if Statement.objects.filter(account=account, issued_on__gt=since).exists():
        return None
    statement, _created = todays_statement(account, now)
    return statement


def accounts_due(*, now: datetime) -> list[int]:
    """Accounts that owe and may be due a statement (the lock in statement_issue_due decides)."""
    # Any clinic's today is within a day of UTC's: a statement this recent is within the cycle anywhere.
    recent = Statement.objects.filter(issued_on__gt=now.astimezone(UTC).date() - CYCLE + timedelta(days=1))
    return list(
        Account.objects.filter(balance_cents__gt=0)
        .exclude(pk__in=recent.values("account"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def todays_statement(account: Account, now: datetime) -> tuple[Statement | None, bool]:
    """Under the account's lock: (today's statement, whether it was just made)."""
    today = clinic_date(account.organization, now)
    existing = Statement.objects.filter(account=account, issued_on=today).first()
    if existing is not None:
        return existing, False
    if account.balance_cents <= 0:
        return None, False
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
    return statement, True
