"""The patient's billing pages: what is owed by organization, a statement in plain words and as
PDF, paying with errors shown in the form, and the receipt."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import account_owing
from billing.models import Account, GatewayCharge, Payment
from billing.services.statements import statement_issue
from portal.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> Account:
    return account_owing(12_550)


@pytest.fixture
def me(account: Account) -> Client:
    return sign_in(Client(), account.patient.user)


def _key(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_home_shows_what_is_owed_by_organization_with_the_due_date(me: Client, account: Account) -> None:
    statement_issue(account_id=account.pk)

    page = me.get(reverse("billing_home", args=[account.patient.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert account.organization.name in text
    assert "You owe $125.50." in text
    assert "Due Fri 8 Jan 2027." in text
    assert (
        AuditEvent.objects.filter(object_type="billing.Account", object_id=str(account.pk), action="view").count() == 1
    )


def test_a_statement_reads_in_plain_words_and_downloads_as_pdf(me: Client, account: Account) -> None:
    statement = statement_issue(account_id=account.pk)
    assert statement is not None

    page = me.get(reverse("billing_statement", args=[account.patient.pk, statement.pk]))
    pdf = me.get(reverse("billing_statement_pdf", args=[account.patient.pk, statement.pk]))

    text = page.content.decode()
    for words in ("Office visit", "Charged", "Insurance paid", "You owe", "$125.50", statement.code):
        assert words in text
    assert "not covered by insurance" in text
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_paying_twice_with_the_same_form_charges_once_and_shows_the_receipt(me: Client, account: Account) -> None:
    url = reverse("billing_pay", args=[account.patient.pk, account.pk])
    form = {
        "purpose": "amount",
        "amount": "25.50",
        "card_number": "4242 4242 4242 4242",
        "idempotency_key": _key(me.get(url).content.decode()),
    }

    first = me.post(url, form)
    second = me.post(url, form)

    payment = Payment.objects.get()
    receipt = reverse("billing_receipt", args=[account.patient.pk, payment.pk])
    assert first.url == second.url == receipt
    assert GatewayCharge.objects.count() == 1
    page = me.get(receipt).content.decode()
    assert "your payment went through" in page
    assert "$25.50" in page
    assert "ending in 4242" in page
    account.refresh_from_db()
    assert account.balance_cents == 10_000


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter the amount as a number in dollars and cents, like 25.00."),
        ("-3", "Enter an amount greater than $0.00."),
        ("0", "Enter an amount greater than $0.00."),
        ("200", "That is more than you owe ($125.50). Enter $125.50 or less."),
    ],
)
def test_bad_amounts_come_back_with_a_clear_error_and_no_card_number(
    me: Client, account: Account, amount: str, message: str
) -> None:
    url = reverse("billing_pay", args=[account.patient.pk, account.pk])
    form = {"purpose": "amount", "amount": amount, "card_number": "4242424242424242", "idempotency_key": "k" * 20}

    page = me.post(url, form)

    text = page.content.decode()
    assert page.status_code == 400
    assert message in text
    assert "4242424242424242" not in text
    assert not Payment.objects.exists()


def test_a_declined_card_says_nothing_was_charged(me: Client, account: Account) -> None:
    url = reverse("billing_pay", args=[account.patient.pk, account.pk])
    form = {"purpose": "full", "card_number": "4000000000000002", "idempotency_key": "k" * 20}

    page = me.post(url, form, follow=True)

    assert "Your card was declined" in page.content.decode()
    account.refresh_from_db()
    assert account.balance_cents == 12_550


def test_paperless_is_an_explicit_choice_that_can_be_taken_back(me: Client, account: Account) -> None:
    url = reverse("billing_paperless", args=[account.patient.pk, account.pk])

    on = me.post(url, {"paperless": "on"}, follow=True)
    account.refresh_from_db()
    assert account.paperless
    assert "Paperless statements are on" in on.content.decode()

    me.post(url, {"paperless": "off"})
    account.refresh_from_db()
    assert not account.paperless
    assert AuditEvent.objects.filter(object_type="billing.Account", action="update").count() == 2


@pytest.mark.parametrize("card", ["4000000000000002", "4000002500003155"])
def test_a_payment_that_did_not_go_through_has_no_receipt(me: Client, account: Account, card: str) -> None:
    url = reverse("billing_pay", args=[account.patient.pk, account.pk])
    me.post(url, {"purpose": "full", "card_number": card, "idempotency_key": "k" * 20})
    payment = Payment.objects.get()

    page = me.get(reverse("billing_receipt", args=[account.patient.pk, payment.pk])).content.decode()
    pdf = me.get(reverse("billing_receipt_pdf", args=[account.patient.pk, payment.pk]))

    assert "<title>Receipt" not in page
    assert "Download the receipt" not in page
    assert "Paid to" not in page
    assert pdf.status_code == 404


def test_a_statement_shows_what_changed_since_and_what_is_left_with_how_to_pay(me: Client, account: Account) -> None:
    from billing.gateway import TestGateway
    from billing.services.payments import payment_submit
    from billing.services.staff import adjustment_post
    from portal.access import Action, resolve
    from portal.factories import StaffMemberFactory
    from portal.models import StaffRole
    from tests.records.test_minor_consent import pdf_text

    statement = statement_issue(account_id=account.pk)
    assert statement is not None
    account.organization.phone = "555-0100"
    account.organization.save()
    account.patient.home_organization = account.organization
    account.patient.save()
    mine = resolve(account.patient.user, account.patient, Action.BILLING)
    payment_submit(
        access=mine,  # type: ignore[arg-type]
        actor=account.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=2_550,
        idempotency_key="since-1",
        card=TestGateway().tokenize("4242424242424242"),
    )
    desk = StaffMemberFactory(organization=account.organization, role=StaffRole.BILLING)
    adjustment_post(
        access=resolve(desk.user, account.patient, Action.BILLING),  # type: ignore[arg-type]
        actor=desk.user,
        account_id=account.pk,
        amount_cents=-1_000,
        reason="Prompt-pay discount",
        idempotency_key="since-2",
    )

    page = me.get(reverse("billing_statement", args=[account.patient.pk, statement.pk])).content.decode()
    pdf = pdf_text(me.get(reverse("billing_statement_pdf", args=[account.patient.pk, statement.pk])).content)
    pay = me.get(reverse("billing_pay", args=[account.patient.pk, account.pk])).content.decode()

    assert "Left to pay now" in page and "$90.00" in page
    assert "Since this statement" in page and "-$25.50" in page and "-$10.00" in page
    assert "Left to pay now: $90.00" in pdf
    assert "-$25.50" in pdf and "-$10.00" in pdf
    assert "/billing/guest/" in pdf
    assert "555-0100" in pdf
    assert "This statement: $90.00" in pay
