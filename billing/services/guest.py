"""Guest pay: paying one statement without an account, with the statement's code and the
patient's date of birth. Rate-limited per network address; a statement locks after repeated
wrong dates of birth. It opens that statement's balance and nothing else."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Payment, Statement
from portal import audit
from portal.access import Access, Action
from portal.context import current_client
from portal.models import AuditEvent, Organization, User
from portal.services.errors import InvalidToken, ServiceError

GUEST_LOCK_AFTER = 5
# A lock (and the count of wrong dates of birth) lasts this long after the latest one: a patient
# who mistyped is not locked out for good, and guessing stays slow.
GUEST_LOCK_WINDOW = timedelta(minutes=30)
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


def _fail(statement_id: int, now: datetime) -> None:
    """Count a wrong date of birth (committed, though the caller then refuses)."""
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement_id)
        if statement.guest_failed_at is not None and now - statement.guest_failed_at >= GUEST_LOCK_WINDOW:
            statement.guest_failures = 0
        statement.guest_failures += 1
        statement.guest_failed_at = now
        statement.guest_locked = statement.guest_failures >= GUEST_LOCK_AFTER
        statement.save(update_fields=["guest_failures", "guest_failed_at", "guest_locked"])


def locked_now(statement: Statement, now: datetime) -> bool:
    """Locked, and the window since the latest wrong date of birth has not passed."""
    failed = statement.guest_failed_at
    return statement.guest_locked and (failed is None or now - failed < GUEST_LOCK_WINDOW)


def _reset(statement: Statement) -> None:
    if statement.guest_failures or statement.guest_locked:
        Statement.objects.filter(pk=statement.pk).update(guest_failures=0, guest_locked=False, guest_failed_at=None)
        statement.guest_failures, statement.guest_locked, statement.guest_failed_at = 0, False, None


def billing_office_phone() -> str:
    """The number a guest can call: the configured billing line, else the home clinic's phone
    (the same for every code, so it says nothing about whose statement a code is)."""
    if settings.BILLING_OFFICE_PHONE:
        return str(settings.BILLING_OFFICE_PHONE)
    phones = set(
        Organization.objects.filter(kind=Organization.Kind.HOME_CLINIC)
        .exclude(phone="")
        .values_list("phone", flat=True)[:2]
    )
    return phones.pop() if len(phones) == 1 else ""


def no_match_message() -> str:
    """One answer for a wrong code, a wrong date of birth and a locked statement, with where to
    call: a locked statement opens only when the billing office unlocks it."""
    phone = billing_office_phone()
    if phone:
        return _(
            "No statement matches this code and date of birth. Check both and try again. If it still "
            "does not open, call the billing office at %(phone)s."
        ) % {"phone": phone}
    return _(
        "No statement matches this code and date of birth. Check both and try again. If it still "
        "does not open, call the billing office at the number printed on your statement."
    )


def guest_open(*, code: str, birth_date: date, now: datetime | None = None) -> Statement:
    """The statement behind the code when the date of birth matches; audited as read by someone
    holding its code. A locked statement answers as no match does (never confirming the code)."""
    now = now or timezone.now()
    statement = (
        Statement.objects.select_related("account__patient", "account__organization")
        .filter(code=normalized(code))
        .first()
    )
    if statement is None:
        _count_failure()
        raise InvalidToken(no_match_message())
    if locked_now(statement, now):
        _count_failure()
        raise InvalidToken(no_match_message())
    if statement.account.patient.birth_date != birth_date:
        _count_failure()
        _fail(statement.pk, now)
        raise InvalidToken(no_match_message())
    _reset(statement)
    audit.record_access(guest_access(statement), actor=None, action=AuditEvent.Action.VIEW, obj=statement)
    return statement


def guest_statement(*, statement_id: int | None) -> Statement | None:
    """The statement a guest opened (its id is kept in their session), unless it locked since."""
    statement = (
        Statement.objects.select_related("account__patient", "account__organization")
        .filter(pk=statement_id or 0)
        .first()
    )
    if statement is None or locked_now(statement, timezone.now()):
        return None
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


@transaction.atomic
def statement_guest_unlock(*, access: Access, actor: User, statement_id: int) -> Statement:
    """Billing staff open guest pay again for a statement (the patient called); audited."""
    access.require(Action.BILLING, staff_side=True)
    statement = (
        Statement.objects.select_for_update()
        .filter(
            pk=statement_id,
            account__patient=access.patient,
            account__organization_id=access.staff_member().organization_id,
        )
        .first()
    )
    if statement is None:
        raise ServiceError(_("Only your own organization's statements can be unlocked here."))
    _reset(statement)
    audit.record_access(
        access, actor=actor, action=AuditEvent.Action.UPDATE, obj=statement, object_type="billing.GuestUnlock"
    )
    return statement


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
