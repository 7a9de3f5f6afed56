"""A patient writes to the clinic from a phone: the safety screen stops a message about chest pain,
shows emergency guidance, sends it anyway when asked, and the conversation names who answers by
when. axe-core checks every page on the way (list, start form, safety-screen state, conversation)
at a phone's and a laptop's size."""

from __future__ import annotations

import pytest

from tests.e2e.browser import MOBILE, VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import Page, expect

from messaging.models import Thread
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.messaging.conftest import Clinic, clinic  # noqa: F401  (the clinic set up for messaging)

pytestmark = pytest.mark.e2e


def _check(page: Page, name: str, problems: list[str]) -> None:
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert font.startswith("system-ui"), f"{name}: portal.css did not load"
    screenshot(page, f"messaging-patient-{name}")
    violations = axe_violations(page)
    if violations:
        problems.append(f"{name} ({page.url}):\n{describe_violations(violations)}")


def _write_about_chest_pain(page: Page, problems: list[str], tag: str) -> None:
    _check(page, f"start-{tag}", problems)
    page.get_by_label("New symptom or health problem").check()
    page.get_by_label("Subject").fill("Chest pain this morning")
    page.get_by_label("Your message").fill("I have chest pain when I walk up the stairs.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("heading", name="This may be an emergency")).to_be_visible()
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    # What was typed is still there.
    expect(page.get_by_label("Your message")).to_have_value("I have chest pain when I walk up the stairs.")
    _check(page, f"safety-{tag}", problems)
    with page.expect_navigation():
        page.get_by_role("button", name="Send it anyway").click()


def test_a_patient_sends_a_flagged_message_anyway_and_sees_who_answers(new_context, live_server, clinic: Clinic):  # noqa: F811
    problems: list[str] = []
    for number, (tag, viewport) in enumerate(sorted(VIEWPORTS.items(), key=lambda item: item[1] != MOBILE)):
        context = new_context(viewport)
        sign_in(context, live_server.url, clinic.patient.user)
        page = context.new_page()
        page.goto(f"/p/{clinic.patient.pk}/messages/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Messages")
        _check(page, f"list-{tag}", problems)
        start = "Write your first message" if number == 0 else "Write a message"
        with page.expect_navigation():
            page.get_by_role("link", name=start).click()

        _write_about_chest_pain(page, problems, tag)

        thread = Thread.objects.order_by("-pk").first()
        assert thread is not None
        assert (thread.urgency, thread.safety_flags) == (Thread.Urgency.URGENT, ["chest_pain"])
        promise = page.locator(".promise")
        expect(promise).to_contain_text(thread.owner.signature)
        expect(promise).to_contain_text("will answer by")
        expect(page.get_by_text("Your message was sent.")).to_be_visible()
        _check(page, f"thread-{tag}", problems)

    assert not problems, "\n\n".join(problems)
