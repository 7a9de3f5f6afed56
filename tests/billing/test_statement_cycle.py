"""Statements outside the demo: the monthly beat task (once per account a cycle, safe to rerun or
to resume after a killed worker), billing staff's "issue a statement now" (audited, own
organization only), and every statement dated on the clinic's calendar, not UTC's."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from billing import tasks
from billing.factories import AccountFactory, account_owing
from billing.models import Account, Statement
from billing.services import statements
from billing.services.charges import _service_date
from billing.services.statements import statement_issue
from portal.factories import OrganizationFactory, StaffMemberFactory
from portal.models import AuditEvent, StaffRole, User
from tests.clock import CLINIC_ZONE, Clock
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _desk(account: Account) -> User:
    """Billing staff of the account's organization, the patient's home clinic."""
    account.patient.home_organization = account.organization
    account.patient.save()
    return StaffMemberFactory(organization=account.organization, role=StaffRole.BILLING).user


def test_the_beat_task_is_registered_like_the_others() -> None:
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "billing.statements_cycle" in entries
    assert tasks.statements_cycle.name == "billing.statements_cycle"


def test_the_cycle_issues_one_statement_per_owing_account_a_month(clock: Clock) -> None:
    recent = account_owing(4_000)
    statement_issue(account_id=recent.pk)
    clock.shift(timedelta(days=10))
    never = account_owing(2_500)
    AccountFactory()  # owes nothing

    first = tasks.statements_cycle()
    again = tasks.statements_cycle()
    clock.shift(timedelta(days=21))
    a_month_after_the_first = tasks.statements_cycle()
    clock.shift(timedelta(days=9))
    a_month_after_the_second = tasks.statements_cycle()

    assert (first, again, a_month_after_the_first, a_month_after_the_second) == (1, 0, 1, 1)
    assert Statement.objects.filter(account=never).count() == 2
    assert Statement.objects.filter(account=recent).count() == 2


def test_a_worker_killed_mid_run_issues_nothing_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    accounts = [account_owing(1_000 * (n + 1)) for n in range(3)]
    real = statements.statement_issue_due
    calls: list[int] = []

    def dies_on_the_second(*, account_id: int, now: datetime) -> Statement | None:
        calls.append(account_id)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(account_id=account_id, now=now)

    monkeypatch.setattr(tasks, "statement_issue_due", dies_on_the_second)
    with pytest.raises(SystemExit):
        tasks.statements_cycle()
    monkeypatch.setattr(tasks, "statement_issue_due", real)
    resumed = tasks.statements_cycle()

    assert resumed == 2
    assert [Statement.objects.filter(account=a).count() for a in accounts] == [1, 1, 1]


def test_a_statement_issued_in_the_clinics_evening_is_dated_that_day(clock: Clock) -> None:
    # 19:30 in Chicago is 01:30 the next day in UTC, where a worker (no request) runs.
    clock.move_to(datetime(2026, 12, 9, 19, 30, tzinfo=CLINIC_ZONE), tick=False)
    account = account_owing(3_000)

    found = statement_issue(account_id=account.pk)

    assert found is not None
    assert (found.issued_on, found.due_on) == (date(2026, 12, 9), date(2027, 1, 8))


def test_a_service_date_is_the_clinics_day_and_a_plain_date_stays_as_written() -> None:
    clinic = OrganizationFactory(time_zone="America/Chicago")
    now = datetime(2026, 12, 10, 1, 30, tzinfo=CLINIC_ZONE)

    assert _service_date("2026-12-09T19:30:00-06:00", clinic, now) == date(2026, 12, 9)
    assert _service_date("2026-12-10T01:30:00+00:00", clinic, now) == date(2026, 12, 9)
    assert _service_date("2026-12-09", clinic, now) == date(2026, 12, 9)


def test_billing_staff_issue_a_statement_now_once_a_day_audited() -> None:
    account = account_owing(8_000)
    client = sign_in(Client(), _desk(account), second_factor=True)
    url = reverse("billing_staff_statement_issue", args=[account.patient.pk, account.pk])
    page = client.get(reverse("billing_staff_patient", args=[account.patient.pk])).content.decode()

    first = client.post(url)
    second = client.post(url)

    issued = Statement.objects.get(account=account)
    assert "Issue a statement now" in page
    assert (first.status_code, second.status_code) == (302, 302)
    assert issued.amount_due_cents == 8_000
    created = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="billing.Statement")
    assert list(created.values_list("object_id", flat=True)) == [str(issued.pk)]
    followed = client.get(reverse("billing_staff_patient", args=[account.patient.pk])).content.decode()
    assert issued.code in followed


def test_staff_cannot_issue_for_another_organization_or_an_account_owing_nothing() -> None:
    account = account_owing(8_000)
    user = _desk(account)
    elsewhere = account_owing(5_000, account=AccountFactory(patient=account.patient))
    paid_up = AccountFactory(organization=account.organization)
    paid_up.patient.home_organization = account.organization
    paid_up.patient.save()
    client = sign_in(Client(), user, second_factor=True)

    theirs = client.post(reverse("billing_staff_statement_issue", args=[account.patient.pk, elsewhere.pk]))
    nothing = client.post(reverse("billing_staff_statement_issue", args=[paid_up.patient.pk, paid_up.pk]))

    assert (theirs.status_code, nothing.status_code) == (400, 400)
    assert "own organization" in theirs.content.decode()
    assert "owes nothing" in nothing.content.decode()
    assert not Statement.objects.exists()
