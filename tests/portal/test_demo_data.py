"""Tests of the demo clinic: idempotent, a family with guardians, a caregiver, every staff role, verified logins."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.access import Action, resolve
from portal.management.commands import demo_data
from portal.models import (
    AuditEvent,
    CareTeamMembership,
    Organization,
    Patient,
    ProxyGrant,
    Scope,
    StaffMember,
    StaffRole,
    User,
)

DEMO_MODELS: tuple[type[Model], ...] = (
    User,
    EmailAddress,
    TOTPDevice,
    Organization,
    StaffMember,
    Patient,
    CareTeamMembership,
    ProxyGrant,
    AuditEvent,
)


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in DEMO_MODELS}


@pytest.mark.django_db
def test_a_second_run_creates_and_changes_nothing() -> None:
    call_command("demo_data", quiet=True)
    first = row_counts()

    tally = demo_data.build_demo_clinic()
    out = StringIO()
    call_command("demo_data", stdout=out)

    assert first == {
        "User": 14,
        "EmailAddress": 14,
        "TOTPDevice": 9,
        "Organization": 4,
        "StaffMember": 9,
        "Patient": 20,
        "CareTeamMembership": 24,
        "ProxyGrant": 3,
        # Demo messaging and scheduling run through their services, which audit every write:
        # 24 past conversations (sent, answered, closed: 72, and one late thread handed to the
        # team lead), three current ones (three sent, one answered), three visits booked, the
        # demo's paid statement (its payment), the demo refill requests' steps (40: a cancellation,
        # a bridge supply, a renewal to the annual visit and a pharmacy's renewal with its
        # conversation among them), the self-pay patient's Good Faith Estimate (her coverage
        # said, the request, the estimate: 3) and her payment plan (1).
        "AuditEvent": 125,
    }
    assert row_counts() == first
    assert (tally.created, tally.updated) == (Counter(), Counter())
    assert out.getvalue().startswith("Demo clinic already up to date: nothing changed.\n")


@pytest.mark.django_db
def test_quiet_prints_nothing() -> None:
    out = StringIO()

    call_command("demo_data", quiet=True, stdout=out)

    assert out.getvalue() == ""


@pytest.mark.django_db
def test_the_parent_is_an_active_guardian_of_both_children() -> None:
    call_command("demo_data", quiet=True)
    parent = User.objects.get(email=demo_data.PARENT_EMAIL)
    today = timezone.localdate()

    grants = list(ProxyGrant.objects.filter(grantee=parent).select_related("patient").order_by("patient__birth_date"))

    assert [(grant.patient.given_name, grant.patient.age_on(today)) for grant in grants] == [("Emma", 15), ("Noah", 8)]
    for grant in grants:
        assert grant.status == ProxyGrant.Status.ACTIVE
        assert grant.is_guardian is True
        assert grant.made_on_minor is True
        assert grant.accepted_at is not None
        assert grant.ends_at is None
        assert grant.scopes == list(Scope.values)
        assert grant.granted_by.email == demo_data.FRONT_DESK_EMAIL
        access = resolve(parent, grant.patient, Action.BILLING)
        assert access is not None
        assert access.acting_as == AuditEvent.ActingAs.PROXY
    assert parent.patient.mrn == demo_data.MRN_PARENT


@pytest.mark.django_db
def test_the_elderly_patients_daughter_has_exactly_the_four_scopes() -> None:
    call_command("demo_data", quiet=True)
    caregiver = User.objects.get(email=demo_data.CAREGIVER_EMAIL)

    grant = ProxyGrant.objects.select_related("patient").get(grantee=caregiver)

    assert grant.patient.mrn == demo_data.MRN_ELDER
    assert grant.patient.age_on(timezone.localdate()) == 84
    assert grant.status == ProxyGrant.Status.ACTIVE
    assert grant.is_guardian is False
    assert grant.made_on_minor is False
    assert grant.relationship == "Daughter"
    assert grant.scopes == ["records", "messaging", "scheduling", "refills"]
    assert Patient.objects.filter(user=caregiver).exists() is False
    assert resolve(caregiver, grant.patient, Action.REFILLS) is not None
    assert resolve(caregiver, grant.patient, Action.BILLING) is None


@pytest.mark.django_db
def test_every_staff_role_exists_with_a_confirmed_demo_authenticator() -> None:
    call_command("demo_data", quiet=True)

    roles = sorted(StaffMember.objects.values_list("role", flat=True).distinct())
    nurse = StaffMember.objects.select_related("user", "organization").get(user__email=demo_data.NURSE_EMAIL)
    staff_users = set(StaffMember.objects.values_list("user_id", flat=True))
    demo_devices = TOTPDevice.objects.filter(confirmed=True, key=demo_data.DEMO_TOTP_KEY)

    assert roles == sorted(StaffRole.values)
    assert (nurse.role, nurse.signature, nurse.organization.slug) == (StaffRole.NURSE, "Ana Lopez, RN", "lakeside")
    assert set(demo_devices.values_list("user_id", flat=True)) == staff_users
    assert demo_devices.count() == 9


@pytest.mark.django_db
def test_every_demo_user_has_a_verified_primary_email_and_the_demo_password() -> None:
    call_command("demo_data", quiet=True)

    users = list(User.objects.order_by("email"))
    verified = set(EmailAddress.objects.filter(verified=True, primary=True).values_list("user_id", "email"))

    assert verified == {(user.pk, user.email) for user in users}
    assert [user.email for user in users if not user.is_active] == []
    assert [user.email for user in users if not user.check_password(demo_data.DEMO_PASSWORD)] == []


@pytest.mark.django_db
def test_the_spanish_speaking_patient_signs_in_in_spanish() -> None:
    call_command("demo_data", quiet=True)

    user = User.objects.select_related("patient").get(email=demo_data.SPANISH_EMAIL)

    assert (user.language, user.patient.preferred_language) == ("es", "es")
    assert Patient.objects.filter(preferred_language="es").count() == 5


@pytest.mark.django_db
def test_each_patient_has_one_primary_physician() -> None:
    call_command("demo_data", quiet=True)

    primaries = CareTeamMembership.objects.filter(is_primary=True).select_related("staff")

    assert primaries.count() == Patient.objects.count() == 20
    assert {member.staff.role for member in primaries} == {StaffRole.PHYSICIAN}


@pytest.mark.django_db
def test_demo_otp_prints_a_code_the_nurses_device_accepts() -> None:
    call_command("demo_data", quiet=True)
    out = StringIO()

    call_command("demo_otp", demo_data.NURSE_EMAIL, stdout=out)

    code = out.getvalue().strip()
    device = TOTPDevice.objects.get(user__email=demo_data.NURSE_EMAIL)
    assert len(code) == 6
    assert device.verify_token(code) is True


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 4, 8), date(2010, 4, 9)),  # the day before the 16th birthday: still 15
        (date(2026, 4, 9), date(2011, 4, 9)),  # the 15th birthday itself
        (date(2026, 12, 31), date(2011, 4, 9)),
    ],
)
def test_birth_dates_follow_from_age_and_birthday(today: date, expected: date) -> None:
    born = demo_data.birth_date_for(15, (4, 9), today)

    assert born == expected
    assert Patient(birth_date=born).age_on(today) == 15
