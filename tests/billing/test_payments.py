"""Payments: one charge per idempotency key (20 threads at once on the real database), a reused
key with other details refused, outcomes by test card, amounts validated with clear messages."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import translation

from billing.factories import account_owing
from billing.gateway import CardRefused, TestGateway
from billing.models import Account, GatewayCharge, LedgerEntry, Payment
from billing.money import AmountInvalid, parse_amount
from billing.services.payments import KeyReused, payment_submit
from portal.access import Access, Action, resolve
from portal.models import AuditEvent
from portal.services.errors import ServiceError

VISA = "4242 4242 4242 4242"


def _access(account: Account) -> Access:
    access = resolve(account.patient.user, account.patient, Action.BILLING)
    assert access is not None
    return access


def _pay(account: Account, key: str, *, card: str = VISA, **kwargs: object) -> Payment:
    kwargs.setdefault("purpose", Payment.Purpose.AMOUNT)
    return payment_submit(
        access=_access(account),
        actor=account.patient.user,
        account_id=account.pk,
        idempotency_key=key,
        card=TestGateway().tokenize(card),
        **kwargs,  # type: ignore[arg-type]
    )


def _ledger_total(account: Account) -> int:
    return LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount_cents"))["total"] or 0


@pytest.mark.django_db
def test_a_payment_posts_once_and_the_stored_balance_is_the_sum_of_the_rows() -> None:
    account = account_owing(12_345)

    payment = _pay(account, "key-1", amount_cents=2_345)
    again = _pay(account, "key-1", amount_cents=2_345)

    account.refresh_from_db()
    assert again.pk == payment.pk
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.card_last4 == "4242"
    assert account.balance_cents == 10_000 == _ledger_total(account)
    assert GatewayCharge.objects.count() == 1
    assert (
        AuditEvent.objects.filter(object_type="billing.Payment", object_id=str(payment.pk), action="create").count()
        == 1
    )


@pytest.mark.django_db
def test_a_reused_key_with_another_amount_is_refused() -> None:
    account = account_owing(5_000)
    _pay(account, "key-1", amount_cents=1_000)

    with pytest.raises(KeyReused):
        _pay(account, "key-1", amount_cents=2_000)

    assert Payment.objects.count() == 1
    assert GatewayCharge.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("card", "status", "code"),
    [
        ("4242424242424242", Payment.Status.SUCCEEDED, ""),
        ("4000000000000002", Payment.Status.DECLINED, "card_declined"),
        ("4000000000009995", Payment.Status.DECLINED, "insufficient_funds"),
        ("4000002500003155", Payment.Status.REQUIRES_ACTION, "authentication_required"),
    ],
)
def test_test_cards_answer_as_the_processors_do(card: str, status: str, code: str) -> None:
    account = account_owing(5_000)

    payment = _pay(account, "key-1", card=card, amount_cents=1_000)

    account.refresh_from_db()
    assert (payment.status, payment.failure_code) == (status, code)
    assert account.balance_cents == (4_000 if status == Payment.Status.SUCCEEDED else 5_000)


@pytest.mark.django_db
def test_a_number_that_is_not_a_card_never_reaches_the_gateway() -> None:
    with pytest.raises(CardRefused):
        TestGateway().tokenize("4242 4242 4242 4241")


@pytest.mark.django_db
def test_over_the_balance_is_refused_and_pay_it_all_pays_the_balance() -> None:
    account = account_owing(5_000)

    with pytest.raises(ServiceError, match=r"more than you owe \(\$50\.00\)"):
        _pay(account, "key-1", amount_cents=5_001)
    paid = _pay(account, "key-2", purpose=Payment.Purpose.FULL)
    with pytest.raises(ServiceError, match="nothing to pay"):
        _pay(account, "key-3", purpose=Payment.Purpose.FULL)

    assert paid.amount_cents == 5_000
    account.refresh_from_db()
    assert account.balance_cents == 0 == _ledger_total(account)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount, like 25.00."),
        ("abc", "Enter the amount as a number in dollars and cents, like 25.00."),
        ("NaN", "Enter the amount as a number in dollars and cents, like 25.00."),
        ("-5", "Enter an amount greater than $0.00."),
        ("0", "Enter an amount greater than $0.00."),
        ("0.001", "Enter no more than two digits for the cents, like 25.50."),
    ],
)
def test_amounts_that_are_not_money_get_clear_errors(text: str, message: str) -> None:
    with pytest.raises(AmountInvalid) as refused:
        parse_amount(text)
    assert str(refused.value) == message


def test_dollars_and_cents_become_integer_cents() -> None:
    assert [parse_amount(t) for t in ("25", "25.5", "$1,025.50", "0.01")] == [2_500, 2_550, 102_550, 1]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submits_of_one_payment_make_exactly_one_charge() -> None:
    account = account_owing(9_000)
    access = _access(account)
    card = TestGateway().tokenize(VISA)
    barrier = threading.Barrier(20)
    results: list[object] = [None] * 20

    def submit(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = payment_submit(
                access=access,
                actor=account.patient.user,
                account_id=account.pk,
                purpose=Payment.Purpose.AMOUNT,
                amount_cents=3_000,
                idempotency_key="the-one-form",
                card=card,
            )
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert all(isinstance(result, Payment) for result in results), results
    assert {result.pk for result in results if isinstance(result, Payment)} == {Payment.objects.get().pk}
    assert GatewayCharge.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT).count() == 1
    account.refresh_from_db()
    assert account.balance_cents == 6_000 == _ledger_total(account)


@pytest.mark.parametrize(
    ("language", "text", "cents"),
    [
        ("es", "1,20", 120),
        ("es", "1.025,50", 102_550),
        ("es", "$1,025.50", 102_550),  # as the portal itself shows amounts
        ("es", "25", 2_500),
        ("en", "1,200", 120_000),
        ("en", "1,20", 120),
        ("en", "$1,025.50", 102_550),
    ],
)
def test_amounts_are_read_by_the_active_language(language: str, text: str, cents: int) -> None:
    with translation.override(language):
        assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["١٠", "1_0", "1,2,3", "25.", "1.2.3,4,5"])
def test_digits_python_would_take_but_people_do_not_type_are_refused(text: str) -> None:
    with pytest.raises(AmountInvalid, match="as a number in dollars and cents"):
        parse_amount(text)
