"""Guest pay: a statement code and the date of birth open that statement's balance only; it pays
once; wrong dates of birth lock the statement; too many tries from one address are refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import account_owing
from billing.models import Account, GatewayCharge, Payment, Statement
from billing.services.guest import ATTEMPTS_PER_ADDRESS, GUEST_LOCK_AFTER, GUEST_LOCK_WINDOW
from billing.services.statements import statement_issue
from portal.factories import StaffMemberFactory
from portal.models import AuditEvent, Organization, StaffRole
from tests.clock import Clock
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement() -> Statement:
    account = account_owing(7_500)
    found = statement_issue(account_id=account.pk)
    assert found is not None
    return found


def _open(client: Client, statement: Statement, birth_date: str | None = None) -> object:
    born = birth_date or statement.account.patient.birth_date.isoformat()
    return client.post(reverse("billing_guest"), {"code": statement.code.lower(), "birth_date": born})


def test_a_guest_pays_the_statement_once_and_gets_a_receipt(statement: Statement) -> None:
    client = Client()
    opened = _open(client, statement)
    page = client.get(reverse("billing_guest_pay")).content.decode()
    form = {"card_number": "4242424242424242", "idempotency_key": "guest-1"}

    first = client.post(reverse("billing_guest_pay"), form)
    second = client.post(reverse("billing_guest_pay"), form)

    payment = Payment.objects.get()
    assert opened.url == reverse("billing_guest_pay")  # type: ignore[attr-defined]
    assert "$75.00" in page
    assert statement.account.patient.family_name not in page
    assert first.url == second.url == reverse("billing_guest_receipt", args=[payment.pk])  # type: ignore[attr-defined]
    assert (payment.purpose, payment.statement_id, payment.amount_cents) == ("statement", statement.pk, 7_500)
    assert GatewayCharge.objects.count() == 1
    assert Account.objects.get().balance_cents == 0
    assert "your payment went through" in client.get(first.url).content.decode()  # type: ignore[attr-defined]
    # Opened with the code, then its balance shown on the payment page: two reads of the statement.
    assert AuditEvent.objects.filter(acting_as="share_link", object_type="billing.Statement").count() == 2


def test_the_guest_session_reaches_no_other_payment(statement: Statement) -> None:
    other = account_owing(1_000)
    other_statement = statement_issue(account_id=other.pk)
    client = Client()
    _open(client, other_statement)  # type: ignore[arg-type]
    client.post(reverse("billing_guest_pay"), {"card_number": "4242424242424242", "idempotency_key": "x"})
    theirs = Payment.objects.get()
    stranger = Client()
    _open(stranger, statement)

    assert stranger.get(reverse("billing_guest_receipt", args=[theirs.pk])).status_code == 404
    assert Client().get(reverse("billing_guest_pay")).status_code == 404


def test_wrong_dates_of_birth_lock_the_statement_for_a_while_saying_only_no_match(
    statement: Statement, clock: Clock
) -> None:
    client = Client()
    for _ in range(GUEST_LOCK_AFTER):
        page = _open(client, statement, "1900-01-01")
        assert "No statement matches this code and date of birth." in page.content.decode()  # type: ignore[attr-defined]

    locked = _open(client, statement)
    statement.refresh_from_db()
    clock.shift(GUEST_LOCK_WINDOW)
    opened = _open(Client(), statement)

    assert statement.guest_locked
    # The right date of birth while locked reads as a wrong one: nothing confirms the code exists.
    assert "No statement matches this code and date of birth." in locked.content.decode()  # type: ignore[attr-defined]
    assert "locked" not in locked.content.decode()  # type: ignore[attr-defined]
    assert opened.status_code == 302  # type: ignore[attr-defined]
    statement.refresh_from_db()
    assert (statement.guest_failures, statement.guest_locked) == (0, False)


def test_billing_staff_unlock_a_statement_audited(statement: Statement) -> None:
    for _ in range(GUEST_LOCK_AFTER):
        _open(Client(), statement, "1900-01-01")
    patient = statement.account.patient
    patient.home_organization = statement.account.organization
    patient.save()
    desk = StaffMemberFactory(organization=statement.account.organization, role=StaffRole.BILLING)
    staff = sign_in(Client(), desk.user, second_factor=True)

    page = staff.get(reverse("billing_staff_patient", args=[patient.pk])).content.decode()
    done = staff.post(reverse("billing_staff_guest_unlock", args=[patient.pk, statement.pk]))

    statement.refresh_from_db()
    assert "Unlock guest pay" in page
    assert done.status_code == 302
    assert (statement.guest_failures, statement.guest_locked) == (0, False)
    assert AuditEvent.objects.filter(object_type="billing.GuestUnlock", actor=desk.user).count() == 1
    assert _open(Client(), statement).status_code == 302  # type: ignore[attr-defined]


def test_too_many_tries_from_one_address_are_refused(statement: Statement) -> None:
    client = Client()
    for index in range(ATTEMPTS_PER_ADDRESS):
        _open(client, Statement(code=f"NOPE{index}", account=statement.account), "1900-01-01")

    refused = _open(client, statement)

    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert "Too many tries from this network" in refused.content.decode()  # type: ignore[attr-defined]


def test_no_match_and_locked_read_the_same_and_say_whom_to_call(statement: Statement, settings: object) -> None:
    settings.BILLING_OFFICE_PHONE = "(555) 010-2000"  # type: ignore[attr-defined]
    for _ in range(GUEST_LOCK_AFTER):
        _open(Client(), statement, "1900-01-01")

    locked = _open(Client(), statement).content.decode()  # type: ignore[attr-defined]
    no_such = Client().post(reverse("billing_guest"), {"code": "ZZZZZZZZZZ", "birth_date": "1980-01-01"})

    expected = (
        "No statement matches this code and date of birth. Check both and try again. If it still does not "
        "open, call the billing office at (555) 010-2000."
    )
    assert expected in locked
    assert expected in no_such.content.decode()


def test_without_a_billing_line_the_home_clinics_phone_is_told(statement: Statement) -> None:
    Organization.objects.update(phone="")
    clinic = statement.account.patient.home_organization
    clinic.phone = "(555) 010-3000"
    clinic.save()

    page = Client().post(reverse("billing_guest"), {"code": "ZZZZZZZZZZ", "birth_date": "1980-01-01"})

    assert "call the billing office at (555) 010-3000." in page.content.decode()
