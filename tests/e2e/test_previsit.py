"""A clinician opens tomorrow's pre-visit briefing from the schedule, in a real browser at a phone's
and a laptop's size, and reads it: the reason, what changed, the check-in answers (PHQ-9 with its
score and item 9), the home readings' trend and the open conversation. axe-core checks each page:
no WCAG 2.x A/AA violation."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from django.db import transaction
from django.utils import timezone
from playwright.sync_api import Page, expect

from messaging.factories import PoolFactory, RoutingRuleFactory, ThreadFactory
from messaging.models import Category, Pool
from portal.access import Action, resolve
from records.factories import RecordItemFactory
from records.models import HomeReading
from records.services.readings import reading_record
from scheduling.services import checkin
from scheduling.services.questionnaires import builtin_questionnaires
from summaries.services import previsit
from tests.clock import CLINIC_ZONE
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in
from tests.scheduling.checkin_fixtures import ask, phq9_answers
from tests.scheduling.conftest import Clinic, clinic  # noqa: F401 (the fixture)
from tests.scheduling.staff_arrange import visit

pytestmark = pytest.mark.e2e


def no_violations(page: Page, name: str) -> None:
    screenshot(page, f"previsit-{name}")
    violations = axe_violations(page)
    assert not violations, f"{name}: {describe_violations(violations)}"


def _tomorrows_visit(clinic: Clinic):  # type: ignore[no-untyped-def]  # noqa: F811
    """Tomorrow at 9:00 with Dr Kim, checked in with a PHQ-9, a result, readings and a question waiting."""
    patient = clinic.patient
    booked = visit(
        patient=patient,
        provider=clinic.dr_kim,
        visit_type=clinic.follow_up,
        starts_at=datetime(2026, 12, 10, 9, 0, tzinfo=CLINIC_ZONE),
        actor=clinic.front_desk.user,
    )
    with transaction.atomic():  # browser tests run outside the test's transaction
        ask(clinic.follow_up, "phq9")
        triage = PoolFactory(organization=clinic.organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE)
        RoutingRuleFactory(organization=clinic.organization, category=Category.NEW_SYMPTOM, pool=triage)
        phq9 = next(q for q in builtin_questionnaires() if q.builtin == "phq9")
        access = resolve(patient.user, patient, Action.SCHEDULING)
        checkin.answer(
            access=access,
            actor=patient.user,
            appointment_id=booked.pk,
            questionnaire_id=phq9.pk,
            answers=phq9_answers(item9=0, others=1),
        )
        RecordItemFactory(
            patient=patient,
            source=clinic.organization,
            effective_at=timezone.now() - timedelta(days=5),
            value_number=Decimal("8.4"),
            reference_high=Decimal("5.6"),
        )
        records = resolve(patient.user, patient, Action.RECORDS)
        for days, systolic in [(3, 152), (12, 148), (45, 131)]:
            reading_record(
                access=records,
                actor=patient.user,
                kind=HomeReading.Kind.BLOOD_PRESSURE,
                taken_at=timezone.now() - timedelta(days=days),
                systolic=systolic,
                diastolic=90,
            )
        ThreadFactory(patient=patient, subject="Swollen ankles", pool=triage)
    previsit.build(booked.pk)
    return booked


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_clinician_opens_tomorrows_previsit_briefing_from_the_schedule(
    new_context,  # type: ignore[no-untyped-def]
    live_server,
    clinic: Clinic,  # noqa: F811
    viewport: str,
) -> None:
    booked = _tomorrows_visit(clinic)
    context = new_context(VIEWPORTS[viewport])
    sign_in(context, live_server.url, clinic.dr_kim.user, second_factor=True)
    page = context.new_page()

    page.goto(f"/staff/scheduling/?provider={clinic.dr_kim.pk}&day=2026-12-09")
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Grace Kim")
    no_violations(page, f"schedule-{viewport}")
    page.get_by_role("link", name=f"Pre-visit briefing {clinic.patient.display_name}").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Pre-visit briefing: {clinic.patient.display_name}")
    expect(page.get_by_role("region", name="Reason for the visit")).to_contain_text("Follow-up visit")
    expect(page.get_by_role("region", name="What changed since the last visit here")).to_contain_text(
        "Hemoglobin A1c/Hemoglobin.total in Blood: 8.4 %, high (reference range ≤ 5.6 %)"
    )
    answers = page.get_by_role("region", name="Check-in answers")
    expect(answers).to_contain_text("score 8 of 27 (Mild)")
    expect(answers).to_contain_text("Item 9 (thoughts of self-harm): 0 of 3")
    expect(page.get_by_role("region", name="Home readings")).to_contain_text(
        "2 readings in the last 30 days, average 150/90 mmHg; higher than the 131/90 mmHg before"
    )
    expect(page.get_by_role("region", name="Open conversations")).to_contain_text("Swollen ankles")
    no_violations(page, f"briefing-{viewport}")
    assert page.url.endswith(f"/staff/summaries/visits/{booked.pk}/")
