"""A refused form, as a keyboard or screen reader user meets it, at a phone's size: focus starts on
the error summary (not on the page), each field's error is tied to the field by ids that exist,
and the summary's links take focus to their fields. axe and the portal's own checks
(tests.e2e.browser.axe_violations) run on each error state; the other browser tests run them on
the error states they reach too."""

from __future__ import annotations

import pytest

from tests.e2e.browser import MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import Page, expect

from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.scheduling.conftest import Clinic, clinic  # noqa: F401  (the clinic set up for scheduling)

pytestmark = pytest.mark.e2e


def _no_violations(page: Page, name: str) -> None:
    screenshot(page, f"error-state-{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe_violations(violations)}"


def _described_by(page: Page, selector: str) -> list[str]:
    """The texts a screen reader reads after the field's name: its aria-describedby, id by id."""
    return page.locator(selector).evaluate(
        """field => field.getAttribute("aria-describedby").split(/\\s+/)
            .map(id => document.getElementById(id)).map(found => found ? found.textContent.trim() : null)"""
    )


def _submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_a_message_sent_empty(new_context, live_server, clinic: Clinic) -> None:  # noqa: F811
    context = new_context(MOBILE)
    sign_in(context, live_server.url, clinic.patient.user)
    page = context.new_page()
    page.goto(f"/p/{clinic.patient.pk}/messages/new/")

    _submit(page, "Send message")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Please check what you entered")
    assert _described_by(page, "#id_subject") == [
        "A few words, for example: Rash on my arm.",
        "Give your message a subject.",
    ]
    assert _described_by(page, "#id_body") == [
        "Say what is happening, since when, and what you would like the clinic to do.",
        "Write your message.",
    ]
    for field in ("subject", "body"):
        expect(page.locator(f"#id_{field}")).to_have_attribute("aria-invalid", "true")
    _no_violations(page, "message")

    summary.get_by_role("link", name="Subject:").click()
    expect(page.get_by_label("Subject")).to_be_focused()


def test_the_waitlist_with_no_days(new_context, live_server, clinic: Clinic) -> None:  # noqa: F811
    context = new_context(MOBILE)
    sign_in(context, live_server.url, clinic.patient.user)
    page = context.new_page()
    page.goto(f"/p/{clinic.patient.pk}/appointments/find/{clinic.follow_up.pk}/")
    page.get_by_label("From").fill("")

    _submit(page, "Join the waitlist")

    expect(page.locator(".error-summary")).to_be_focused()
    assert _described_by(page, "#id_earliest") == ["Choose a first day."]
    assert _described_by(page, "#id_latest") == ["Choose a last day."]
    _no_violations(page, "waitlist")


def test_booking_with_no_time_chosen(new_context, live_server, clinic: Clinic) -> None:  # noqa: F811
    context = new_context(MOBILE)
    sign_in(context, live_server.url, clinic.patient.user)
    page = context.new_page()
    page.goto(f"/p/{clinic.patient.pk}/appointments/find/{clinic.follow_up.pk}/")
    expect(page).to_have_title("Find a time: Follow-up visit – Patient Portal")

    with page.expect_navigation():  # the times' form sent without a time (no button pressed)
        page.locator("form.slot-days").evaluate("form => form.requestSubmit()")

    times = page.get_by_role("group", name="Choose a time")
    expect(times).to_have_attribute("aria-invalid", "true")
    assert _described_by(page, "fieldset.slot-choices") == [
        "We hold the time you choose for a few minutes while you check it.",
        "Choose a time.",
    ]
    expect(page.locator(".notice--error")).to_have_count(0)  # no page-level error beside it
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    _no_violations(page, "no-time")

    summary.get_by_role("link", name="Time: Choose a time.").click()
    expect(times).to_be_focused()
    page.locator(".slot-time").first.focus()  # and the times are right there to choose from
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Held for you until")).to_be_visible()
