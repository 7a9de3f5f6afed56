"""The billing API for the patient side: accounts with what is owed, statements with their lines,
payments made once per Idempotency-Key (a retry answers 200, other details 409), amounts refused
with field errors, receipts, plans and estimates; every read audited, another patient's 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import AccountFactory, account_owing
from billing.models import Account, GatewayCharge, Payment, PaymentPlan
from billing.services.statements import statement_issue
from portal.models import AuditEvent, Patient
from tests.billing.estimate_fixtures import price_visit
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CARD = {"card_token": "tok_succeeded_4242", "card_last4": "4242"}


def _client(patient: Patient) -> Client:
    return sign_in(Client(), patient.user)


def _url(name: str, patient: Patient, **kwargs: Any) -> str:
    return reverse(name, kwargs={"patient_id": patient.pk, **kwargs})


def _owing(cents: int = 12_550) -> Account:
    return account_owing(cents)


def _pay(client: Client, account: Account, key: str | None, **fields: Any) -> Any:
    body = {"account": account.pk, "purpose": "amount", **CARD, **fields}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(_url("api_billing_payments", account.patient), body, content_type="application/json", **headers)


def _views(object_type: str) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type=object_type).count()


def test_accounts_say_what_is_owed_with_the_statement_due_and_are_audited(
    django_assert_num_queries: Any,
) -> None:
    account = _owing()
    statement = statement_issue(account_id=account.pk)
    AccountFactory(patient=account.patient)  # a second clinic, owing nothing
    client = _client(account.patient)
    client.get(_url("api_billing_accounts", account.patient))  # warm the session

    # The session, the user and their devices, the patient; accounts, statements, plans; the
    # audit; the session's save in its savepoint.
    with django_assert_num_queries(13):
        answer = client.get(_url("api_billing_accounts", account.patient))

    assert answer.status_code == 200
    owing = next(row for row in answer.json() if row["id"] == account.pk)
    assert owing["balance_cents"] == 12_550
    assert owing["latest_statement"] == statement.pk
    assert owing["due_on"] == statement.due_on.isoformat()
    assert (owing["waiting_on_insurance"], owing["active_plan"], owing["coverage"]) == (0, None, "unknown")
    assert owing["organization"]["name"] == account.organization.name
    assert _views("billing.Account") == 4


def test_a_statement_reads_line_by_line_and_the_list_is_paged() -> None:
    account = _owing()
    statement = statement_issue(account_id=account.pk)
    client = _client(account.patient)

    listed = client.get(_url("api_billing_statements", account.patient))
    one = client.get(_url("api_billing_statement", account.patient, statement_id=statement.pk))

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert listed.json()["results"][0]["code"] == statement.code
    assert one.status_code == 200
    body = one.json()
    assert body["amount_due_cents"] == 12_550
    assert body["pdf"] == _url("billing_statement_pdf", account.patient, statement_id=statement.pk)
    [line] = body["lines"]
    assert (line["service"], line["charged_cents"], line["not_covered_cents"], line["you_owe_cents"]) == (
        "Office visit",
        12_550,
        12_550,
        12_550,
    )
    assert _views("billing.Statement") == 2


def test_another_patients_statement_and_payment_answer_404() -> None:
    mine = _owing()
    theirs = _owing()
    statement = statement_issue(account_id=theirs.pk)
    client = _client(mine.patient)

    assert client.get(_url("api_billing_statement", mine.patient, statement_id=statement.pk)).status_code == 404
    refused = client.post(
        _url("api_billing_payments", mine.patient),
        {"account": theirs.pk, "purpose": "amount", "amount_cents": 100, **CARD},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert refused.status_code == 400
    assert refused.json() == {"account": ["Choose one of your accounts."]}
    assert not Payment.objects.exists()


def test_a_payment_with_a_key_is_made_once_and_a_retry_answers_200_with_it() -> None:
    account = _owing()
    client = _client(account.patient)

    first = _pay(client, account, "phone-tap-1", amount_cents=2_500)
    retry = _pay(client, account, "phone-tap-1", amount_cents=2_500)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert first.json()["status"] == "succeeded"
    assert first.json()["card_last4"] == "4242"
    assert GatewayCharge.objects.count() == 1
    account.refresh_from_db()
    assert account.balance_cents == 10_050
    # The payment made, then read back by the retry.
    assert [e.action for e in AuditEvent.objects.filter(object_type="billing.Payment").order_by("pk")] == [
        "create",
        "view",
    ]


def test_a_reused_key_with_other_details_is_refused_409_and_charges_nothing_more() -> None:
    account = _owing()
    client = _client(account.patient)
    _pay(client, account, "k-1", amount_cents=2_500)

    refused = _pay(client, account, "k-1", amount_cents=3_000)

    assert refused.status_code == 409
    assert list(refused.json()) == ["idempotency_key"]
    assert GatewayCharge.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "Send an Idempotency-Key header, so a retry cannot pay twice."),
        ("   ", "Send an Idempotency-Key header, so a retry cannot pay twice."),
        ("k" * 65, "The Idempotency-Key header is too long: 64 characters at most."),
    ],
)
def test_a_payment_without_a_usable_key_is_refused(key: str | None, message: str) -> None:
    account = _owing()

    refused = _pay(_client(account.patient), account, key, amount_cents=100)

    assert refused.status_code == 400
    assert refused.json() == {"idempotency_key": [message]}
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "Enter an amount greater than $0.00."),
        (-500, "Enter an amount greater than $0.00."),
        ("twelve", "Send the amount in whole cents, like 2500 for $25.00."),
        (25.5, "Send the amount in whole cents, like 2500 for $25.00."),
        (100_000_000, "Enter an amount under $1,000,000.00."),
        (12_551, "That is more than you owe ($125.50). Enter $125.50 or less."),
    ],
)
def test_an_amount_that_is_not_payable_gets_a_field_error(amount: Any, message: str) -> None:
    account = _owing()

    refused = _pay(_client(account.patient), account, "k-amount", amount_cents=amount)

    assert refused.status_code == 400
    assert refused.json() == {"amount_cents": [message]}
    assert not Payment.objects.exists()
    assert not GatewayCharge.objects.exists()


def test_choosing_an_amount_without_one_or_a_statement_without_one_is_a_field_error() -> None:
    account = _owing()
    client = _client(account.patient)

    no_amount = _pay(client, account, "k-1")
    no_statement = _pay(client, account, "k-2", purpose="statement")

    assert no_amount.json() == {"amount_cents": ["Enter an amount, like 2500 for $25.00."]}
    assert no_statement.json() == {"statement": ["Choose one of your statements."]}


def test_paying_a_statement_and_the_declined_card_and_the_receipt() -> None:
    account = _owing()
    statement = statement_issue(account_id=account.pk)
    client = _client(account.patient)

    declined = _pay(client, account, "k-declined", purpose="full", card_token="tok_card_declined_0002")
    paid = _pay(client, account, "k-statement", purpose="statement", statement=statement.pk)
    receipt = client.get(_url("api_billing_payment", account.patient, payment_id=paid.json()["id"]))

    assert (declined.status_code, declined.json()["status"]) == (201, "declined")
    # A declined card has nothing to print: no receipt link.
    assert declined.json()["receipt_pdf"] is None
    assert (paid.status_code, paid.json()["status"], paid.json()["amount_cents"]) == (201, "succeeded", 12_550)
    assert receipt.status_code == 200
    assert receipt.json()["statement"] == statement.pk
    assert receipt.json()["receipt_pdf"] == _url("billing_receipt_pdf", account.patient, payment_id=paid.json()["id"])
    assert _views("billing.Payment") == 1


def test_the_payments_list_is_paged_and_each_row_sent_is_audited(django_assert_num_queries: Any) -> None:
    account = _owing()
    client = _client(account.patient)
    for number in range(3):
        _pay(client, account, f"k-{number}", amount_cents=100)
    client.get(_url("api_billing_accounts", account.patient))

    # As for the accounts, with the count and the page of payments in place of the accounts' three.
    with django_assert_num_queries(12):
        answer = client.get(_url("api_billing_payments", account.patient) + "?limit=2")

    assert answer.json()["count"] == 3
    assert len(answer.json()["results"]) == 2
    assert _views("billing.Payment") == 2


def test_a_plan_is_set_up_read_and_cancelled() -> None:
    account = _owing(30_000)
    client = _client(account.patient)
    body = {"account": account.pk, "monthly_cents": 10_000, "day_of_month": 5, **CARD}

    made = client.post(_url("api_billing_plans", account.patient), body, content_type="application/json")
    plan_id = made.json()["id"]
    listed = client.get(_url("api_billing_plans", account.patient))
    cancelled = client.post(_url("api_billing_plan_cancel", account.patient, plan_id=plan_id))

    assert made.status_code == 201
    assert [(i["number"], i["amount_cents"]) for i in made.json()["instalments"]] == [
        (1, 10_000),
        (2, 10_000),
        (3, 10_000),
    ]
    assert listed.json()["results"][0]["id"] == plan_id
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert PaymentPlan.objects.get().status == PaymentPlan.Status.CANCELLED


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"monthly_cents": 0}, {"monthly_cents": ["Enter an amount greater than $0.00."]}),
        ({"day_of_month": 31}, {"day_of_month": ["Choose a day between the 1st and the 28th."]}),
    ],
)
def test_a_plan_outside_the_rules_is_a_field_error(fields: dict[str, Any], errors: dict[str, Any]) -> None:
    account = _owing(30_000)
    body = {"account": account.pk, "monthly_cents": 10_000, "day_of_month": 5, **CARD, **fields}

    refused = _client(account.patient).post(
        _url("api_billing_plans", account.patient), body, content_type="application/json"
    )

    assert refused.status_code == 400
    assert refused.json() == errors
    assert not PaymentPlan.objects.exists()


def test_an_estimate_is_asked_for_once_per_key_and_read_with_every_element() -> None:
    account = _owing()
    patient = account.patient
    priced = price_visit(patient.home_organization)
    client = _client(patient)
    url = _url("api_billing_estimates", patient)
    body = {"item": priced.item.pk, "coverage": "uninsured"}

    asked = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="e-1")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="e-1")
    listed = client.get(url)
    estimate_id = asked.json()["estimate"]
    one = client.get(_url("api_billing_estimate", patient, estimate_id=estimate_id))

    assert (asked.status_code, again.status_code) == (201, 200)
    assert asked.json()["id"] == again.json()["id"]
    assert asked.json()["reason"] == "requested"
    assert [row["id"] for row in listed.json()["estimates"]] == [estimate_id]
    assert listed.json()["priced_visits"] == [{"id": priced.item.pk, "visit": priced.visit_type.label}]
    assert one.status_code == 200
    assert one.json()["total_cents"] == one.json()["content"]["total_cents"]
    assert _views("billing.GoodFaithEstimate") == 2
