"""The patient's home briefing in a real browser, axe clean: on a phone (390x844) in English and in
Spanish, and at 1280x800; the first visit's welcome above it, gone on the next visit; a caregiver's
briefing names the patient."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from django.utils import timezone
from playwright.sync_api import expect

from messaging.factories import StaffReplyFactory, ThreadFactory
from portal.factories import OrganizationFactory, PatientFactory, ProxyGrantFactory
from portal.models import Patient, Scope
from records.factories import RecordItemFactory
from summaries.services import refresh
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e

WORDS = {
    "en": {"briefing": "Your briefing", "welcome": "Welcome to your patient portal", "changed": "What changed"},
    "es": {"briefing": "Su resumen", "welcome": "Welcome to your patient portal", "changed": "Qué cambió"},
}


def _patient(language: str) -> Patient:
    """A patient with news from two places, an out-of-range result, a new medicine and two answers
    waiting (read as one line)."""
    lakeside = OrganizationFactory(name="Lakeside Family Clinic")
    st_marys = OrganizationFactory(name="St Mary's Hospital")
    patient = PatientFactory(home_organization=lakeside, given_name="Rosa", family_name="Delgado")
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    now = timezone.now()
    RecordItemFactory(
        patient=patient,
        source=lakeside,
        effective_at=now - timezone.timedelta(days=3),
        value_number=Decimal("8.4"),
        reference_high=Decimal("5.7"),
        interpretation="H",
    )
    RecordItemFactory(
        patient=patient,
        source=st_marys,
        display="Sodium",
        code="2951-2",
        value_number=Decimal("140"),
        unit="mmol/L",
        effective_at=now - timezone.timedelta(days=2),
    )
    RecordItemFactory(
        patient=patient,
        source=st_marys,
        kind="medication",
        display="Metformin 500 mg",
        code="860975",
        status="active",
        value_number=None,
        effective_at=now - timezone.timedelta(days=1),
    )
    for subject in ("Knee", "Forms"):
        StaffReplyFactory(thread=ThreadFactory(patient=patient, subject=subject), is_internal_note=False)
    refresh.rebuild(patient.pk)
    return patient


def _axe_clean(page, name: str) -> None:  # noqa: ANN001
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, f"{name}:\n{describe_violations(violations)}"


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(MOBILE, "en"), (MOBILE, "es"), (DESKTOP, "en")],
    ids=["390x844-en", "390x844-es", "1280x800-en"],
)
def test_the_home_briefing_reads_and_is_axe_clean(new_context, live_server, viewport, language: str) -> None:
    patient = _patient(language)
    words = WORDS[language]
    context = new_context(viewport, locale="es-US" if language == "es" else "en-US")
    sign_in(context, live_server.url, patient.user)
    page = context.new_page()

    page.goto(f"/p/{patient.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#welcome-title")).to_be_visible()
    expect(page.locator("#briefing-title")).to_have_text(words["briefing"])
    expect(page.locator("#briefing")).to_contain_text(words["changed"])
    expect(page.locator("#briefing")).to_contain_text("St Mary's Hospital")
    # Two answers waiting read as one line, linking to Messages.
    expect(page.locator(f'#briefing a[href="/p/{patient.pk}/messages/"]')).to_have_count(1)
    size = f"{viewport['width']}x{viewport['height']}-{language}"
    _axe_clean(page, f"briefing-home-first-visit-{size}")

    page.reload()
    expect(page.locator("#welcome-title")).to_have_count(0)
    expect(page.locator("#briefing-title")).to_have_text(words["briefing"])
    _axe_clean(page, f"briefing-home-{size}")


def test_a_caregivers_briefing_names_the_patient_and_is_axe_clean(new_context, live_server) -> None:
    patient = _patient("en")
    helper = ProxyGrantFactory(patient=patient, scopes=[Scope.RECORDS, Scope.MESSAGING]).grantee
    context = new_context(MOBILE)
    sign_in(context, live_server.url, helper)
    page = context.new_page()

    page.goto(f"/p/{patient.pk}/")

    expect(page.locator("#briefing-title")).to_have_text("Rosa's briefing")
    expect(page.locator("#briefing")).to_contain_text("2 answers are waiting for Rosa in Messages")
    expect(page.locator("#welcome-title")).to_have_count(0)
    _axe_clean(page, "briefing-home-caregiver")

    # Their own notice for Rosa's briefing, chosen on their account page, and saved.
    page.goto("/account/")
    choice = page.get_by_role("checkbox", name="Rosa Delgado")
    expect(choice).not_to_be_checked()
    _axe_clean(page, "briefing-notice-caregiver-account")
    choice.check()
    page.get_by_role("button", name="Save notice choices").click()
    expect(page.get_by_text("Your notice choices are saved.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Rosa Delgado")).to_be_checked()
