"""Billing staff in a real browser, axe clean at phone and desktop sizes: a patient's payment
plans with their instalments, and cancelling one with a reason."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from billing.factories import AccountFactory, account_owing
from billing.gateway import TestGateway
from billing.models import PaymentPlan
from billing.services.plans import plan_create
from portal.access import Action, resolve
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import StaffRole
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_billing_staff_read_a_plan_and_cancel_it_with_a_reason(new_context, live_server, viewport) -> None:
    person = PatientFactory(given_name="Rosa", family_name="Delgado")
    account = account_owing(12_000, account=AccountFactory(patient=person, organization=person.home_organization))
    access = resolve(person.user, person, Action.BILLING)
    assert access is not None
    plan_create(
        access=access,
        actor=person.user,
        account_id=account.pk,
        monthly_cents=5_000,
        day_of_month=15,
        card=TestGateway().tokenize("4242424242424242"),
    )
    member = StaffMemberFactory(organization=person.home_organization, role=StaffRole.BILLING)
    context = new_context(viewport)
    sign_in(context, live_server.url, member.user, second_factor=True)
    page = context.new_page()

    page.goto(f"/staff/billing/patients/{person.pk}/")
    page.get_by_role("link", name="Payment plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment plans for Rosa Delgado")
    page.get_by_text("Cancel this plan").click()
    page.get_by_label("Reason").fill("Patient asked by phone")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, "billing-staff-plans")
    page.get_by_role("button", name="Cancel the plan").click()

    expect(page.get_by_text("The plan is cancelled.")).to_be_visible()
    expect(page.get_by_text("Patient asked by phone")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, "billing-staff-plans-cancelled")
    assert PaymentPlan.objects.get().status == PaymentPlan.Status.CANCELLED
