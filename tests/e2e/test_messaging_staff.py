"""A triage nurse's morning in a real browser, at a phone's and a laptop's size: the triage inbox,
an urgent thread with the chart open, a quick reply, an internal note, an escalation to a
physician, and another thread closed with an outcome. axe-core checks the inbox and the thread
page (chart panel open): no WCAG 2.x A/AA violation."""

from __future__ import annotations

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import Page, expect

from messaging.models import QuickReply, Thread
from records.factories import RecordItemFactory
from records.models import RecordItem
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.messaging.conftest import Clinic, clinic  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e


def no_violations(page: Page, name: str) -> None:
    screenshot(page, f"messaging-staff-{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe_violations(violations)}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_nurse_works_the_triage_inbox(new_context, live_server, clinic: Clinic, viewport: str) -> None:  # noqa: F811
    urgent = clinic.start(subject="Chest tightness on the stairs", confirmed_flags=["chest_pain"])
    routine = clinic.start(subject="Rash on my arm")
    QuickReply.objects.create(
        organization=clinic.organization, title="Please book a visit", body="This is best seen in person."
    )
    RecordItemFactory(
        patient=clinic.patient, source=clinic.organization, kind=RecordItem.Kind.ALLERGY, display="Penicillin"
    )
    context = new_context(VIEWPORTS[viewport])
    sign_in(context, live_server.url, clinic.nurse_ana.user, second_factor=True)
    page = context.new_page()

    page.goto(f"/staff/messaging/pools/{clinic.triage.pk}/")
    expect(page.get_by_role("heading", level=2, name="Nurse triage inbox")).to_be_visible()
    expect(page.locator(".inbox__row").first).to_contain_text("Safety screen: chest pain")
    page.get_by_label("Urgency").select_option("urgent")  # htmx swaps the list in place
    expect(page.locator(".inbox__row")).to_have_count(1)
    no_violations(page, f"inbox-{viewport}")

    page.get_by_role("link", name="Chest tightness on the stairs").click()
    page.get_by_role("link", name="Open chart").click()
    expect(page.get_by_role("heading", name=f"Chart: {clinic.patient.display_name}")).to_be_focused()
    expect(page.locator("#chart-panel")).to_contain_text("Penicillin")
    no_violations(page, f"thread-{viewport}")

    page.get_by_label("Quick reply").select_option(label="Please book a visit (English)")
    expect(page.get_by_label("Reply to the patient")).to_have_value("This is best seen in person.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").first).to_contain_text("Your reply was sent.")
    expect(page.locator(".msg--staff")).to_contain_text("Not seen by the patient yet")

    page.get_by_text("Add an internal note").click()
    page.get_by_label("Internal note").fill("Called her: pain at rest now. Physician please.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".msg--note")).to_contain_text("Internal note — not shown to the patient")

    page.get_by_text("Escalate to a physician").click()
    page.get_by_label("What should the physician look at?").fill("Chest pain at rest, see note.")
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_text("moved from Nurse triage to Physicians")).to_be_visible()

    page.goto(f"/staff/messaging/{routine.pk}/")
    page.get_by_text("Close with an outcome").click()
    page.get_by_label("Needs a visit").check()
    page.get_by_role("button", name="Close the conversation").click()
    expect(page.get_by_role("link", name="The patient's appointments")).to_be_visible()
    no_violations(page, f"thread-closed-{viewport}")

    urgent.refresh_from_db()
    routine.refresh_from_db()
    assert (urgent.pool, urgent.owner_reason, routine.status, routine.outcome) == (
        clinic.physicians,
        Thread.OwnerReason.ESCALATED,
        Thread.Status.CLOSED,
        Thread.Outcome.NEEDS_VISIT,
    )
