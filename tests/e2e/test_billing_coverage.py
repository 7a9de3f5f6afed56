"""Billing staff set a patient's coverage on the staff billing page in a real browser, axe clean
at phone and desktop sizes, a refusal announced with the field named."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from billing.factories import AccountFactory, account_owing
from billing.models import Account
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import StaffRole
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_billing_staff_put_the_insurance_on_file(new_context, live_server, viewport) -> None:
    person = PatientFactory(given_name="Rosa", family_name="Delgado")
    account = account_owing(12_550, account=AccountFactory(patient=person, organization=person.home_organization))
    clerk = StaffMemberFactory(organization=person.home_organization, role=StaffRole.BILLING)
    context = new_context(viewport)
    sign_in(context, live_server.url, clerk.user, second_factor=True)
    page = context.new_page()

    page.goto(f"/staff/billing/patients/{person.pk}/")
    page.get_by_text("Change the coverage").click()
    page.get_by_label("Insured, billing insurance").check()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_role("button", name="Save the coverage").click()
    expect(page.get_by_text("Name the insurance company, as on the card.").first).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, f"billing-coverage-refused-{viewport['width']}")
    page.get_by_label("Insurance company").fill("Blue Lake Health")
    page.get_by_label("Member ID").fill("XK-100200")
    page.get_by_role("button", name="Save the coverage").click()

    expect(page.get_by_text("The coverage on file is saved.")).to_be_visible()
    expect(page.get_by_text("Insured, billing insurance · Blue Lake Health")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, f"billing-coverage-{viewport['width']}")
    account.refresh_from_db()
    assert (account.coverage, account.insurer_name, account.insurance_member_id) == (
        "insured",
        "Blue Lake Health",
        "XK-100200",
    )
    assert Account.objects.count() == 1
