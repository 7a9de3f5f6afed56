"""The refill journey in the browser: a patient asks for two medicines on a phone; a nurse
approves one under protocol and passes the other (its check failed) to the physician, who
approves it with a change; the patient follows both on their timelines. axe-core checks every
page at 390x844 (patient) and 1280x800 (staff, and the patient's pages again)."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from playwright.sync_api import expect

from refills.models import RefillRequest
from tests.e2e.browser import sign_in
from tests.e2e.refills_pages import check, go
from tests.refills.arrange import ATORVASTATIN, LISINOPRIL, patient_with_two
from tests.refills.conftest import Clinic, clinic  # noqa: F401  (the clinic set up for refills)

pytestmark = pytest.mark.e2e


def test_two_refills_from_a_phone_one_by_protocol_one_by_the_physician(new_context, live_server, clinic: Clinic):  # noqa: F811
    problems: list[str] = []
    patient = patient_with_two(clinic)
    phone = new_context(MOBILE)
    sign_in(phone, live_server.url, patient.user)
    page = phone.new_page()
    page.goto(f"/p/{patient.pk}/refills/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Medications and refills")
    check(page, "patient-home", problems)

    go(page, page.get_by_role("link", name="Request several at once"))
    page.get_by_label(LISINOPRIL[1], exact=False).check()
    page.get_by_label(ATORVASTATIN[1], exact=False).check()
    page.get_by_label("Pharmacy", exact=True).select_option(str(clinic.pharmacy.pk))
    check(page, "patient-form", problems)
    go(page, page.get_by_role("button", name="Send the request"))
    expect(page.get_by_text("will answer by")).to_be_visible()
    check(page, "patient-request", problems)
    lisinopril = RefillRequest.objects.get(medication_name=LISINOPRIL[1])
    atorvastatin = RefillRequest.objects.get(medication_name=ATORVASTATIN[1])

    desk = new_context(DESKTOP)
    sign_in(desk, live_server.url, clinic.nurse.user, second_factor=True)
    staff = desk.new_page()
    staff.goto("/staff/refills/")
    check(staff, "staff-queue", problems)
    # The queue on a nurse's phone: each request a card of labelled lines, nothing cut at the edge.
    pocket = new_context(MOBILE)
    sign_in(pocket, live_server.url, clinic.nurse.user, second_factor=True)
    queue = pocket.new_page()
    queue.goto("/staff/refills/")
    check(queue, "staff-queue-phone", problems)
    assert queue.locator(".table-scroll").evaluate("el => el.scrollWidth <= el.clientWidth")
    staff.goto(f"/staff/refills/{lisinopril.pk}/")
    check(staff, "staff-review-passed", problems)
    go(
        staff,
        staff.locator("form", has=staff.get_by_role("heading", name="Approve")).get_by_role("button", name="Approve"),
    )
    expect(staff.get_by_text("Approved: the prescription is in the record")).to_be_visible()
    staff.goto(f"/staff/refills/{atorvastatin.pk}/")
    expect(staff.get_by_text("Failed:")).to_be_visible()
    check(staff, "staff-review-failed", problems)
    staff.get_by_label("Note").fill("No lipid panel on record.")
    go(staff, staff.get_by_role("button", name="Pass to the prescriber", exact=True))

    doctor = new_context(DESKTOP)
    sign_in(doctor, live_server.url, clinic.doctor.user, second_factor=True)
    prescriber = doctor.new_page()
    prescriber.goto(f"/staff/refills/{atorvastatin.pk}/")
    prescriber.get_by_label("Days' supply").fill("30")
    prescriber.get_by_label("What changed", exact=False).fill("30 days until the lipid panel.")
    go(
        prescriber,
        prescriber.locator("form", has=prescriber.get_by_role("heading", name="Approve")).get_by_role(
            "button", name="Approve"
        ),
    )
    expect(prescriber.get_by_text("Approved: the prescription is in the record")).to_be_visible()

    page.goto(f"/p/{patient.pk}/refills/{atorvastatin.pk}/")
    expect(page.get_by_text("30 days until the lipid panel.").first).to_be_visible()
    expect(page.get_by_text("Passed to the prescriber")).to_be_visible()
    check(page, "patient-timeline", problems)
    wide = new_context(DESKTOP)
    sign_in(wide, live_server.url, patient.user)
    desktop_page = wide.new_page()
    desktop_page.goto(f"/p/{patient.pk}/refills/")
    check(desktop_page, "patient-home-desktop", problems)
    statuses = dict(RefillRequest.objects.values_list("medication_name", "status"))
    assert statuses == {LISINOPRIL[1]: "approved", ATORVASTATIN[1]: "approved_changed"}
    assert not problems, "\n\n".join(problems)
