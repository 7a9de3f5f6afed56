"""E-visit time in a real browser: the panel's script measures a physician's active time and posts
it (every beat, and a last one by beacon when the page is left); the time shows up; the
physician adds time by hand and confirms the code. The panel and the billing report have no
WCAG 2.x A/AA violation at a phone's and a laptop's size."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from messaging.factories import MessageFactory, ThreadFactory
from messaging.models import Category, EvisitClaim, Thread, TimeEntry
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory
from portal.models import StaffMember, StaffRole
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


def a_clinic() -> tuple[StaffMember, Thread]:
    clinic = OrganizationFactory(name="Lakeside Family Clinic", time_zone="America/Chicago")
    doctor = StaffMemberFactory(
        organization=clinic, role=StaffRole.PHYSICIAN, credentials="MD", user__full_name="Samuel Okafor"
    )
    patient = PatientFactory(home_organization=clinic, given_name="Rosa", family_name="Delgado")
    thread = ThreadFactory(patient=patient, category=Category.NEW_SYMPTOM, subject="Rash on my arm")
    MessageFactory(thread=thread, body="It started yesterday and itches.")
    return doctor, thread


def assert_accessible(page: Page, name: str) -> None:
    screenshot(page, f"evisit-{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe_violations(violations)}"


def wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_time_is_measured_adjusted_and_confirmed(new_context, live_server, viewport: str) -> None:
    doctor, thread = a_clinic()
    context = new_context(VIEWPORTS[viewport])
    sign_in(context, live_server.url, doctor.user, second_factor=True)
    page = context.new_page()

    page.goto(reverse("evisit_panel", args=[thread.pk]))
    panel = page.locator("[data-evisit-url]")
    expect(panel.get_by_role("heading", name="E-visit time")).to_be_visible()
    expect(panel.locator("[data-evisit-mine]")).to_have_text("0 min 0 s")
    assert_accessible(page, f"panel-empty-{viewport}")

    # Beat every 2 seconds instead of 30: the script reads the interval on every tick.
    page.evaluate("document.querySelector('[data-evisit-url]').dataset.evisitInterval = '2'")
    expect(panel.locator("[data-evisit-mine]")).not_to_have_text("0 min 0 s", timeout=10_000)
    recorded = list(TimeEntry.objects.filter(thread=thread).values_list("staff_id", "source"))
    assert recorded and set(recorded) == {(doctor.pk, "active")}
    expect(panel).to_contain_text("Under 5 minutes of clinician time (0 so far): not billable.")

    panel.get_by_text("Adjust your time").click()
    panel.get_by_label("Minutes to add").fill("6")
    panel.get_by_label("Reason").fill("Called the patient back")
    panel.get_by_role("button", name="Save the change").click()
    expect(page.locator("[data-evisit-url] [role=status]")).to_have_text("Added 6 minutes to your time.")
    expect(page.locator("[data-evisit-url]")).to_contain_text(
        "99421: physician or other qualified professional, 5-10 minutes"
    )
    assert_accessible(page, f"panel-suggested-{viewport}")

    page.locator("[data-evisit-url]").get_by_role("button", name="Confirm e-visit").click()
    expect(page.locator("[data-evisit-url] [role=status]")).to_have_text("Confirmed e-visit 99421 (6 minutes).")
    claim = EvisitClaim.objects.get(thread=thread)
    assert (claim.code, claim.clinician_id, claim.minutes) == ("99421", doctor.pk, 6)
    assert_accessible(page, f"panel-confirmed-{viewport}")


def test_leaving_the_page_sends_the_last_seconds(new_context, live_server) -> None:
    doctor, thread = a_clinic()
    context = new_context(VIEWPORTS["1280x800"])
    sign_in(context, live_server.url, doctor.user, second_factor=True)
    page = context.new_page()
    page.goto(reverse("evisit_panel", args=[thread.pk]))
    page.mouse.move(200, 200)  # someone at work
    page.wait_for_timeout(3000)  # fewer than 30 seconds: no beat yet
    assert TimeEntry.objects.filter(thread=thread).count() == 0

    page.goto(reverse("staff_home"))  # pagehide: the beacon carries the seconds (and the CSRF token)

    wait_for(lambda: TimeEntry.objects.filter(thread=thread).exists())
    entry = TimeEntry.objects.get(thread=thread)
    assert (entry.staff_id, entry.source) == (doctor.pk, "active")
    assert 2 <= entry.seconds <= 5


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_billing_report(new_context, live_server, viewport: str) -> None:
    doctor, thread = a_clinic()
    billing = StaffMemberFactory(organization=doctor.organization, role=StaffRole.BILLING, credentials="")
    start = timezone.now() - timedelta(days=2)
    for n, minutes in enumerate((6, 14, 25)):
        other = ThreadFactory(patient=thread.patient, subject=f"Question {n + 1}", created_at=start)
        MessageFactory(thread=other, created_at=start)
        TimeEntry.objects.bulk_create(
            TimeEntry(thread=other, staff=doctor, source="active", seconds=60, at=start + timedelta(minutes=m + 1))
            for m in range(minutes)
        )
        if n == 1:
            EvisitClaim.objects.create(
                thread=other,
                clinician=doctor,
                code="99422",
                minutes=14,
                period_start=start,
                period_end=start + timedelta(days=7),
                confirmed_by=doctor.user,
            )
    context = new_context(VIEWPORTS[viewport])
    sign_in(context, live_server.url, billing.user, second_factor=True)
    page = context.new_page()

    page.goto(reverse("evisit_report"))

    expect(page.get_by_role("heading", level=1)).to_have_text("E-visits to bill")
    expect(page.locator(".evisit-rows tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name="Download as a spreadsheet (CSV)")).to_be_visible()
    assert_accessible(page, f"report-{viewport}")
