"""Pages of the portal core: preferences, language, idle timeout, sessions, staff search, errors."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from portal.access import Action, resolve
from portal.factories import PatientFactory, born_years_ago
from portal.middleware import IdleTimeoutMiddleware
from portal.models import AuditEvent, PatientInvitation, UserSession
from portal.services import invitations
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_home_sends_a_patient_to_their_own_page(client, patient) -> None:
    sign_in(client, patient.user)

    assert client.get("/")["Location"] == f"/p/{patient.pk}/"


def test_home_sends_an_unlinked_account_to_welcome(client, user) -> None:
    sign_in(client, user)

    assert client.get("/")["Location"] == "/welcome/"


def test_preferences_form_re_renders_with_errors_and_keeps_input(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.post("/account/", {"language": "en", "notify_by_sms": "on", "phone": ""})

    assert response.status_code == 400
    assert "Add a mobile number" in response.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.notify_by_sms is False


def test_choosing_spanish_is_remembered_and_used(client, patient) -> None:
    sign_in(client, patient.user)

    client.post("/language/", {"language": "es", "next": "/account/"})
    page = client.get("/account/").content.decode()

    patient.user.refresh_from_db()
    patient.refresh_from_db()
    assert (patient.user.language, patient.preferred_language) == ("es", "es")
    assert '<html lang="es">' in page
    assert "Preferencias" in page


def test_idle_patient_is_signed_out_after_30_minutes(client, patient) -> None:
    sign_in(client, patient.user)
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = time.time() - 31 * 60
    session.save()

    response = client.get(f"/p/{patient.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(f"/p/{patient.pk}/").status_code == 302


def test_idle_staff_are_signed_out_after_15_minutes(client, nurse) -> None:
    sign_in(client, nurse.user, second_factor=True)
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = time.time() - 16 * 60
    session.save()

    assert client.get("/staff/")["Location"].startswith("/accounts/login/")


def test_session_status_does_not_count_as_activity(client, patient) -> None:
    sign_in(client, patient.user)
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = time.time() - 29 * 60
    session.save()

    left = client.get("/session/status/").json()["seconds_left"]
    kept = client.post("/session/keepalive/").json()["seconds_left"]

    assert 0 < left <= 60
    assert kept == 30 * 60


def test_signing_out_another_browser_ends_that_session(patient) -> None:
    phone, laptop = Client(), Client()
    for browser in (phone, laptop):
        sign_in(browser, patient.user)
        browser.get(f"/p/{patient.pk}/")
    phone_session = UserSession.objects.get(session_key=phone.session.session_key)

    laptop.post("/account/sessions/", {"session": phone_session.pk})

    assert phone.get(f"/p/{patient.pk}/").status_code == 302
    assert laptop.get(f"/p/{patient.pk}/").status_code == 200


def test_staff_search_finds_by_name_dob_and_mrn_and_audits_each_result(client, nurse, patient) -> None:
    PatientFactory(home_organization=patient.home_organization, family_name="Zzyzx")
    sign_in(client, nurse.user, second_factor=True)

    by_name = client.get("/staff/patients/", {"q": patient.family_name[:3]}).context["results"]
    by_mrn = client.get("/staff/patients/", {"q": patient.mrn}).context["results"]
    by_dob = client.get("/staff/patients/", {"birth_date": patient.birth_date.isoformat()}).context["results"]

    assert patient in by_name and [patient] == by_mrn and patient in by_dob
    searches = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH, patient=patient)
    assert searches.count() == 3


def test_staff_search_never_shows_another_organizations_patients(client, nurse) -> None:
    elsewhere = PatientFactory(family_name="Elsewhere")
    sign_in(client, nurse.user, second_factor=True)

    response = client.get("/staff/patients/", {"q": "Elsewhere"})

    assert response.context["results"] == []
    assert not AuditEvent.objects.filter(patient=elsewhere).exists()


def test_staff_search_with_nothing_entered_asks_for_something(client, nurse) -> None:
    sign_in(client, nurse.user, second_factor=True)

    response = client.get("/staff/patients/", {"q": " "})

    assert "Enter a name, an MRN or a date of birth." in response.content.decode()


def test_staff_search_is_a_constant_number_of_queries(client, nurse, django_assert_max_num_queries) -> None:
    PatientFactory.create_batch(12, home_organization=nurse.organization, family_name="Garcia")
    sign_in(client, nurse.user, second_factor=True)
    client.get("/staff/patients/", {"q": "Garcia"})  # warm the session and OTP caches

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as twelve:
        client.get("/staff/patients/", {"q": "Garcia"})
    PatientFactory.create_batch(8, home_organization=nurse.organization, family_name="Garcia")
    with CaptureQueriesContext(connection) as twenty:
        client.get("/staff/patients/", {"q": "Garcia"})

    assert len(twelve) == len(twenty)


def test_activation_code_links_a_new_account_to_its_record(client, user, nurse) -> None:
    unlinked = PatientFactory(home_organization=nurse.organization, user=None)
    access = resolve(nurse.user, unlinked, Action.PROFILE)
    _invitation, token = invitations.patient_invite(access=access, actor=nurse.user, email=user.email)  # type: ignore[arg-type]
    sign_in(client, user)

    wrong = client.post("/welcome/", {"code": "nope"})
    right = client.post("/welcome/", {"code": token})

    assert wrong.status_code == 400 and "not valid" in wrong.content.decode()
    assert right["Location"] == f"/p/{unlinked.pk}/"
    unlinked.refresh_from_db()
    assert unlinked.user == user
    assert PatientInvitation.objects.get().used_by == user


def test_under_12_has_no_self_sharing_and_staff_see_the_guardian_form(client, nurse) -> None:
    child = PatientFactory(home_organization=nurse.organization, birth_date=born_years_ago(8), user=None)
    sign_in(client, nurse.user, second_factor=True)

    page = client.get(f"/staff/patients/{child.pk}/").content.decode()
    response = client.post(
        f"/staff/patients/{child.pk}/guardian/",
        {"name": "Pat Parent", "email": "parent@example.org", "relationship": "mother", "scopes": ["records"]},
    )

    assert "Add a parent or guardian" in page
    assert response.status_code == 302
    assert child.proxy_grants.get().is_guardian is True


@pytest.mark.parametrize("language", ["en", "es"])
def test_404_page_is_friendly_translated_and_has_no_trace(client, patient, language: str) -> None:
    patient.user.language = language
    patient.user.save()
    sign_in(client, patient.user)

    response = client.get("/p/00000000-0000-0000-0000-000000000000/")

    page = response.content.decode()
    assert response.status_code == 404
    assert ("We couldn't find that page" if language == "en" else "No encontramos esa página") in page
    assert "Traceback" not in page


def test_500_page_is_friendly_and_has_no_trace(rf) -> None:
    from portal.views.errors import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readiness_reports_redis_down(client, settings) -> None:
    # Nothing listens on port 1: a real connection failure, as when Redis is down.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"


@pytest.mark.parametrize(
    ("remote", "forwarded", "recorded"),
    [
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # from the trusted proxy
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),  # a client forging the header
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_audit_records_the_client_ip_only_through_a_trusted_proxy(
    client, patient, settings, remote: str, forwarded: str, recorded: str
) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    sign_in(client, patient.user)

    client.get(f"/p/{patient.pk}/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    # The home page's events (the profile, and the cards it shows) all carry the client's address.
    assert set(AuditEvent.objects.values_list("ip", flat=True)) == {recorded}


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Version/17.0 Safari/604.1",
            "Safari on iPhone",
        ),
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36", "Chrome on Android"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36 Edg/120",
            "Edge on Windows",
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Mac"),
        ("", "Unknown browser"),
    ],
)
def test_sessions_are_named_by_browser_and_system(user_agent: str, label: str) -> None:
    from portal.templatetags.portal_tags import device_label

    assert device_label(user_agent) == label


def test_a_stale_form_gets_a_plain_explanation(patient) -> None:
    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, patient.user)

    response = strict.post("/account/", {"language": "es"})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.language == "en"
