"""Guest pay reaches its one statement and nothing else: every read and write it makes is audited
with no account, acting as someone holding the statement's code; the guest's session opens no
patient page, no API, no other statement, payment or receipt, and pays only its own statement."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import AccountFactory, account_owing
from billing.models import GatewayCharge, Payment, Statement
from billing.services.statements import statement_issue
from portal.models import AuditEvent
from portal.selectors.activity import describe

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242424242424242", "idempotency_key": "guest-1"}


def _statement(cents: int = 7_500) -> Statement:
    found = statement_issue(account_id=account_owing(cents).pk)
    assert found is not None
    return found


def _guest(statement: Statement) -> Client:
    client = Client()
    opened = client.post(
        reverse("billing_guest"),
        {"code": statement.code, "birth_date": statement.account.patient.birth_date.isoformat()},
    )
    assert opened.status_code == 302
    return client


def test_every_guest_read_and_write_is_audited_as_the_codes_holder_and_reads_so() -> None:
    statement = _statement()
    client = _guest(statement)

    client.get(reverse("billing_guest_pay"))
    paid = client.post(reverse("billing_guest_pay"), CARD)
    client.get(paid.url)  # type: ignore[attr-defined]

    events = list(AuditEvent.objects.filter(patient=statement.account.patient).order_by("pk"))
    payment = Payment.objects.get()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("view", "billing.Statement", str(statement.pk)),
        ("view", "billing.Statement", str(statement.pk)),
        ("create", "billing.Payment", str(payment.pk)),
        ("view", "billing.Payment", str(payment.pk)),
    ]
    assert {(e.actor_id, e.acting_as, e.scope) for e in events} == {(None, "share_link", "billing")}
    patient_user = statement.account.patient.user
    assert [describe(e, patient_user) for e in events[1:]] == [
        "Someone with a paper statement's code and the date of birth opened it to pay (guest pay).",
        "Someone with a paper statement's code paid it (guest pay).",
        "Someone with a paper statement's code viewed the receipt of a payment (guest pay).",
    ]


def test_the_guest_session_opens_no_patient_page_and_no_api() -> None:
    statement = _statement()
    patient = statement.account.patient
    client = _guest(statement)
    audited = AuditEvent.objects.count()

    pages = [
        reverse("billing_home", kwargs={"patient_id": patient.pk}),
        reverse("billing_statement", kwargs={"patient_id": patient.pk, "statement_id": statement.pk}),
        reverse("billing_statement_pdf", kwargs={"patient_id": patient.pk, "statement_id": statement.pk}),
        reverse("billing_pay", kwargs={"patient_id": patient.pk, "account_id": statement.account_id}),
        reverse("patient_home", kwargs={"patient_id": patient.pk}),
        reverse("record_overview", kwargs={"patient_id": patient.pk}),
    ]
    apis = [
        reverse("api_billing_accounts", kwargs={"patient_id": patient.pk}),
        reverse("api_billing_statement", kwargs={"patient_id": patient.pk, "statement_id": statement.pk}),
        reverse("api_patient", kwargs={"patient_id": patient.pk}),
    ]

    for url in pages:
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith(reverse("account_login")), url
    for url in apis:
        assert client.get(url).status_code == 403, url
    assert AuditEvent.objects.count() == audited


def test_the_guest_pays_only_its_statement_whatever_the_form_names() -> None:
    statement = _statement()
    patient = statement.account.patient
    elsewhere = account_owing(4_000, account=AccountFactory(patient=patient), reference="elsewhere")
    other = statement_issue(account_id=elsewhere.pk)
    assert other is not None
    client = _guest(statement)

    client.post(
        reverse("billing_guest_pay"),
        {**CARD, "statement": other.pk, "account": elsewhere.pk, "purpose": "full", "amount": "40.00"},
    )

    payment = Payment.objects.get()
    assert (payment.statement_id, payment.account_id, payment.amount_cents) == (
        statement.pk,
        statement.account_id,
        7_500,
    )
    elsewhere.refresh_from_db()
    assert elsewhere.balance_cents == 4_000
    assert GatewayCharge.objects.count() == 1


def test_no_other_statements_receipt_even_of_the_same_patient() -> None:
    statement = _statement()
    patient = statement.account.patient
    elsewhere = account_owing(4_000, account=AccountFactory(patient=patient), reference="elsewhere")
    other = statement_issue(account_id=elsewhere.pk)
    assert other is not None
    _guest(other).post(reverse("billing_guest_pay"), {**CARD, "idempotency_key": "other"})
    theirs = Payment.objects.get()
    client = _guest(statement)
    audited = AuditEvent.objects.count()

    assert client.get(reverse("billing_guest_receipt", args=[theirs.pk])).status_code == 404
    assert AuditEvent.objects.count() == audited


def test_a_statement_locked_after_opening_closes_the_guest_session() -> None:
    statement = _statement()
    client = _guest(statement)
    Statement.objects.filter(pk=statement.pk).update(guest_locked=True)

    assert client.get(reverse("billing_guest_pay")).status_code == 404
    assert client.post(reverse("billing_guest_pay"), CARD).status_code == 404
    assert not Payment.objects.exists()
