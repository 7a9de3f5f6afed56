"""Good Faith Estimates in a real browser, axe clean at phone and desktop sizes: a self-pay patient
asks for one and reads it; billing staff see the estimates due."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from billing.models import GoodFaithEstimate, ProviderBillingIdentity
from billing.services.estimates import estimates_for_bookings
from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import StaffRole
from scheduling.factories import LocationFactory, ProviderFactory, VisitTypeFactory
from scheduling.models import Appointment
from tests.billing.estimate_fixtures import price_visit
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["phone", "desktop"])
def test_a_self_pay_patient_asks_for_an_estimate_and_reads_it(new_context, live_server, viewport) -> None:
    patient = PatientFactory(given_name="Rosa", family_name="Delgado")
    price_visit(patient.home_organization)
    context = new_context(viewport)
    sign_in(context, live_server.url, patient.user)
    page = context.new_page()

    page.goto(f"/p/{patient.pk}/billing/")
    page.get_by_role("link", name="Good Faith Estimates").click()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    page.get_by_label("I have insurance but will pay for this visit myself").check()
    page.get_by_role("button", name="Ask for an estimate").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Good Faith Estimate")
    expect(page.get_by_text("Total expected charges: $175.00")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    shutil.copy(screenshot(page, "billing-estimate"), f"/tmp/gfe-estimate-{viewport['width']}.png")  # noqa: S108 (for a human to look at)
    assert GoodFaithEstimate.objects.get().patient_id == patient.pk


def test_billing_staff_see_an_estimate_waiting_for_a_clinicians_npi(new_context, live_server) -> None:
    patient = PatientFactory()
    organization = patient.home_organization
    clinician = ProviderFactory(organization=organization, user__full_name="Grace Kim")
    priced = price_visit(organization, visit_type=VisitTypeFactory(organization=organization, name="Follow-up visit"))
    starts = timezone.now() + timedelta(days=21)
    Appointment.objects.create(
        organization=organization,
        patient=patient,
        provider=clinician,
        location=LocationFactory(organization=organization),
        visit_type=priced.visit_type,
        during=DateTimeTZRange(starts, starts + timedelta(minutes=30)),
        status=Appointment.Status.BOOKED,
        source=Appointment.Source.STAFF,
        booked_at=timezone.now(),
    )
    assert estimates_for_bookings() == 1
    assert not ProviderBillingIdentity.objects.filter(staff=clinician).exists()
    billing = StaffMemberFactory(organization=organization, role=StaffRole.BILLING)
    context = new_context(DESKTOP)
    sign_in(context, live_server.url, billing.user, second_factor=True)
    page = context.new_page()

    page.goto("/staff/billing/estimates/")

    expect(page.get_by_text("The clinician Grace Kim, MD has no NPI on file in billing.")).to_be_visible()
    assert axe_violations(page) == [], describe_violations(axe_violations(page))
    shutil.copy(screenshot(page, "billing-estimates-due"), "/tmp/gfe-staff-estimates-1280.png")  # noqa: S108
