"""Guest pay: paying one statement without an account, with the statement's code and the
patient's date of birth. Rate-limited per network address; a statement locks after repeated
wrong dates of birth. It opens that statement's balance and nothing else."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from billing.models import Payment, Statement
from portal import audit
from portal.access import Access, Action
from portal.context import current_client
from portal.models import AuditEvent
from portal.services.errors import InvalidToken

GUEST_LOCK_AFTER = 5
ATTEMPTS_PER_ADDRESS = 20
ATTEMPT_WINDOW_SECONDS = 3600


def _address_key() -> str:
    return f"billing-guest-attempts:{current_client().ip or 'unknown'}"


def address_blocked() -> bool:
    return int(cache.get(_address_key(), 0)) >= ATTEMPTS_PER_ADDRESS


def _count_failure() -> None:
    key = _address_key()
    cache.add(key, 0, timeout=ATTEMPT_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=ATTEMPT_WINDOW_SECONDS)


def normalized(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def guest_access(statement: Statement) -> Access:
    """The access a guest holds: billing, for this statement's patient, as someone with its code."""
    return Access(statement.account.patient, AuditEvent.ActingAs.SHARE_LINK, Action.BILLING)


def _fail(statement_id: int) -> None:
    """Count a wrong date of birth (committed, though the caller then refuses)."""
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement_id)
        statement.guest_failures += 1
        statement.guest_locked = statement.guest_failures >= GUEST_LOCK_AFTER
        statement.save(update_fields=["guest_failures", "guest_locked"])


def guest_open(*, code: str, birth_date: date) -> Statement:
    """The statement behind the code when the date of birth matches; audited as read by someone
    holding its code."""
    no_match = _("No statement matches this code and date of birth. Check both and try again.")
    statement = (
        Statement.objects.select_related("account__patient", "account__organization")
        .filter(code=normalized(code))
        .first()
    )
    if statement is None:
        _count_failure()
        raise InvalidToken(no_match)
    if statement.guest_locked:
        raise InvalidToken(_("This statement is locked after too many tries. Call the billing office to pay it."))
    if statement.account.patient.birth_date != birth_date:
        _count_failure()
        _fail(statement.pk)
        raise InvalidToken(no_match)
    audit.record_access(guest_access(statement), actor=None, action=AuditEvent.Action.VIEW, obj=statement)
    return statement


def guest_statement(*, statement_id: int | None) -> Statement | None:
    """The statement a guest opened (its id is kept in their session), unless it locked since."""
    statement = (
        Statement.objects.select_related("account__patient", "account__organization")
        .filter(pk=statement_id or 0, guest_locked=False)
        .first()
    )
    return statement


def guest_read(*, statement: Statement) -> None:
    """Audit a guest's look at the statement's balance: no account, acting as someone holding its
    code (the event names the statement, so the code is known)."""
    audit.record_access(guest_access(statement), actor=None, action=AuditEvent.Action.VIEW, obj=statement)


def guest_receipt(*, statement: Statement, payment_id: int) -> Payment | None:
    """A payment toward the guest's statement (no other), audited as read by its code's holder."""
    payment = Payment.objects.filter(pk=payment_id, statement=statement).select_related("account__organization").first()
    if payment is not None:
        audit.record_access(guest_access(statement), actor=None, action=AuditEvent.Action.VIEW, obj=payment)
    return payment


def statement_left_cents(statement: Statement) -> int:
    """What is left to pay on the statement: its amount less payments toward it, never more than
    the account owes."""
    paid = (
        Payment.objects.filter(statement=statement)
        .exclude(status=Payment.Status.DECLINED)
        .aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )
    return max(min(statement.amount_due_cents - paid, statement.account.balance_cents), 0)
