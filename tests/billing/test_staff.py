"""Billing staff: adjustments and refunds with reasons (idempotent, audited, own organization
only), balances aged oldest-first, and the day's reconciliation with its CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.factories import AccountFactory, account_owing
from billing.gateway import TestGateway
from billing.models import Account, GatewayCharge, LedgerEntry, Payment
from billing.selectors.staff import age
from billing.services.payments import payment_submit
from billing.services.staff import adjustment_post, payment_refund
from portal.access import Access, Action, resolve
from portal.factories import StaffMemberFactory
from portal.models import AuditEvent, StaffRole
from portal.services.errors import ServiceError
from tests.clock import Clock
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _paid(account: Account, cents: int, key: str = "k1") -> Payment:
    access = resolve(account.patient.user, account.patient, Action.BILLING)
    assert access is not None
    return payment_submit(
        access=access,
        actor=account.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=cents,
        idempotency_key=key,
        card=TestGateway().tokenize("4242424242424242"),
    )


def _staff_access(account: Account) -> tuple[Access, object]:
    member = StaffMemberFactory(organization=account.organization, role=StaffRole.BILLING)
    account.patient.home_organization = account.organization
    account.patient.save()
    access = resolve(member.user, account.patient, Action.BILLING)
    assert access is not None
    return access, member.user


def test_a_refund_twice_with_one_key_refunds_once_and_is_audited() -> None:
    account = account_owing(10_000)
    payment = _paid(account, 6_000)
    access, user = _staff_access(account)

    first = payment_refund(
        access=access,
        actor=user,
        payment_id=payment.pk,
        amount_cents=2_000,
        reason="Billed twice",
        idempotency_key="r1",
    )
    second = payment_refund(
        access=access,
        actor=user,
        payment_id=payment.pk,
        amount_cents=2_000,
        reason="Billed twice",
        idempotency_key="r1",
    )

    account.refresh_from_db()
    payment.refresh_from_db()
    assert first.pk == second.pk
    assert payment.refunded_cents == 2_000
    assert GatewayCharge.objects.get(reference=payment.gateway_reference).refunded_cents == 2_000
    assert account.balance_cents == 6_000
    assert AuditEvent.objects.filter(object_type="billing.Refund", object_id=str(first.pk)).count() == 1
    with pytest.raises(ServiceError, match=r"\$0\.01 to \$40\.00"):
        payment_refund(
            access=access,
            actor=user,
            payment_id=payment.pk,
            amount_cents=4_001,
            reason="Too much",
            idempotency_key="r2",
        )


def test_an_adjustment_needs_a_reason_and_posts_once() -> None:
    account = account_owing(10_000)
    access, user = _staff_access(account)

    with pytest.raises(ServiceError, match="Say why"):
        adjustment_post(
            access=access, actor=user, account_id=account.pk, amount_cents=-500, reason=" ", idempotency_key="a1"
        )
    adjustment_post(
        access=access, actor=user, account_id=account.pk, amount_cents=-500, reason="Prompt pay", idempotency_key="a1"
    )
    adjustment_post(
        access=access, actor=user, account_id=account.pk, amount_cents=-500, reason="Prompt pay", idempotency_key="a1"
    )

    account.refresh_from_db()
    assert account.balance_cents == 9_500
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ADJUSTMENT).count() == 1


def test_another_organizations_account_is_refused() -> None:
    account = account_owing(10_000)
    access, user = _staff_access(account)
    elsewhere = account_owing(3_000, account=AccountFactory(patient=account.patient))

    with pytest.raises(ServiceError, match="your own organization"):
        adjustment_post(
            access=access, actor=user, account_id=elsewhere.pk, amount_cents=-500, reason="No", idempotency_key="x"
        )


def test_ageing_pays_the_oldest_charges_first(clock: Clock) -> None:
    account = account_owing(10_000, reference="old")
    clock.shift(timedelta(days=45))
    account_owing(5_000, account=account, reference="new")
    _paid(account, 4_000)
    entries = list(LedgerEntry.objects.filter(account=account))

    assert age(entries, timezone.localdate()) == [5_000, 6_000, 0, 0]


def test_reconciliation_counts_the_days_payments_by_status_and_downloads_csv() -> None:
    account = account_owing(10_000)
    _paid(account, 1_000, "a")
    access = resolve(account.patient.user, account.patient, Action.BILLING)
    assert access is not None
    payment_submit(
        access=access,
        actor=account.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=2_000,
        idempotency_key="b",
        card=TestGateway().tokenize("4000000000000002"),
    )
    _access, user = _staff_access(account)
    client = sign_in(Client(), user, second_factor=True)

    page = client.get(reverse("billing_staff_reconciliation"))
    download = client.get(reverse("billing_staff_reconciliation"), {"format": "csv"})

    text = page.content.decode()
    assert "Paid: 1 · $10.00" in text
    assert "Declined: 1 · $20.00" in text
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert [row[3:5] for row in rows[1:]] == [["10.00", "succeeded"], ["20.00", "declined"]]
    balances = client.get(reverse("billing_staff_balances")).content.decode()
    assert "$90.00" in balances


def test_a_nurse_or_physician_of_the_clinic_has_no_billing_desk() -> None:
    account = account_owing(10_000)
    account.patient.home_organization = account.organization
    account.patient.save()
    for role in (StaffRole.NURSE, StaffRole.PHYSICIAN):
        member = StaffMemberFactory(organization=account.organization, role=role)
        client = sign_in(Client(), member.user, second_factor=True)

        page = client.get(reverse("billing_staff_patient", args=[account.patient.pk]))
        adjusted = client.post(
            reverse("billing_staff_adjust", args=[account.patient.pk, account.pk]),
            {"direction": "credit", "amount": "50.00", "reason": "Courtesy", "idempotency_key": f"n-{role}"},
        )
        balances = client.get(reverse("billing_staff_balances"))

        assert (page.status_code, adjusted.status_code, balances.status_code) == (404, 404, 404)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ADJUSTMENT).exists()


def test_a_credit_cannot_take_off_more_than_the_balance() -> None:
    account = account_owing(10_000)
    access, user = _staff_access(account)

    with pytest.raises(ServiceError, match=r"at most the balance, \$100\.00"):
        adjustment_post(
            access=access,
            actor=user,
            account_id=account.pk,
            amount_cents=-10_001,
            reason="Write-off",
            idempotency_key="a",
        )
    adjustment_post(
        access=access, actor=user, account_id=account.pk, amount_cents=-10_000, reason="Write-off", idempotency_key="b"
    )

    account.refresh_from_db()
    assert account.balance_cents == 0


def test_an_adjustment_key_used_again_with_another_amount_is_refused() -> None:
    account = account_owing(10_000)
    access, user = _staff_access(account)
    adjustment_post(
        access=access, actor=user, account_id=account.pk, amount_cents=-1_000, reason="Discount", idempotency_key="k"
    )

    with pytest.raises(ServiceError, match="already used for another adjustment"):
        adjustment_post(
            access=access,
            actor=user,
            account_id=account.pk,
            amount_cents=-2_000,
            reason="Discount",
            idempotency_key="k",
        )
    again = adjustment_post(
        access=access, actor=user, account_id=account.pk, amount_cents=-1_000, reason="Discount", idempotency_key="k"
    )

    account.refresh_from_db()
    assert account.balance_cents == 9_000
    assert again.amount_cents == -1_000


def test_a_refund_of_another_patients_payment_is_not_found_and_changes_nothing() -> None:
    account = account_owing(10_000)
    _access, user = _staff_access(account)
    neighbour = AccountFactory(organization=account.organization)
    neighbour.patient.home_organization = account.organization
    neighbour.patient.save()
    theirs = _paid(account_owing(5_000, account=neighbour), 5_000, key="theirs")
    client = sign_in(Client(), user, second_factor=True)

    refused = client.post(
        reverse("billing_staff_refund", args=[account.patient.pk, theirs.pk]),
        {"amount": "5.00", "reason": "Double charge", "idempotency_key": "r-1"},
    )

    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.refunded_cents) == (Payment.Status.SUCCEEDED, 0)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()


def test_the_ledgers_reason_wraps_in_its_column_on_a_phone() -> None:
    account = account_owing(10_000)
    _access, user = _staff_access(account)
    client = sign_in(Client(), user, second_factor=True)

    page = client.get(reverse("billing_staff_patient", args=[account.patient.pk])).content.decode()

    assert '<td class="bill-reason">' in page
