"""The front desk's morning in a real browser, at a phone's and a laptop's size: today's schedule
(a patient marked arrived), a visit booked on a patient's behalf, and a patient's request booked
from the requests list. axe-core checks each page: no WCAG 2.x A/AA violation."""

from __future__ import annotations

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import Page, expect

from messaging.factories import PoolFactory
from messaging.models import Pool, Thread
from scheduling.factories import ProviderOfferingFactory, VisitTypeFactory
from scheduling.models import Appointment, AppointmentRequest
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.scheduling.conftest import Clinic, clinic  # noqa: F401 (the fixture)
from tests.scheduling.staff_arrange import ask_for, today_at, visit

pytestmark = pytest.mark.e2e


def no_violations(page: Page, name: str) -> None:
    screenshot(page, f"scheduling-staff-{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe_violations(violations)}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_front_desk_runs_the_day(new_context, live_server, clinic: Clinic, viewport: str) -> None:  # noqa: F811
    desk = clinic.front_desk
    today = visit(
        patient=clinic.patient,
        provider=clinic.dr_kim,
        visit_type=clinic.follow_up,
        starts_at=today_at(0),
        actor=desk.user,
    )
    walk_in = clinic.new_patient()
    new_patient_visit = VisitTypeFactory(
        organization=clinic.organization, name="New patient visit", booking_mode="request"
    )
    ProviderOfferingFactory(provider=clinic.dr_kim, visit_type=new_patient_visit, location=clinic.location)
    PoolFactory(organization=clinic.organization, name="Front desk", kind=Pool.Kind.FRONT_DESK, members=[desk])
    asked = ask_for(clinic.new_patient(), new_patient_visit, note="Any weekday morning")
    context = new_context(VIEWPORTS[viewport])
    sign_in(context, live_server.url, desk.user, second_factor=True)
    page = context.new_page()

    page.goto("/staff/")
    expect(page.locator("#queue-schedule").locator("..")).to_contain_text("1 visit today")
    page.get_by_role("link", name="Open today's schedule").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Grace Kim")
    no_violations(page, f"day-{viewport}")
    page.get_by_role("button", name=f"Checked in: {clinic.patient.display_name}").click()
    expect(page.get_by_role("status").first).to_contain_text("Marked: Checked in.")
    today.refresh_from_db()
    assert today.status == Appointment.Status.ARRIVED

    page.get_by_label("Show").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".schedule__day")).to_have_count(7)
    no_violations(page, f"week-{viewport}")

    page.get_by_role("link", name="Book for a patient").click()
    page.get_by_label("Name or MRN").fill(walk_in.family_name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=f"Book for {walk_in.family_name}, {walk_in.given_name}").click()
    page.get_by_label("Visit type").select_option(label="Follow-up visit")
    page.get_by_role("button", name="Find open times").click()
    no_violations(page, f"book-{viewport}")
    page.locator("button.slot").first.click()
    expect(page.get_by_role("status").first).to_contain_text(f"Booked for {walk_in.display_name}.")
    assert Appointment.objects.get(patient=walk_in).source == Appointment.Source.STAFF

    page.get_by_role("link", name="Requests").first.click()
    page.get_by_role("link", name="Book a visit: New patient visit").click()
    expect(page.get_by_text("Any weekday morning")).to_be_visible()
    page.get_by_role("button", name="Find open times").click()
    no_violations(page, f"request-{viewport}")
    page.locator("button.slot").first.click()
    expect(page.get_by_role("status").first).to_contain_text("Booked, and the patient was told")
    asked.refresh_from_db()
    assert asked.status == AppointmentRequest.Status.DONE
    assert Thread.objects.get(pk=asked.thread_id).status == Thread.Status.CLOSED
    no_violations(page, f"requests-{viewport}")
