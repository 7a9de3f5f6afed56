"""axe-core on every page of the portal shell, at a phone's and a laptop's size: no WCAG 2.x A/AA violation.

Each page is reached as the person who would see it. Signing in goes through a session
cookie made by Django's test client (tests.e2e.browser.sign_in), not the login form, to
keep the run fast; the journeys in test_journeys.py use the real forms. A full-page
screenshot of each page at each size lands in test-artifacts/e2e/ for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.browser import VIEWPORTS, missing_tools

if reason := missing_tools():
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)

from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from portal.factories import (
    OrganizationFactory,
    PatientFactory,
    ProxyGrantFactory,
    StaffMemberFactory,
    UserFactory,
    born_years_ago,
)
from portal.models import Patient, ProxyGrant, User
from portal.services.tokens import new_token
from tests.conftest import sign_in as sign_in_client
from tests.e2e import browser
from tests.e2e.browser import axe_violations, describe_violations, screenshot, sign_in

pytestmark = pytest.mark.e2e


@dataclass
class Visit:
    """One person's browser on its way to the page under test."""

    context: BrowserContext
    page: Page
    base_url: str

    def as_user(self, user: User, *, second_factor: bool = False) -> None:
        sign_in(self.context, self.base_url, user, second_factor=second_factor)

    def open(self, path: str, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None, path
        assert response.status == status, f"{path} answered {response.status}, expected {status}"


PAGES: dict[str, Callable[[Visit], None]] = {}


def page(name: str) -> Callable[[Callable[[Visit], None]], Callable[[Visit], None]]:
    def register(visit: Callable[[Visit], None]) -> Callable[[Visit], None]:
        PAGES[name] = visit
        return visit

    return register


# --- The people --------------------------------------------------------------------------------


def clinic() -> Any:
    return OrganizationFactory(name="Lakeside Family Clinic", phone="+1 555 010 0100")


def rosa(**kwargs: Any) -> Patient:
    """An adult patient with her own account."""
    return PatientFactory(
        given_name="Rosa",
        family_name="Delgado",
        home_organization=clinic(),
        user=UserFactory(full_name="Rosa Delgado"),
        **kwargs,
    )


def open_invitation(patient: Patient) -> str:
    """An invitation waiting for a caregiver; returns the link's path."""
    token, hashed = new_token()
    ProxyGrantFactory(
        patient=patient,
        grantee=None,
        status=ProxyGrant.Status.INVITED,
        accepted_at=None,
        invited_email="sam.ortega@example.org",
        invited_name="Sam Ortega",
        token_hash=hashed,
    )
    return f"/invitations/{token}/"


def nurse_for(patient: Patient) -> User:
    return StaffMemberFactory(organization=patient.home_organization, user=UserFactory(full_name="Ana Lopez")).user


# --- Signed out --------------------------------------------------------------------------------


@page("login")
def _login(visit: Visit) -> None:
    visit.open("/accounts/login/")


@page("signup")
def _signup(visit: Visit) -> None:
    visit.open("/accounts/signup/")


@page("password-reset")
def _password_reset(visit: Visit) -> None:
    visit.open("/accounts/password/reset/")


@page("invitation-signed-out")
def _invitation_signed_out(visit: Visit) -> None:
    visit.open(open_invitation(rosa()))


@page("invitation-invalid")
def _invitation_invalid(visit: Visit) -> None:
    visit.open("/invitations/not-a-real-invitation/", status=410)


# --- A patient ---------------------------------------------------------------------------------


@page("patient-home")
def _patient_home(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(patient.user)
    visit.open(f"/p/{patient.pk}/")


@page("activity")
def _activity(visit: Visit) -> None:
    patient = rosa()
    ProxyGrantFactory(patient=patient, invited_name="Marta Ruiz", grantee=UserFactory(full_name="Marta Ruiz"))
    visit.as_user(patient.user)
    visit.open(f"/p/{patient.pk}/")  # writes a "viewed the profile" event
    sign_in_client(Client(), nurse_for(patient), second_factor=True).get(f"/staff/patients/{patient.pk}/")
    visit.open(f"/p/{patient.pk}/activity/")
    expect(visit.page.locator(".timeline__item").first).to_be_visible()


def _sharing_with_grants(visit: Visit) -> Patient:
    """The sharing page with a caregiver in each state, so every badge is on it."""
    patient = rosa()
    ProxyGrantFactory(patient=patient, invited_name="Marta Ruiz", relationship="daughter")
    open_invitation(patient)
    ProxyGrantFactory(
        patient=patient,
        invited_name="Luis Ortega",
        relationship="friend",
        status=ProxyGrant.Status.REVOKED,
        ended_at=timezone.now(),
    )
    visit.as_user(patient.user)
    visit.open(f"/p/{patient.pk}/sharing/")
    return patient


@page("sharing")
def _sharing(visit: Visit) -> None:
    _sharing_with_grants(visit)


@page("sharing-form-errors")
def _sharing_form_errors(visit: Visit) -> None:
    """The invitation form sent empty: the error summary and each field's error."""
    _sharing_with_grants(visit)
    with visit.page.expect_navigation():
        visit.page.get_by_role("button", name="Send invitation").click()
    expect(visit.page.locator(".error-summary")).to_be_visible()
    expect(visit.page.locator(".field--error").first).to_be_visible()


def _section(slug: str) -> Callable[[Visit], None]:
    def visit_section(visit: Visit) -> None:
        patient = rosa()
        visit.as_user(patient.user)
        visit.open(f"/p/{patient.pk}/{slug}/")

    return visit_section


for _slug in ["record", "messages", "appointments", "medications", "billing"]:
    page(f"section-{_slug}")(_section(_slug))


@page("account-preferences")
def _account(visit: Visit) -> None:
    """A patient who also helps her father: the header's person switcher and "People you help"."""
    patient = rosa()
    father = PatientFactory(given_name="Jorge", family_name="Delgado", birth_date=born_years_ago(84))
    ProxyGrantFactory(patient=father, grantee=patient.user, invited_name="Rosa Delgado", relationship="daughter")
    visit.as_user(patient.user)
    visit.open("/account/")


@page("security")
def _security(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(patient.user, second_factor=True)
    visit.open("/account/security/")


@page("security-no-second-factor")
def _security_without(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(patient.user)
    visit.open("/account/security/")


@page("sessions")
def _sessions(visit: Visit) -> None:
    """This browser and one other, which gets its own "Sign out" button."""
    patient = rosa()
    other = sign_in_client(Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1"), patient.user)
    other.get(f"/p/{patient.pk}/")
    visit.as_user(patient.user)
    visit.open(f"/p/{patient.pk}/")  # this browser is listed from its second request on
    visit.open("/account/sessions/")
    expect(visit.page.locator(".list__item")).to_have_count(2)


@page("two-factor-setup")
def _two_factor_setup(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(patient.user)
    visit.open("/account/two-factor/setup/")


@page("two-factor-verify")
def _two_factor_verify(visit: Visit) -> None:
    """Password done, app code not yet."""
    patient = rosa()
    TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    visit.as_user(patient.user)
    visit.open(f"/p/{patient.pk}/")
    expect(visit.page).to_have_url(re.compile(r"/account/two-factor/verify/\?next="))


@page("recovery-codes")
def _recovery_codes(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(patient.user, second_factor=True)
    visit.open("/account/security/")
    with visit.page.expect_navigation():
        visit.page.get_by_role("button", name="Make new recovery codes").click()
    expect(visit.page.locator("ul.codes code")).to_have_count(10)


@page("email-address")
def _email(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(patient.user)
    visit.open("/accounts/email/")


@page("email-address-pending-change")
def _email_pending(visit: Visit) -> None:
    """A change of address waiting for its confirmation: the field's hint holds two buttons."""
    patient = rosa()
    EmailAddress.objects.create(user=patient.user, email="rosa.new@example.org", verified=False, primary=False)
    visit.as_user(patient.user)
    visit.open("/accounts/email/")
    expect(visit.page.get_by_role("button", name="Re-send Verification")).to_be_visible()


@page("email-address-errors")
def _email_errors(visit: Visit) -> None:
    """allauth's email page (its own template, the portal's field element) sent empty."""
    _email(visit)
    with visit.page.expect_navigation():
        visit.page.get_by_role("button", name="Change Email").click()
    expect(visit.page.locator(".field--error input")).to_have_attribute("aria-describedby", "id_email_errors")


@page("password-change")
def _password_change(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(patient.user)
    visit.open("/accounts/password/change/")


@page("not-found")
def _not_found(visit: Visit) -> None:
    """Someone else's record, as a signed-in patient: the friendly 404 inside the full shell."""
    patient = rosa()
    stranger = PatientFactory(home_organization=patient.home_organization)
    visit.as_user(patient.user)
    visit.open(f"/p/{stranger.pk}/", status=404)


# --- Someone with an account but no record yet ---------------------------------------------------


@page("welcome")
def _welcome(visit: Visit) -> None:
    visit.as_user(UserFactory(full_name="Marta Ruiz"))
    visit.open("/welcome/")


@page("invitation-signed-in")
def _invitation_signed_in(visit: Visit) -> None:
    path = open_invitation(rosa())
    visit.as_user(UserFactory(full_name="Sam Ortega", email="sam.ortega@example.org"))
    visit.open(path)


# --- Staff -------------------------------------------------------------------------------------


@page("staff-home")
def _staff_home(visit: Visit) -> None:
    visit.as_user(nurse_for(rosa()), second_factor=True)
    visit.open("/staff/")


@page("staff-search-in-place")
def _staff_search_in_place(visit: Visit) -> None:
    """Staff home after an htmx search filled #search-results."""
    patient = rosa()
    PatientFactory(given_name="Daniel", family_name="Delacroix", home_organization=patient.home_organization)
    visit.as_user(nurse_for(patient), second_factor=True)
    visit.open("/staff/")
    visit.page.get_by_role("search").get_by_label("Name or MRN").fill("Del")
    visit.page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(visit.page.locator("#search-results li")).to_have_count(2)


@page("staff-search-results")
def _staff_search_results(visit: Visit) -> None:
    patient = rosa()
    visit.as_user(nurse_for(patient), second_factor=True)
    visit.open("/staff/patients/?q=Delgado")
    expect(visit.page.locator("#search-results li")).to_have_count(1)


def _teenager_without_account() -> Patient:
    """15: an invite-to-the-portal form and the guardian panel on the staff page."""
    return PatientFactory(
        given_name="Mateo",
        family_name="Delgado",
        birth_date=born_years_ago(15),
        home_organization=clinic(),
        user=None,
    )


@page("staff-patient")
def _staff_patient(visit: Visit) -> None:
    patient = _teenager_without_account()
    visit.as_user(nurse_for(patient), second_factor=True)
    visit.open(f"/staff/patients/{patient.pk}/")


@page("staff-guardian-form")
def _staff_guardian(visit: Visit) -> None:
    patient = _teenager_without_account()
    visit.as_user(nurse_for(patient), second_factor=True)
    visit.open(f"/staff/patients/{patient.pk}/guardian/")


# --- The tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_have_no_axe_violations(new_context, live_server, name: str, viewport: str) -> None:
    context = new_context(VIEWPORTS[viewport])
    visit = Visit(context=context, page=context.new_page(), base_url=live_server.url)

    PAGES[name](visit)

    # The page is styled (its stylesheet really loaded), so colour contrast is checked as users see it.
    assert visit.page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    screenshot(visit.page, name)
    violations = axe_violations(visit.page)
    assert not violations, f"{name} at {viewport}:\n{describe_violations(violations)}"


def test_axe_reports_what_it_should(new_context, live_server) -> None:
    """The harness itself: axe is injected, runs the WCAG rules and its findings reach the assertion."""
    context = new_context()
    page = context.new_page()
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const input = document.createElement("input");
            input.type = "text";
            document.querySelector("main").append(input);
            const faint = document.createElement("p");
            faint.textContent = "Hard to read";
            faint.style.color = "#cccccc";
            document.querySelector("main").append(faint);
        }"""
    )

    violations = axe_violations(page)

    assert {violation["id"] for violation in violations} == {"label", "color-contrast"}
    assert "- color-contrast (serious): Elements must meet minimum color contrast ratio thresholds" in (
        describe_violations(violations)
    )


def test_portal_checks_report_what_they_should(new_context, live_server, monkeypatch) -> None:
    """The checks axe does not make: ids that name nothing, an error summary that is missing, has a
    dead link or does not hold focus, and a title that another page already has."""
    # This test's made-up title must not reach the others (nor theirs, this test).
    monkeypatch.setattr(browser, "TITLES", {})
    monkeypatch.setattr(browser, "TITLES_FILE", None)
    context = new_context()
    page = context.new_page()
    page.goto("/accounts/signup/")
    assert axe_violations(page) == []
    signup_title = page.title()
    page.goto("/accounts/login/")
    page.evaluate(
        """title => {
            document.querySelector("main").insertAdjacentHTML("beforeend", `
                <div class="field field--error"><label for="x">X</label><p id="x_helptext">Hint</p>
                <input id="x" aria-describedby="x_error x_helptext" aria-labelledby="nowhere"></div>`);
            document.title = title;
        }""",
        signup_title,
    )

    found = {violation["id"]: violation for violation in axe_violations(page)}

    assert set(found) == {"portal-idref-missing", "portal-error-summary-missing", "portal-page-title"}
    assert [node["summary"] for node in found["portal-idref-missing"]["nodes"]] == [
        'aria-describedby: no element has id="x_error"',
        'aria-labelledby: no element has id="nowhere"',
    ]
    assert [node["summary"] for node in found["portal-page-title"]["nodes"]] == [
        f"also the title of {live_server.url}/accounts/signup/"
    ]

    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("afterbegin", `
            <div class="error-summary" tabindex="-1"><h2>Please check</h2><a href="#gone">X</a></div>`)"""
    )
    found = {violation["id"]: violation for violation in axe_violations(page)}
    assert set(found) == {
        "portal-idref-missing",
        "portal-page-title",
        "portal-error-summary-link",
        "portal-error-summary-focus",
    }
