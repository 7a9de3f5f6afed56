"""Whole journeys in a real browser: signing in with a second factor, staff enrolment and search,
sharing with a caregiver and taking it back, switching language."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import DESKTOP, MOBILE, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from django.core import mail
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from portal.factories import PASSWORD, OrganizationFactory, PatientFactory, StaffMemberFactory, UserFactory
from portal.models import ProxyGrant, User
from tests.e2e.browser import code_for_secret, current_code, screenshot, sign_in

pytestmark = pytest.mark.e2e

BRAND_BLUE = "rgb(11, 92, 173)"  # --color-brand in static/css/portal.css


def fill_login(page: Page, user: User) -> None:
    """Fill and send the sign-in form the page shows."""
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def assert_styled(page: Page) -> None:
    """The stylesheet and scripts under /static/ really loaded, not just the HTML."""
    header = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header == BRAND_BLUE, "portal.css did not load"
    assert page.evaluate("typeof window.htmx === 'object'"), "htmx did not load"


def test_patient_signs_in_with_second_factor(new_context, live_server) -> None:
    patient = PatientFactory(given_name="Rosa", family_name="Delgado")
    device = TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    page = new_context(MOBILE).new_page()

    page.goto("/accounts/login/")
    assert_styled(page)
    fill_login(page, patient.user)

    expect(page).to_have_url(re.compile(r"/account/two-factor/verify/\?next="))
    expect(heading(page)).to_have_text("Enter your code")
    screenshot(page, "journey-patient-verify")
    page.get_by_role("textbox", name="Code", exact=True).fill(current_code(device))
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server.url}/p/{patient.pk}/")
    expect(heading(page)).to_have_text("Hello, Rosa")
    expect(page.locator(".acting-for")).to_contain_text("Rosa Delgado")
    screenshot(page, "journey-patient-home")


def test_staff_enrol_second_factor_on_first_sign_in(new_context, live_server) -> None:
    clinic = OrganizationFactory(name="Lakeside Family Clinic")
    patient = PatientFactory(given_name="Rosa", family_name="Delgado", home_organization=clinic)
    PatientFactory(given_name="Tomas", family_name="Brennan", home_organization=clinic)
    nurse = StaffMemberFactory(organization=clinic, user=UserFactory(full_name="Ana Lopez")).user
    page = new_context(DESKTOP).new_page()

    page.goto("/accounts/login/")
    fill_login(page, nurse)

    # Staff cannot go anywhere before they have a second factor.
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup/\?next="))
    expect(heading(page)).to_have_text("Set up two-step sign-in")
    expect(page.locator(".qr svg")).to_be_visible()
    screenshot(page, "journey-staff-setup")
    secret = page.locator("code.secret").inner_text()
    page.get_by_role("textbox", name="Code", exact=True).fill(code_for_secret(secret))
    page.get_by_role("button", name="Turn on").click()

    expect(heading(page)).to_have_text("Your recovery codes")
    expect(page.locator("ul.codes code")).to_have_count(10)
    assert TOTPDevice.objects.get(user=nurse).confirmed
    page.get_by_role("link", name="I saved my codes").click()

    expect(page).to_have_url(f"{live_server.url}/staff/")
    search = page.get_by_role("search")
    search.get_by_label("Name or MRN").fill("Delg")
    with page.expect_response(re.compile(r"/staff/patients/\?")) as answer:
        search.get_by_role("button", name="Search").click()
    assert answer.value.request.headers.get("hx-request") == "true", "the search did not go through htmx"
    result = page.locator("#search-results").get_by_role("link", name="Delgado, Rosa")
    expect(result).to_be_visible()
    expect(page.locator("#search-results")).not_to_contain_text("Brennan")
    # Updated in place: still the staff home, its heading and queues around the results.
    assert page.url == f"{live_server.url}/staff/"
    expect(heading(page)).to_have_text("Good to see you, Ana")
    screenshot(page, "journey-staff-search")

    result.click()
    expect(page).to_have_url(f"{live_server.url}/staff/patients/{patient.pk}/")
    expect(heading(page)).to_have_text("Delgado, Rosa")


def test_patient_grants_and_revokes_a_proxy(new_context, live_server, settings, eager_tasks) -> None:
    # pytest-django already swaps in the locmem backend for the test run; say so here because the
    # token is read from the outbox. The live server is a thread of this process: it sees this
    # setting and appends to the same django.core.mail.outbox (the invitation's delivery task
    # runs at once there: `eager_tasks`).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    patient = PatientFactory(given_name="Rosa", family_name="Delgado")
    carer = UserFactory(full_name="Marta Ruiz", email="marta.ruiz@example.org")
    rosa = new_context(MOBILE).new_page()
    marta = new_context(MOBILE).new_page()
    sign_in(rosa.context, live_server.url, patient.user)

    rosa.goto("/")
    rosa.get_by_role("navigation", name="Main").get_by_role("link", name="Sharing").click()
    expect(heading(rosa)).to_have_text("Sharing")
    rosa.get_by_label("Their name").fill("Marta Ruiz")
    rosa.get_by_label("Their email address").fill(carer.email)
    rosa.get_by_label("How are they related to you?").fill("daughter")
    rosa.get_by_role("checkbox", name="Health record").check()
    rosa.get_by_role("checkbox", name="Appointments").check()
    rosa.get_by_role("button", name="Send invitation").click()

    expect(rosa.get_by_role("status")).to_contain_text(f"We sent an invitation to {carer.email}")
    invitation = rosa.locator(".list__item", has_text="Marta Ruiz")
    expect(invitation).to_contain_text("Invited")
    expect(invitation).to_contain_text("Health record, Appointments")
    screenshot(rosa, "journey-sharing-invited")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [carer.email]
    link = re.search(r"/invitations/[\w-]+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # The caregiver opens the link signed out, signs in with their own account and accepts.
    marta.goto(link.group(0))
    expect(heading(marta)).to_have_text("You have been invited to help")
    marta.get_by_role("link", name="Sign in").click()
    fill_login(marta, carer)
    expect(marta).to_have_url(f"{live_server.url}{link.group(0)}")
    expect(marta.locator("main")).to_contain_text("Rosa Delgado invited you to help with their care.")
    marta.get_by_role("button", name="Accept").click()
    expect(marta).to_have_url(f"{live_server.url}/p/{patient.pk}/")
    expect(heading(marta)).to_have_text("Helping Rosa Delgado")
    screenshot(marta, "journey-caregiver-home")

    # The patient takes it back.
    rosa.reload()
    expect(invitation).to_contain_text("Active")
    invitation.get_by_role("button", name="Remove access Marta Ruiz").click()
    expect(rosa.get_by_role("status")).to_contain_text("Marta Ruiz no longer has access.")
    assert ProxyGrant.objects.get(patient=patient).status == ProxyGrant.Status.REVOKED

    # The caregiver's next page load of Rosa's pages is the not-found page, with nothing of hers.
    response = marta.reload()
    assert response is not None and response.status == 404
    expect(heading(marta)).to_have_text("We couldn't find that page")
    assert "Rosa" not in marta.content() and "Delgado" not in marta.content()


def test_switch_language(new_context, live_server) -> None:
    patient = PatientFactory(given_name="Lucia", family_name="Hernandez")
    with translation.override("es"):
        sharing_es = translation.gettext("Sharing")
        hello_es = translation.gettext("Hello, %(name)s") % {"name": "Lucia"}
    assert sharing_es != "Sharing", "the Spanish catalog has no translation for the Sharing link"
    page = new_context(MOBILE).new_page()
    sign_in(page.context, live_server.url, patient.user)
    nav = page.locator("nav.main-nav")  # its accessible name is translated too

    page.goto("/account/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="Sharing")).to_be_visible()
    page.locator(".language-switcher").get_by_role("button", name="Español").click()

    expect(page).to_have_url(f"{live_server.url}/account/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Preferencias")).to_be_visible()
    expect(nav.get_by_role("link", name=sharing_es)).to_be_visible()
    expect(page.locator(".language-switcher").get_by_role("button", name="English")).to_be_visible()
    screenshot(page, "journey-account-es")

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Preferencias")).to_be_visible()
    patient.user.refresh_from_db()
    assert patient.user.language == "es"

    # A new sign-in, in a browser that has never seen the choice (no cookie): still Spanish.
    fresh = new_context(MOBILE).new_page()
    fresh.goto("/accounts/login/")
    expect(fresh.locator("html")).to_have_attribute("lang", "en")
    fill_login(fresh, patient.user)
    expect(fresh).to_have_url(f"{live_server.url}/p/{patient.pk}/")
    expect(fresh.locator("html")).to_have_attribute("lang", "es")
    expect(heading(fresh)).to_have_text(hello_es)
    fresh.locator("nav.main-nav").get_by_role("link", name=sharing_es).click()
    expect(fresh).to_have_url(f"{live_server.url}/p/{patient.pk}/sharing/")
