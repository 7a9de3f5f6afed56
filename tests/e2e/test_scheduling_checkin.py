"""A patient checks in on a phone: confirms contact details, insurance and medicines, answers the
PHQ-9 with item 9 above 0, sees crisis resources (988, 911) at once, and the nurse triage pool has
an urgent thread; then checks in. axe-core checks every page on the way at 390x844."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.browser import MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import Page, expect

from messaging.factories import PoolFactory, RoutingRuleFactory
from messaging.models import Category, Pool, Thread
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import Notice, StaffRole
from records.factories import RecordItemFactory
from records.models import CareTask
from scheduling.models import Appointment
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.scheduling.checkin_fixtures import ask, booked_visit

pytestmark = pytest.mark.e2e


def _check(page: Page, name: str, problems: list[str]) -> None:
    screenshot(page, f"scheduling-checkin-{name}")
    violations = axe_violations(page)
    if violations:
        problems.append(f"{name} ({page.url}):\n{describe_violations(violations)}")


def _submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


@pytest.mark.django_db(transaction=True)
def test_a_patient_checks_in_and_item_nine_reaches_a_nurse(new_context, live_server) -> None:  # type: ignore[no-untyped-def]
    patient = PatientFactory(phone="(312) 555-0101", email="pat@example.org", address="1 Old Road")
    organization = patient.home_organization
    nurse = StaffMemberFactory(organization=organization, role=StaffRole.NURSE)
    triage = PoolFactory(organization=organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE)
    triage.members.add(nurse)
    RoutingRuleFactory(organization=organization, category=Category.NEW_SYMPTOM, pool=triage)
    RecordItemFactory(
        patient=patient, source=organization, kind="medication", display="Metformin 500 mg", status="active"
    )
    visit = booked_visit(patient, timezone.now() + timedelta(days=1))
    ask(visit.visit_type, "phq9")
    problems: list[str] = []

    context = new_context(MOBILE)
    sign_in(context, live_server.url, patient.user)
    page = context.new_page()
    page.goto(f"/p/{patient.pk}/appointments/{visit.pk}/check-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check in for your visit")
    _check(page, "overview", problems)

    page.get_by_role("link", name="Contact details").click()
    page.get_by_label("Phone").fill("")
    page.get_by_label("Email").fill("")
    _submit(page, "Confirm details")
    expect(page.get_by_text("Give a phone number or an email address").first).to_be_visible()
    expect(page.get_by_label("Home address")).to_have_value("1 Old Road")
    _check(page, "details-error", problems)
    page.get_by_label("Phone").fill("(312) 555-0199")
    _submit(page, "Confirm details")

    page.get_by_role("link", name="Insurance").click()
    page.get_by_label("Insurance company").fill("Acme Health")
    page.get_by_label("Member ID").fill("XJ123")
    _check(page, "insurance", problems)
    _submit(page, "Confirm insurance")

    page.get_by_role("link", name="Medicines and allergies").click()
    page.get_by_label("I no longer take this").check()
    _check(page, "medicines", problems)
    _submit(page, "Confirm lists")

    page.get_by_role("link", name="PHQ-9: mood").click()
    for number in range(1, 9):
        page.get_by_role("group", name=f"{number}.").get_by_label("Not at all").check()
    _submit(page, "Send answers")  # item 9 left out: refused, the other answers kept
    expect(page.get_by_text("Answer this question.").first).to_be_visible()
    expect(page.get_by_role("group", name="1.").get_by_label("Not at all")).to_be_checked()
    _check(page, "phq9-error", problems)
    page.get_by_role("group", name="9.").get_by_label("Several days").check()
    _submit(page, "Send answers")

    expect(page.get_by_role("alert")).to_contain_text("988")
    expect(page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    _check(page, "phq9-crisis", problems)
    thread = Thread.objects.get(patient=patient)
    assert (thread.urgency, thread.pool, thread.owner) == (Thread.Urgency.URGENT, triage, nurse)
    assert Notice.objects.filter(user=nurse.user, target_id=thread.pk).exists()

    page.get_by_role("link", name="Back to check-in").click()
    _submit(page, "Check in")
    expect(page.get_by_text("You are checked in.")).to_be_visible()
    _check(page, "done", problems)
    visit.refresh_from_db()
    patient.refresh_from_db()
    assert visit.checked_in_at is not None and visit.status == Appointment.Status.BOOKED
    assert patient.phone == "(312) 555-0199"
    assert CareTask.objects.filter(patient=patient, kind=CareTask.Kind.CORRECTION).count() == 1
    assert not problems, "\n\n".join(problems)
