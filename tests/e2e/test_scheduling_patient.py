"""A patient books a visit from a phone (choose a kind of visit, a time, check the held time,
book), moves it, cancels it; a waitlisted patient accepts an earlier time from the offer's link.
axe-core checks every page on the way at 390x844, and the main pages again at 1280x800."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import Locator, Page, expect

from scheduling.models import Appointment, WaitlistOffer
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.scheduling.conftest import Clinic, clinic  # noqa: F401  (the clinic set up for scheduling)
from tests.scheduling.patient_pages import offered

pytestmark = pytest.mark.e2e


def _check(page: Page, name: str, problems: list[str]) -> None:
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert font.startswith("system-ui"), f"{name}: portal.css did not load"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: wider than the screen ({width}px)"  # type: ignore[index]
    screenshot(page, f"scheduling-patient-{name}")
    violations = axe_violations(page)
    if violations:
        problems.append(f"{name} ({page.url}):\n{describe_violations(violations)}")


def _go(page: Page, action: object) -> None:
    with page.expect_navigation():
        action.click()  # type: ignore[attr-defined]


def _last_day_times(page: Page) -> Locator:
    """The times of the last day shown (the third with open times): days ahead, past the visit
    type's 24-hour cut-off, so the visit may still be moved and cancelled online."""
    return page.locator(".slot-day").last.locator(".slot-time")


def test_a_patient_books_moves_and_cancels_a_visit_on_a_phone(new_context, live_server, clinic: Clinic):  # noqa: F811
    problems: list[str] = []
    context = new_context(MOBILE)
    sign_in(context, live_server.url, clinic.patient.user)
    page = context.new_page()
    page.goto(f"/p/{clinic.patient.pk}/appointments/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appointments")
    _check(page, "home-empty", problems)

    _go(page, page.get_by_role("link", name="Book a visit"))
    _check(page, "find", problems)
    _go(page, page.get_by_role("link", name="Follow-up visit"))
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    _check(page, "times", problems)
    _go(page, _last_day_times(page).first)
    expect(page.get_by_text("Held for you until")).to_be_visible()
    _check(page, "hold", problems)
    _go(page, page.get_by_role("button", name="Book this visit"))
    expect(page.get_by_text("Your visit is booked")).to_be_visible()
    _check(page, "visit", problems)
    booked = Appointment.objects.get(patient=clinic.patient, status="booked")

    _go(page, page.get_by_role("link", name="Change the time"))
    _check(page, "reschedule", problems)
    _go(page, _last_day_times(page).nth(3))
    expect(page.get_by_role("heading", name="Move your visit")).to_be_visible()
    _check(page, "reschedule-confirm", problems)
    _go(page, page.get_by_role("button", name="Move my visit"))
    expect(page.get_by_text("Your visit has moved")).to_be_visible()
    moved = Appointment.objects.get(rescheduled_from=booked)
    assert moved.starts_at != booked.starts_at

    _go(page, page.get_by_role("link", name="Cancel the visit"))
    _check(page, "cancel", problems)
    _go(page, page.get_by_role("button", name="Yes, cancel this visit"))
    expect(page.get_by_text("Your visit is cancelled")).to_be_visible()
    moved.refresh_from_db()
    assert moved.status == "cancelled"
    page.goto(f"/p/{clinic.patient.pk}/appointments/")
    _check(page, "home-past", problems)

    wide = new_context(DESKTOP)
    sign_in(wide, live_server.url, clinic.patient.user)
    page = wide.new_page()
    for name, path in [("home", ""), ("find", "find/"), ("times", f"find/{clinic.follow_up.pk}/")]:
        page.goto(f"/p/{clinic.patient.pk}/appointments/{path}")
        _check(page, f"{name}-wide", problems)
    assert not problems, "\n\n".join(problems)


def test_a_waitlisted_patient_accepts_an_offer_from_its_link(new_context, live_server, clinic: Clinic):  # noqa: F811
    problems: list[str] = []
    waiting = clinic.new_patient()
    _visit, [(offer, token)] = offered(clinic, [waiting])
    context = new_context(MOBILE)
    sign_in(context, live_server.url, waiting.user)
    page = context.new_page()
    page.goto(f"/appointments/offers/{token}/accept/")
    expect(page.get_by_role("heading", level=1)).to_have_text("An earlier time opened")
    _check(page, "offer", problems)
    _go(page, page.get_by_role("button", name="Accept this time"))
    expect(page.get_by_text("This time is booked for you.")).to_be_visible()
    _check(page, "offer-accepted", problems)
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.ACCEPTED
    assert not problems, "\n\n".join(problems)
