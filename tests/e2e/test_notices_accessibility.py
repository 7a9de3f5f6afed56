"""axe-core on the notification pages (staff Notifications; the signed link's "someone else" and
"expired" pages), at a phone's and a laptop's size, with a screenshot of each."""

from __future__ import annotations

import re
from unittest import mock

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from django.db import transaction
from playwright.sync_api import expect

from messaging import links, notifications
from messaging.factories import BusinessCalendarFactory, PoolFactory, RoutingRuleFactory
from messaging.models import Category
from messaging.services.threads import thread_start
from portal.access import Action, resolve
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import StaffRole
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_notification_pages_have_no_axe_violations(new_context, live_server, viewport: str) -> None:
    nurse = StaffMemberFactory(role=StaffRole.NURSE, credentials="RN", user__full_name="Ana Lopez")
    organization = nurse.organization
    BusinessCalendarFactory(organization=organization)
    pool = PoolFactory(organization=organization, name="Nurse triage", members=[nurse])
    RoutingRuleFactory(organization=organization, category=Category.NEW_SYMPTOM, pool=pool)
    patient = PatientFactory(home_organization=organization, given_name="Rosa", family_name="Diaz")
    access = resolve(patient.user, patient, Action.MESSAGING)
    assert access is not None
    threads = [
        thread_start(
            access=access,
            actor=patient.user,
            category=Category.NEW_SYMPTOM,
            subject=subject,
            body="…",
            idempotency_key=subject,
        )
        for subject in ("Rash on my arm", "Cough for a week", "Question about my dose")
    ]
    with transaction.atomic():
        notifications.sla_at_risk([(threads[0].pk, nurse.pk, threads[0].patient_id)])
    problems: list[str] = []

    def check(page, name: str) -> None:
        screenshot(page, f"notices-{name}-{viewport}")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{name}: {describe_violations(violations)}")

    staff = new_context(VIEWPORTS[viewport])
    sign_in(staff, live_server.url, nurse.user, second_factor=True)
    page = staff.new_page()
    page.goto("/staff/messaging/notices/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    check(page, "list")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Mark as read.*Rash on my arm")).first.click()
    check(page, "list-one-read")

    other = new_context(VIEWPORTS[viewport])
    sign_in(other, live_server.url, PatientFactory().user)
    page = other.new_page()
    response = page.goto(links.link_path(user_id=patient.user.pk, thread_id=threads[0].pk))
    assert response is not None and response.status == 403
    check(page, "link-not-yours")

    mine = new_context(VIEWPORTS[viewport])
    sign_in(mine, live_server.url, patient.user)
    with mock.patch("django.core.signing.time.time", return_value=0):
        expired = links.link_path(user_id=patient.user.pk, thread_id=threads[0].pk)
    page = mine.new_page()
    response = page.goto(expired)
    assert response is not None and response.status == 410
    check(page, "link-expired")

    assert not problems, "\n\n".join(problems)
