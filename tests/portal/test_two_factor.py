"""The second factor: enrolment with a QR code, verification, recovery codes, staff enforcement."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.factories import PASSWORD
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _log_in(client, user) -> object:
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def test_patient_enrols_and_gets_ten_recovery_codes(client, patient) -> None:
    sign_in(client, patient.user)
    page = client.get("/account/two-factor/setup/")
    device = TOTPDevice.objects.get(user=patient.user)

    response = client.post("/account/two-factor/setup/", {"code": _code(device)})

    assert "<svg" in page.content.decode()
    device.refresh_from_db()
    assert device.confirmed is True
    assert len(response.context["codes"]) == 10


def test_a_wrong_enrolment_code_says_so_and_enrols_nothing(client, patient) -> None:
    sign_in(client, patient.user)
    client.get("/account/two-factor/setup/")

    response = client.post("/account/two-factor/setup/", {"code": "000000"})

    assert response.status_code == 400
    assert "did not match" in response.content.decode()
    assert TOTPDevice.objects.filter(confirmed=True).count() == 0


def test_after_the_password_an_enrolled_user_must_enter_a_code(client, patient, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # throttling has its own test below
    device = TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    _log_in(client, patient.user)

    blocked = client.get(f"/p/{patient.pk}/")
    wrong = client.post("/account/two-factor/verify/", {"code": "123456", "next": f"/p/{patient.pk}/"})
    right = client.post("/account/two-factor/verify/", {"code": _code(device), "next": f"/p/{patient.pk}/"})

    assert blocked.status_code == 302 and blocked["Location"].startswith("/account/two-factor/verify/")
    assert wrong.status_code == 400 and "did not work" in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == f"/p/{patient.pk}/"
    assert client.get(f"/p/{patient.pk}/").status_code == 200


def test_a_recovery_code_works_once(client, patient) -> None:
    from portal.services.two_factor import recovery_codes_replace

    TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    code = recovery_codes_replace(patient.user)[0]
    _log_in(client, patient.user)

    first = client.post("/account/two-factor/verify/", {"code": code})
    client.logout()
    _log_in(client, patient.user)
    second = client.post("/account/two-factor/verify/", {"code": code})

    assert first.status_code == 302
    assert second.status_code == 400


def test_staff_without_a_second_factor_are_sent_to_enrol(client, nurse) -> None:
    _log_in(client, nurse.user)

    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/setup/")


def test_staff_pages_refuse_a_session_that_skipped_the_code(client, nurse, patient) -> None:
    TOTPDevice.objects.create(user=nurse.user, name="phone", confirmed=True)
    sign_in(client, nurse.user)

    for url in ("/staff/", f"/staff/patients/{patient.pk}/", f"/api/v1/patients/{patient.pk}/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert patient.family_name not in response.content.decode()


def test_staff_cannot_remove_their_only_second_factor(client, nurse) -> None:
    sign_in(client, nurse.user, second_factor=True)
    device = TOTPDevice.objects.get(user=nurse.user)

    client.post(f"/account/two-factor/devices/{device.pk}/remove/")

    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_wrong_codes_throttle_further_attempts(client, patient) -> None:
    device = TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    _log_in(client, patient.user)

    client.post("/account/two-factor/verify/", {"code": "123456"})
    right_too_soon = client.post("/account/two-factor/verify/", {"code": _code(device)})

    assert right_too_soon.status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # refused by the throttle, not counted as a guess


def test_before_the_code_the_page_shows_no_name_and_no_navigation(client, patient) -> None:
    TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    _log_in(client, patient.user)

    page = client.get("/account/two-factor/verify/").content.decode()

    assert patient.family_name not in page
    assert 'class="main-nav"' not in page
