"""The refill pages added after the first journey, in the browser and axe-clean: a patient renews
her long-term medicines to her annual visit from a phone; a nurse
marks a request as needing a visit with a bridge supply; the clinic's refill turnaround page."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from portal.factories import PatientFactory
from refills.models import RefillRequest
from tests.e2e.browser import sign_in
from tests.e2e.refills_pages import check, go
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, prescription, result, visit
from tests.refills.conftest import Clinic, clinic  # noqa: F401  (the clinic set up for refills)

pytestmark = pytest.mark.e2e


def test_annual_renewal_bridge_supply_and_turnaround(new_context, live_server, clinic: Clinic):  # noqa: F811
    problems: list[str] = []
    patient = PatientFactory(home_organization=clinic.home)
    for drug in (LISINOPRIL, ATORVASTATIN):
        prescription(patient, drug, days_ago=500)
        prescription(patient, drug, days_ago=60)
    result(patient, "6298-4", "4.2")
    visit(patient, days_ago=100)
    phone = new_context(MOBILE)
    sign_in(phone, live_server.url, patient.user)
    page = phone.new_page()
    page.goto(f"/p/{patient.pk}/refills/")
    go(page, page.get_by_role("link", name="Renew my long-term medicines to my annual visit", exact=False))
    expect(page.get_by_role("heading", level=1)).to_have_text("Renew your long-term medicines to your annual visit")
    expect(page.get_by_text("89 days at a time, with 2 refills.").first).to_be_visible()
    page.get_by_label("Pharmacy", exact=True).select_option(str(clinic.pharmacy.pk))
    check(page, "patient-annual", problems)
    go(page, page.get_by_role("button", name="Send the request"))
    expect(page.get_by_text("Asked to last until your annual visit")).to_be_visible()
    check(page, "patient-annual-request", problems)
    lisinopril = RefillRequest.objects.get(patient=patient, medication_name=LISINOPRIL[1])

    desk = new_context(DESKTOP)
    sign_in(desk, live_server.url, clinic.nurse.user, second_factor=True)
    staff = desk.new_page()
    staff.goto(f"/staff/refills/{lisinopril.pk}/")
    expect(staff.get_by_text("Lasts until")).to_be_visible()
    visit_form = staff.locator("form", has=staff.get_by_role("heading", name="Needs a visit"))
    visit_form.get_by_label("Message for the patient (optional)").fill("Time for your yearly check.")
    visit_form.get_by_label("Bridge supply").select_option("30")
    check(staff, "staff-review-annual", problems)
    go(staff, visit_form.get_by_role("button", name="Needs a visit"))
    expect(staff.get_by_text("Marked as needing a visit")).to_be_visible()
    staff.goto("/staff/refills/metrics/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Refill request turnaround")
    check(staff, "staff-metrics", problems)

    page.goto(f"/p/{patient.pk}/refills/{lisinopril.pk}/")
    expect(page.get_by_text("Until then, a 30-day supply goes to Main Street Pharmacy.")).to_be_visible()
    check(page, "patient-bridge", problems)
    assert RefillRequest.objects.get(pk=lisinopril.pk).status == "needs_visit"
    assert not problems, "\n\n".join(problems)
