"""Billing staff's patient page in a real browser, axe clean at phone and desktop sizes: the
ledger's reason stays on screen at 390 px, and a statement is issued now from the page."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from billing.factories import AccountFactory, account_owing
from billing.models import Statement
from billing.services.staff import adjustment_post
from portal.access import Action, resolve
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import StaffRole
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_billing_staff_read_the_ledger_and_issue_a_statement_now(new_context, live_server, viewport) -> None:
    person = PatientFactory(given_name="Rosa", family_name="Delgado")
    account = account_owing(12_000, account=AccountFactory(patient=person, organization=person.home_organization))
    member = StaffMemberFactory(organization=person.home_organization, role=StaffRole.BILLING)
    access = resolve(member.user, person, Action.BILLING)
    assert access is not None
    adjustment_post(
        access=access,
        actor=member.user,
        account_id=account.pk,
        amount_cents=-2_000,
        reason="Prompt-pay discount agreed with the patient by phone",
        idempotency_key="e2e-1",
    )
    context = new_context(viewport)
    sign_in(context, live_server.url, member.user, second_factor=True)
    page = context.new_page()

    page.goto(f"/staff/billing/patients/{person.pk}/")
    reason = page.locator("td.bill-reason").first
    expect(reason).to_contain_text("Prompt-pay discount")
    box = reason.bounding_box()
    assert box is not None
    # Nothing of the reason runs past the screen's right edge (nor needs a sideways scroll).
    assert box["x"] + box["width"] <= viewport["width"]
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, "billing-staff-patient")
    page.get_by_role("button", name="Issue a statement now").click()

    issued = Statement.objects.get(account=account)
    expect(page.get_by_text(f"Statement {issued.code} is issued")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    assert issued.amount_due_cents == 10_000
