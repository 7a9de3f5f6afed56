"""The second factor: enrolment with a QR code, verification, recovery codes, staff enforcement."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.factories import PASSWORD
from portal.models import AuditEvent
from portal.services.errors import ServiceError
from portal.services.two_factor import recovery_codes_replace
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
    TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    code = recovery_codes_replace(user=patient.user)[0]
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


# --- A password alone must not get past the second factor (issue "Trust repairs", part 1) ---------


def _staff_with_app(nurse) -> TOTPDevice:
    return TOTPDevice.objects.create(user=nurse.user, name="phone", confirmed=True)


def test_attack_a_password_alone_cannot_mint_recovery_codes_and_pass_with_one(client, nurse, patient) -> None:
    _staff_with_app(nurse)
    _log_in(client, nurse.user)

    minted = client.post("/account/two-factor/recovery-codes/")
    # Whatever codes the attack made, it now tries the first of them.
    stolen = list(StaticToken.objects.filter(device__user=nurse.user).values_list("token", flat=True))
    verify = client.post("/account/two-factor/verify/", {"code": (stolen or ["00000000"])[0]})
    staff_page = client.get("/staff/")

    assert minted.status_code == 302
    assert minted["Location"] == "/account/two-factor/verify/?next=%2Faccount%2Ftwo-factor%2Frecovery-codes%2F"
    assert stolen == []
    assert verify.status_code == 400
    assert staff_page.status_code == 302
    assert staff_page["Location"].startswith("/account/two-factor/verify/")
    assert AuditEvent.objects.filter(actor=nurse.user).count() == 0


def test_attack_a_password_alone_cannot_enrol_the_attackers_authenticator(client, nurse, patient) -> None:
    own = _staff_with_app(nurse)
    _log_in(client, nurse.user)

    setup_page = client.get("/account/two-factor/setup/")
    # The attack scans whatever new secret the page made, and answers with its own code.
    attackers = TOTPDevice.objects.filter(user=nurse.user, confirmed=False).first() or TOTPDevice(user=nurse.user)
    confirm = client.post("/account/two-factor/setup/", {"code": _code(attackers)})
    staff_page = client.get("/staff/")

    assert setup_page.status_code == 302 and setup_page["Location"].startswith("/account/two-factor/verify/")
    assert "secret" not in (setup_page.context or {})
    assert confirm.status_code == 302 and confirm["Location"].startswith("/account/two-factor/verify/")
    assert list(TOTPDevice.objects.filter(user=nurse.user)) == [own]
    assert staff_page.status_code == 302


def test_a_password_alone_cannot_remove_a_device(client, nurse) -> None:
    _staff_with_app(nurse)
    second = TOTPDevice.objects.create(user=nurse.user, name="tablet", confirmed=True)
    _log_in(client, nurse.user)

    response = client.post(f"/account/two-factor/devices/{second.pk}/remove/")

    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/verify/")
    assert TOTPDevice.objects.filter(user=nurse.user, confirmed=True).count() == 2


def test_a_patient_with_an_app_cannot_change_it_before_the_code(client, patient) -> None:
    device = TOTPDevice.objects.create(user=patient.user, name="phone", confirmed=True)
    _log_in(client, patient.user)

    removed = client.post(f"/account/two-factor/devices/{device.pk}/remove/")
    minted = client.post("/account/two-factor/recovery-codes/")
    setup = client.get("/account/two-factor/setup/")

    for response in (removed, minted, setup):
        assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/verify/")
    assert list(TOTPDevice.objects.filter(user=patient.user)) == [device]
    assert StaticToken.objects.count() == 0


def test_the_staff_api_refuses_a_session_that_skipped_the_code_with_a_reason(client, nurse, patient) -> None:
    _staff_with_app(nurse)
    _log_in(client, nurse.user)

    response = client.get(f"/api/v1/patients/{patient.pk}/")

    assert response.status_code == 403
    assert response.json() == {"detail": "Enter the code from your authenticator app in the portal first."}


def test_a_patient_without_two_step_sign_in_is_unaffected(client, patient) -> None:
    _log_in(client, patient.user)

    assert client.get(f"/p/{patient.pk}/").status_code == 200
    assert client.get("/account/security/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/account/two-factor/setup/").status_code == 200


def test_without_an_app_recovery_codes_are_refused(client, patient) -> None:
    _log_in(client, patient.user)

    response = client.post("/account/two-factor/recovery-codes/")

    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/setup/")
    assert StaticToken.objects.count() == 0
    with pytest.raises(ServiceError):
        recovery_codes_replace(user=patient.user)


def test_a_new_staff_member_enrols_their_first_app_and_is_told(
    client, nurse, mailoutbox, django_capture_on_commit_callbacks, eager_tasks
) -> None:
    _log_in(client, nurse.user)
    sent_to_setup = client.get("/staff/")
    page = client.get("/account/two-factor/setup/")
    device = TOTPDevice.objects.get(user=nurse.user)

    with django_capture_on_commit_callbacks(execute=True):
        enrolled = client.post("/account/two-factor/setup/", {"code": _code(device), "next": "/staff/"})

    assert sent_to_setup["Location"] == "/account/two-factor/setup/?next=%2Fstaff%2F"
    assert page.status_code == 200
    assert len(enrolled.context["codes"]) == 10
    assert client.get("/staff/").status_code == 200
    events = list(AuditEvent.objects.filter(actor=nurse.user).order_by("pk"))
    assert [(e.action, e.object_type, e.acting_as, e.patient_id) for e in events] == [
        ("create", "otp_totp.TOTPDevice", "staff", None),
        ("update", "otp_static.StaticDevice", "staff", None),
    ]
    assert [(m.to, m.subject) for m in mailoutbox] == [([nurse.user.email], "Your two-step sign-in changed")]
    assert "An authenticator app was added to your account." in mailoutbox[0].body
    _assert_no_secrets(mailoutbox[0].body, device, enrolled.context["codes"])


def _assert_no_secrets(body: str, device: TOTPDevice, codes: list[str]) -> None:
    from portal.services.two_factor import readable_secret

    assert device.key not in body.lower()
    assert readable_secret(device).replace(" ", "") not in body.replace(" ", "")
    assert not [code for code in codes if code in body]


def test_a_verified_session_makes_new_codes_audited_and_emailed(
    client, nurse, mailoutbox, django_capture_on_commit_callbacks, eager_tasks
) -> None:
    sign_in(client, nurse.user, second_factor=True)
    device = TOTPDevice.objects.get(user=nurse.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/two-factor/recovery-codes/")

    codes = response.context["codes"]
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=nurse.user).count() == 10
    event = AuditEvent.objects.get(actor=nurse.user)
    assert (event.action, event.object_type, event.acting_as) == ("update", "otp_static.StaticDevice", "staff")
    assert len(mailoutbox) == 1
    assert "New recovery codes were made for your account." in mailoutbox[0].body
    assert "http://" in mailoutbox[0].body and "/account/security/" in mailoutbox[0].body
    _assert_no_secrets(mailoutbox[0].body, device, codes)


def test_a_verified_session_adds_a_second_app(
    client, nurse, mailoutbox, django_capture_on_commit_callbacks, eager_tasks
) -> None:
    sign_in(client, nurse.user, second_factor=True)
    page = client.get("/account/two-factor/setup/")
    new = TOTPDevice.objects.get(user=nurse.user, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/two-factor/setup/", {"code": _code(new)})

    assert page.status_code == 200
    assert TOTPDevice.objects.filter(user=nurse.user, confirmed=True).count() == 2
    assert AuditEvent.objects.filter(actor=nurse.user, action="create", object_id=str(new.pk)).count() == 1
    assert len(mailoutbox) == 1


def test_a_verified_session_removes_a_device_audited_and_emailed(
    client, nurse, mailoutbox, django_capture_on_commit_callbacks, eager_tasks
) -> None:
    sign_in(client, nurse.user, second_factor=True)
    second = TOTPDevice.objects.create(user=nurse.user, name="tablet", confirmed=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/account/two-factor/devices/{second.pk}/remove/")

    assert response.status_code == 302 and response["Location"] == "/account/security/"
    assert not TOTPDevice.objects.filter(pk=second.pk).exists()
    event = AuditEvent.objects.get(actor=nurse.user)
    assert (event.action, event.object_type, event.object_id) == ("delete", "otp_totp.TOTPDevice", str(second.pk))
    assert len(mailoutbox) == 1
    assert "An authenticator app was removed from your account." in mailoutbox[0].body
