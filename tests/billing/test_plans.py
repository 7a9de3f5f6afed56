"""Payment plans: set up within the clinic's rules (clear messages otherwise), instalments swept
and charged once each, even when a worker dies between the gateway's answer and the commit, or
two sweeps run at once on the real database; declines retried a bounded number of times, spaced,
then the patient told through the outbox without amounts; cancelling stops the charges."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.urls import reverse

from billing import notifications
from billing.factories import AccountFactory, account_owing
from billing.gateway import TestGateway
from billing.models import Account, GatewayCharge, Instalment, LedgerEntry, Payment, PaymentPlan, PlanRules
from billing.services import plans
from billing.services.payments import payment_submit
from billing.services.plans import instalments_sweep, plan_cancel, plan_create
from portal.access import Access, Action, resolve
from portal.models import AuditEvent, Notice
from portal.services.errors import ServiceError
from tests.clock import CLINIC_ZONE, Clock
from tests.conftest import sign_in

VISA = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
# The first instalment of a plan on day 15, set up on the pinned 9 December: charged from 09:00.
FIRST_DUE = datetime(2026, 12, 15, 9, 30, tzinfo=CLINIC_ZONE)


def _access(account: Account) -> Access:
    access = resolve(account.patient.user, account.patient, Action.BILLING)
    assert access is not None
    return access


def _plan(account: Account, *, monthly: int = 10_000, day: int = 15, card: str = VISA) -> PaymentPlan:
    return plan_create(
        access=_access(account),
        actor=account.patient.user,
        account_id=account.pk,
        monthly_cents=monthly,
        day_of_month=day,
        card=TestGateway().tokenize(card),
    )


def _ledger_payments(account: Account) -> int:
    return (
        LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.PAYMENT).aggregate(t=Sum("amount_cents"))["t"]
        or 0
    )


@pytest.mark.django_db
def test_a_plan_writes_one_row_per_month_for_the_whole_balance() -> None:
    account = account_owing(25_050)

    plan = _plan(account, monthly=10_000, day=15)

    rows = list(plan.instalments.order_by("number"))
    assert [(row.due_on, row.amount_cents) for row in rows] == [
        (date(2026, 12, 15), 10_000),
        (date(2027, 1, 15), 10_000),
        (date(2027, 2, 15), 5_050),
    ]
    assert rows[0].next_attempt_at == datetime(2026, 12, 15, 9, tzinfo=CLINIC_ZONE)
    assert plan.total_cents == 25_050 and plan.card_last4 == "4242"
    assert "4242424242424242" not in plan.card_token
    assert AuditEvent.objects.filter(
        object_type="billing.PaymentPlan", object_id=str(plan.pk), action="create"
    ).exists()


@pytest.mark.django_db
def test_a_day_already_past_this_month_starts_next_month() -> None:
    plan = _plan(account_owing(5_000), monthly=5_000, day=3)
    assert plan.instalments.get().due_on == date(2027, 1, 3)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("monthly", "day", "field", "words"),
    [
        (1_000, 15, "monthly_amount", "The smallest monthly amount this clinic accepts is $25.00."),
        (2_500, 15, "monthly_amount", "at most 6 months: pay at least $50.00 a month"),
        (40_000, 15, "monthly_amount", "That is more than you owe ($300.00)"),
        (5_000, 29, "day_of_month", "Choose a day between the 1st and the 28th."),
        (0, 15, "monthly_amount", "greater than $0.00"),
    ],
)
def test_the_clinics_rules_refuse_a_plan_with_a_clear_message(monthly: int, day: int, field: str, words: str) -> None:
    account = account_owing(30_000)
    PlanRules.objects.create(organization=account.organization, minimum_monthly_cents=2_500, maximum_months=6)

    with pytest.raises(ServiceError) as refused:
        _plan(account, monthly=monthly, day=day)

    assert refused.value.field == field
    assert words in refused.value.message
    assert not PaymentPlan.objects.exists()


@pytest.mark.django_db
def test_one_active_plan_per_account_and_nothing_to_spread_when_nothing_is_owed() -> None:
    account = account_owing(30_000)
    _plan(account)
    with pytest.raises(ServiceError, match="already has a payment plan"):
        _plan(account)
    with pytest.raises(ServiceError, match="nothing to pay"):
        _plan(AccountFactory())


@pytest.mark.django_db
def test_the_sweep_charges_what_is_due_once_and_posts_it(clock: Clock) -> None:
    account = account_owing(25_000)
    plan = _plan(account)
    assert instalments_sweep().charged == 0  # not due yet

    clock.move_to(FIRST_DUE)
    first = instalments_sweep()
    again = instalments_sweep()

    account.refresh_from_db()
    instalment = plan.instalments.get(number=1)
    assert (first.charged, again.charged) == (1, 0)
    assert instalment.status == Instalment.Status.PAID
    assert instalment.payment is not None and instalment.payment.status == Payment.Status.SUCCEEDED
    assert instalment.payment.purpose == Payment.Purpose.INSTALMENT
    assert GatewayCharge.objects.count() == 1
    assert account.balance_cents == 15_000
    assert _ledger_payments(account) == -10_000
    assert plan.instalments.filter(status=Instalment.Status.SCHEDULED).count() == 2


@pytest.mark.django_db
def test_a_worker_killed_after_the_gateway_and_before_the_commit_charges_nothing_twice_and_loses_nothing(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = account_owing(20_000)
    plan = _plan(account)
    clock.move_to(FIRST_DUE)
    real_settle = plans.payment_settle

    def killed(**kwargs: object) -> Payment:
        raise SystemExit("worker killed")  # after the gateway answered, inside the uncommitted transaction

    monkeypatch.setattr(plans, "payment_settle", killed)
    with pytest.raises(SystemExit):
        instalments_sweep()

    instalment = plan.instalments.get(number=1)
    assert instalment.status == Instalment.Status.CHARGING  # the promise stands
    assert GatewayCharge.objects.count() == 1  # the gateway charged
    assert _ledger_payments(account) == 0  # but nothing was recorded

    monkeypatch.setattr(plans, "payment_settle", real_settle)
    rerun = instalments_sweep()

    instalment.refresh_from_db()
    account.refresh_from_db()
    assert rerun.charged == 1
    assert instalment.status == Instalment.Status.PAID
    assert GatewayCharge.objects.count() == 1  # asked again by the same key: the same charge
    assert Payment.objects.filter(purpose=Payment.Purpose.INSTALMENT).count() == 1
    assert _ledger_payments(account) == -10_000
    assert account.balance_cents == 10_000


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_charge_each_instalment_once(clock: Clock) -> None:
    accounts = [account_owing(20_000, reference=f"visit-{index}") for index in range(6)]
    for account in accounts:
        _plan(account)
    clock.move_to(FIRST_DUE)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            instalments_sweep()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Instalment.objects.filter(number=1, status=Instalment.Status.PAID).count() == 6
    assert GatewayCharge.objects.count() == 6
    assert Payment.objects.filter(purpose=Payment.Purpose.INSTALMENT).count() == 6
    for account in accounts:
        account.refresh_from_db()
        assert account.balance_cents == 10_000
        assert _ledger_payments(account) == -10_000


@pytest.mark.django_db
def test_a_declined_instalment_is_retried_spaced_then_the_patient_is_told_without_amounts(clock: Clock) -> None:
    account = account_owing(20_000)
    plan = _plan(account, card=DECLINED)
    instalment = plan.instalments.get(number=1)

    clock.move_to(FIRST_DUE)
    assert instalments_sweep().retrying == 1
    instalment.refresh_from_db()
    assert (instalment.status, instalment.attempts) == (Instalment.Status.SCHEDULED, 1)
    assert instalment.next_attempt_at >= FIRST_DUE + timedelta(days=2) - timedelta(minutes=1)
    assert instalments_sweep().retrying == 0  # not before the wait

    clock.shift(timedelta(days=2, minutes=1))
    assert instalments_sweep().retrying == 1
    clock.shift(timedelta(days=3, minutes=1))
    assert instalments_sweep().failed == 1

    instalment.refresh_from_db()
    assert (instalment.status, instalment.attempts) == (Instalment.Status.FAILED, Instalment.MAX_ATTEMPTS)
    assert instalment.failure_code == "card_declined"
    assert GatewayCharge.objects.count() == 3  # one per attempt, each by its own key
    assert instalments_sweep().failed == 0  # bounded: never tried again
    account.refresh_from_db()
    assert account.balance_cents == 20_000
    notice = Notice.objects.get(kind=notifications.Kind.INSTALMENT_FAILED)
    assert notice.patient_id == account.patient_id and notice.link.startswith("/billing/n/")
    words = notifications.instalment_words(notice)
    for text in (words.subject, words.body, words.sms):
        assert "$" not in text and "200" not in text and "Office visit" not in text
    # The other instalments still run.
    assert plan.instalments.filter(status=Instalment.Status.SCHEDULED).count() == 1


@pytest.mark.django_db
def test_cancelling_stops_the_charges(clock: Clock) -> None:
    account = account_owing(20_000)
    plan = _plan(account)

    cancelled = plan_cancel(access=_access(account), actor=account.patient.user, plan_id=plan.pk)
    clock.move_to(FIRST_DUE)
    swept = instalments_sweep()

    assert cancelled.status == PaymentPlan.Status.CANCELLED
    assert swept.charged == 0 and not GatewayCharge.objects.exists()
    assert set(plan.instalments.values_list("status", flat=True)) == {Instalment.Status.CANCELLED}
    assert AuditEvent.objects.filter(
        object_type="billing.PaymentPlan", object_id=str(plan.pk), action="update"
    ).exists()
    _plan(account)  # a new plan may be set up after


@pytest.mark.django_db
def test_a_plan_ends_when_its_last_instalment_is_paid(clock: Clock) -> None:
    account = account_owing(5_000)
    plan = _plan(account, monthly=5_000)
    clock.move_to(FIRST_DUE)
    instalments_sweep()
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED


@pytest.mark.django_db
def test_a_paid_payment_tells_the_patient_with_a_signed_link_and_no_amount(
    clock: Clock, eager_tasks: None, django_capture_on_commit_callbacks
) -> None:
    account = account_owing(20_000)
    _plan(account)
    clock.move_to(FIRST_DUE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        instalments_sweep()

    notice = Notice.objects.get(kind=notifications.Kind.PAYMENT_RECEIVED)
    assert notice.sent_at is not None and notice.link == ""  # sent, and the table keeps no working link
    [email] = mail.outbox
    assert email.to == [account.patient.user.email]
    assert "/billing/n/" in email.body
    token = email.body.split("/billing/n/", 1)[1].split("/", 1)[0]
    target = notifications.read_link(token)
    assert target is not None and target.what == "receipt" and target.user_id == account.patient.user_id
    for text in (email.subject, email.body):
        assert "$" not in text and "100.00" not in text and "Office visit" not in text


@pytest.mark.django_db
def test_the_notice_link_leads_its_owner_to_the_receipt_and_no_one_else(client, clock: Clock) -> None:
    account = account_owing(20_000)
    _plan(account)
    clock.move_to(FIRST_DUE)
    instalments_sweep()
    notice = Notice.objects.get(kind=notifications.Kind.PAYMENT_RECEIVED)
    payment = Payment.objects.get()

    sign_in(client, account.patient.user)
    answer = client.get(notice.link)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("billing_receipt", args=[account.patient.pk, payment.pk])

    stranger = AccountFactory().patient.user
    sign_in(client, stranger)
    assert client.get(notice.link).status_code == 403
    assert client.get("/billing/n/forged/").status_code == 404


@pytest.mark.django_db
def test_the_plan_page_sets_up_a_plan_and_reshows_bad_input(client) -> None:
    account = account_owing(30_000)
    url = reverse("billing_plan", args=[account.patient.pk, account.pk])
    sign_in(client, account.patient.user)

    assert client.get(url).status_code == 200
    bad = client.post(url, {"monthly_amount": "5", "day_of_month": "10", "card_number": VISA})
    assert bad.status_code == 400
    assert "The smallest monthly amount this clinic accepts is $25.00." in bad.content.decode()
    assert VISA.replace(" ", "") not in bad.content.decode()
    worse = client.post(url, {"monthly_amount": "ten", "day_of_month": "31", "card_number": "1234"})
    assert worse.status_code == 400
    body = worse.content.decode()
    assert "Enter the amount as a number in dollars and cents" in body
    assert "This is not a card number" in body

    good = client.post(url, {"monthly_amount": "100.00", "day_of_month": "10", "card_number": VISA})
    assert good.status_code == 302
    page = client.get(url).content.decode()
    assert "Cancel my payment plan" in page and "$100.00" in page
    assert PaymentPlan.objects.get().instalments.count() == 3


@pytest.mark.django_db
def test_the_receipt_pdf_is_a_pdf_in_the_patients_language(client) -> None:
    account = account_owing(20_000)
    account.patient.preferred_language = "es"
    account.patient.save(update_fields=["preferred_language"])
    _plan(account)
    payment = payment_submit(
        access=_access(account),
        actor=account.patient.user,
        account_id=account.pk,
        purpose=Payment.Purpose.AMOUNT,
        amount_cents=1_000,
        idempotency_key="pdf-key",
        card=TestGateway().tokenize(VISA),
    )
    payment_url = reverse("billing_receipt_pdf", args=[account.patient.pk, payment.pk])
    sign_in(client, account.patient.user)

    answer = client.get(payment_url)

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        object_type="billing.Payment", object_id=str(payment.pk), action="download"
    ).exists()


@pytest.mark.django_db
def test_a_failed_instalment_link_leads_to_the_plan_page_and_runs_out(client, clock: Clock) -> None:
    account = account_owing(20_000)
    _plan(account, card=DECLINED)
    clock.move_to(FIRST_DUE)
    for wait in (timedelta(0), timedelta(days=2, minutes=1), timedelta(days=3, minutes=1)):
        clock.shift(wait)
        instalments_sweep()
    link = Notice.objects.get(kind=notifications.Kind.INSTALMENT_FAILED).link
    sign_in(client, account.patient.user)

    answer = client.get(link)
    assert answer["Location"] == reverse("billing_plan", args=[account.patient.pk, account.pk])
    page = client.get(answer["Location"]).content.decode()
    assert "The card was declined every time we tried." in page

    clock.shift(notifications.MAX_AGE + timedelta(days=1))
    sign_in(client, account.patient.user)
    assert client.get(link).status_code == 410


@pytest.mark.django_db
def test_the_plan_page_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries) -> None:
    account = account_owing(90_000)
    _plan(account, monthly=10_000)
    url = reverse("billing_plan", args=[account.patient.pk, account.pk])
    sign_in(client, account.patient.user)
    client.get(url)
    with django_assert_max_num_queries(20):
        answer = client.get(url)
    assert answer.status_code == 200
    assert answer.content.decode().count("plan-instalment--scheduled") == 9


@pytest.mark.django_db
def test_the_billing_home_shows_the_active_plan_and_offers_no_second_one(client) -> None:
    account = account_owing(50_000)
    _plan(account, monthly=10_000, day=15)
    sign_in(client, account.patient.user)

    page = client.get(reverse("billing_home", args=[account.patient.pk])).content.decode()

    assert "Your payment plan pays $100.00 on day 15 of each month." in page
    assert "See your payment plan" in page
    assert "Pay monthly: payment plan" not in page
