"""axe-core on the message response times page, at a phone's and a laptop's size, with a week of
simulated traffic behind it (the simulation engine, kept): no WCAG 2.x A/AA violation, the chart
and both tables shown, and the period switch working."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from django.utils import timezone
from playwright.sync_api import expect

from messaging.models import Category
from messaging.simulation import SimulationConfig, simulate
from portal.factories import StaffMemberFactory
from portal.models import StaffRole
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_metrics_page_is_accessible_and_shows_the_numbers(new_context, live_server, viewport: str) -> None:
    # A short-staffed week: some answers late, some handed to a lead, some passed to a physician.
    config = SimulationConfig(
        days=7,
        per_day=8,
        nurses=1,
        physicians=1,
        front_desk=1,
        capacity=1,
        escalate=0.3,
        mix={Category.NEW_SYMPTOM: 2, Category.REFILL: 1, Category.APPOINTMENT: 2},
        start=timezone.localdate() - timedelta(days=8),
        keep=True,
    )
    organization = simulate(config).metrics.organization
    administrator = StaffMemberFactory(organization=organization, role=StaffRole.ADMINISTRATOR).user
    context = new_context(VIEWPORTS[viewport])
    sign_in(context, live_server.url, administrator, second_factor=True)
    page = context.new_page()

    page.goto("/staff/messaging/metrics/?days=30")

    expect(page.get_by_role("heading", level=1)).to_have_text("Message response times")
    expect(page.get_by_role("img", name="Share of first answers on time, by team")).to_be_visible()
    expect(page.get_by_role("region", name="By team").get_by_role("row")).to_have_count(4)  # heading + 3 teams
    expect(page.get_by_role("link", name="Last 30 days")).to_have_attribute("aria-current", "page")
    screenshot(page, f"messaging-metrics-{viewport}")
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    page.get_by_role("link", name="Last 7 days").click()
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
