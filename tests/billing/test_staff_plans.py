"""Billing staff and a patient's payment plans: the plans with their instalments (audited, a
fixed number of queries), and cancelling one with a reason (kept, audited, own clinic only)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from billing.factories import AccountFactory, account_owing
from billing.gateway import TestGateway
from billing.models import Account, Instalment, PaymentPlan
from billing.services.plans import plan_cancel_by_staff, plan_create
from portal.access import Access, Action, resolve
from portal.factories import StaffMemberFactory
from portal.models import AuditEvent, StaffMember, StaffRole
from portal.services.errors import ServiceError
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _plan(account: Account) -> PaymentPlan:
    access = resolve(account.patient.user, account.patient, Action.BILLING)
    assert access is not None
    return plan_create(
        access=access,
        actor=account.patient.user,
        account_id=account.pk,
        monthly_cents=5_000,
        day_of_month=15,
        card=TestGateway().tokenize("4242424242424242"),
    )


def _billing_staff(account: Account) -> tuple[StaffMember, Access]:
    member = StaffMemberFactory(organization=account.organization, role=StaffRole.BILLING)
    account.patient.home_organization = account.organization
    account.patient.save()
    access = resolve(member.user, account.patient, Action.BILLING)
    assert access is not None
    return member, access


def test_staff_see_the_patients_plans_with_their_instalments(client: Client, django_assert_num_queries: Any) -> None:
    account = account_owing(12_000)
    plan = _plan(account)
    member, _access = _billing_staff(account)
    sign_in(client, member.user, second_factor=True)
    url = reverse("billing_staff_plans", args=[account.patient.pk])

    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "$50.00 a month, on day 15" in html
    assert html.count("<tr>") == 1 + 3  # the header and three instalments
    assert "Cancel this plan" in html
    views = AuditEvent.objects.filter(object_type="billing.PaymentPlan", object_id=str(plan.pk), action="view")
    assert views.count() == 1


def test_cancelling_with_a_reason_cancels_what_is_not_charged_keeps_the_reason_and_audits(client: Client) -> None:
    account = account_owing(12_000)
    plan = _plan(account)
    member, _access = _billing_staff(account)
    sign_in(client, member.user, second_factor=True)

    response = client.post(
        reverse("billing_staff_plan_cancel", args=[account.patient.pk, plan.pk]), {"reason": "Patient asked by phone"}
    )

    plan.refresh_from_db()
    assert response.status_code == 302
    assert plan.status == PaymentPlan.Status.CANCELLED
    assert (plan.cancel_reason, plan.cancelled_by_id) == ("Patient asked by phone", member.user.pk)
    assert set(plan.instalments.values_list("status", flat=True)) == {Instalment.Status.CANCELLED}
    event = AuditEvent.objects.get(object_type="billing.PaymentPlan", action="update")
    assert (event.actor_id, event.acting_as, event.patient_id) == (member.user.pk, "staff", account.patient_id)
    page = client.get(reverse("billing_staff_plans", args=[account.patient.pk])).content.decode()
    assert "Patient asked by phone" in page


def test_a_cancel_without_a_reason_is_refused_and_changes_nothing(client: Client) -> None:
    account = account_owing(12_000)
    plan = _plan(account)
    member, _access = _billing_staff(account)
    sign_in(client, member.user, second_factor=True)

    response = client.post(reverse("billing_staff_plan_cancel", args=[account.patient.pk, plan.pk]), {"reason": " "})

    plan.refresh_from_db()
    assert response.status_code == 400
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert not AuditEvent.objects.filter(object_type="billing.PaymentPlan", action="update").exists()


def test_another_clinics_plan_cannot_be_cancelled_here() -> None:
    account = account_owing(12_000)
    member, access = _billing_staff(account)
    elsewhere = account_owing(9_000, account=AccountFactory(patient=account.patient))
    plan = _plan(elsewhere)

    with pytest.raises(ServiceError):
        plan_cancel_by_staff(access=access, actor=member.user, plan_id=plan.pk, reason="Not ours")

    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
