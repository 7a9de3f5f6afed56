"""Billing in a real browser, axe clean at phone and desktop sizes: a patient reads a statement
and pays part of it; a guest pays a statement by its code; the Spanish-speaking patient's billing
page in Spanish."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from billing.factories import AccountFactory, account_owing
from billing.models import Account, Payment
from billing.services.statements import statement_issue
from portal.factories import PatientFactory
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


def _owing(**patient: object) -> Account:
    person = PatientFactory(**patient)
    account = account_owing(12_550, account=AccountFactory(patient=person, organization=person.home_organization))
    statement_issue(account_id=account.pk)
    return account


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_a_patient_reads_a_statement_and_pays_part_of_it(new_context, live_server, viewport) -> None:
    account = _owing(given_name="Rosa", family_name="Delgado")
    context = new_context(viewport)
    sign_in(context, live_server.url, account.patient.user)
    page = context.new_page()

    page.goto(f"/p/{account.patient.pk}/billing/")
    expect(page.get_by_text("You owe $125.50.")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_role("link", name="Statement of").first.click()
    expect(page.get_by_role("heading", level=3, name="Office visit")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, f"billing-statement-{viewport['width']}")
    page.get_by_role("link", name="Pay", exact=True).click()
    page.get_by_label("An amount you choose").check()
    page.get_by_label("Amount (US dollars)").fill("25.50")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_role("button", name="Pay now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your payment went through")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    assert Payment.objects.get().amount_cents == 2_550


def test_a_guest_pays_a_statement_by_its_code(new_context, live_server) -> None:
    account = _owing()
    statement = account.statements.get()
    page = new_context(MOBILE).new_page()

    page.goto("/billing/guest/")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("Statement code").fill(statement.code)
    page.get_by_label("The patient's date of birth").fill(account.patient.birth_date.isoformat())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("$125.50", exact=True)).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("Card number").fill("4242424242424242")
    page.get_by_role("button", name="Pay $125.50").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your payment went through")
    account.refresh_from_db()
    assert account.balance_cents == 0


def test_the_billing_page_in_spanish(new_context, live_server) -> None:
    account = _owing(preferred_language="es")
    account.patient.user.language = "es"
    account.patient.user.save(update_fields=["language"])
    context = new_context(MOBILE)
    sign_in(context, live_server.url, account.patient.user)
    page = context.new_page()

    page.goto(f"/p/{account.patient.pk}/billing/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Facturación")
    assert axe_violations(page) == [], describe_violations(axe_violations(page))


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_a_patient_sets_up_a_payment_plan_and_cancels_it(new_context, live_server, viewport) -> None:
    account = _owing(given_name="Rosa", family_name="Delgado")
    context = new_context(viewport)
    sign_in(context, live_server.url, account.patient.user)
    page = context.new_page()

    page.goto(f"/p/{account.patient.pk}/billing/")
    page.get_by_role("link", name="Pay monthly: payment plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Payment plan with")
    page.get_by_label("Monthly amount (US dollars)").fill("10")
    page.get_by_label("Day of the month to pay").select_option("15")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Set up the plan").click()
    expect(page.get_by_text("The smallest monthly amount this clinic accepts is $25.00.").first).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("Monthly amount (US dollars)").fill("50.00")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Set up the plan").click()

    expect(page.get_by_text("You pay $50.00 on day 15 of each month.")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    screenshot(page, f"plans-plan-{viewport['width']}")
    page.get_by_role("button", name="Cancel my payment plan").click()
    expect(page.get_by_text("Your last payment plan was cancelled.")).to_be_visible()
