"""Billing staff set a patient's coverage for their organization's care: insured with the
insurance on file, paying without insurance, or no insurance; validated with field errors, audited
once per change, own organization only; the patient sees the insurance on file."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from billing.factories import AccountFactory, account_owing
from billing.models import Account
from billing.services.estimates import coverage_of
from billing.services.staff import coverage_set
from portal.access import Access, Action, resolve
from portal.factories import StaffMemberFactory
from portal.models import AuditEvent, StaffRole, User
from portal.services.errors import ServiceError
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _clerk(account: Account) -> tuple[Access, User]:
    member = StaffMemberFactory(organization=account.organization, role=StaffRole.BILLING)
    account.patient.home_organization = account.organization
    account.patient.save(update_fields=["home_organization"])
    access = resolve(member.user, account.patient, Action.BILLING)
    assert access is not None
    return access, member.user


def _changes() -> int:
    return AuditEvent.objects.filter(object_type="billing.Coverage", action=AuditEvent.Action.UPDATE).count()


def test_insured_with_the_card_on_file_is_saved_audited_once_and_decides_estimates() -> None:
    account = account_owing(5_000)
    access, clerk = _clerk(account)

    for _ in range(2):
        coverage_set(
            access=access,
            actor=clerk,
            account_id=account.pk,
            coverage="insured",
            insurer_name="  Blue   Lake Health ",
            member_id="XK-100200",
            group_number="G77",
        )

    account.refresh_from_db()
    assert (account.coverage, account.insurer_name, account.insurance_member_id, account.insurance_group) == (
        "insured",
        "Blue Lake Health",
        "XK-100200",
        "G77",
    )
    assert account.coverage_changed_by == clerk
    assert _changes() == 1
    assert coverage_of(patient_id=account.patient_id, organization_id=account.organization_id) == "insured"


def test_no_insurance_clears_the_insurance_on_file() -> None:
    account = account_owing(5_000)
    access, clerk = _clerk(account)
    coverage_set(access=access, actor=clerk, account_id=account.pk, coverage="insured", insurer_name="Blue Lake")

    coverage_set(access=access, actor=clerk, account_id=account.pk, coverage="uninsured", insurer_name="Blue Lake")

    account.refresh_from_db()
    assert (account.coverage, account.insurer_name) == ("uninsured", "")
    assert _changes() == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"coverage": "insured"}, "insurer_name", "Name the insurance company, as on the card."),
        ({"coverage": "maybe"}, "coverage", "Choose one of the listed answers."),
        (
            {"coverage": "self_pay", "member_id": "XK 100;"},
            "member_id",
            "Enter it as on the card: letters, digits and dashes, up to 40 characters.",
        ),
        (
            {"coverage": "insured", "insurer_name": "Blue Lake", "group_number": "-" * 41},
            "group_number",
            "Enter it as on the card: letters, digits and dashes, up to 40 characters.",
        ),
    ],
)
def test_coverage_that_does_not_add_up_is_refused_with_a_field_error(
    fields: dict[str, Any], field: str, message: str
) -> None:
    account = account_owing(5_000)
    access, clerk = _clerk(account)

    with pytest.raises(ServiceError) as refused:
        coverage_set(access=access, actor=clerk, account_id=account.pk, **fields)

    assert (refused.value.field, refused.value.message) == (field, message)
    account.refresh_from_db()
    assert account.coverage == "unknown"
    assert _changes() == 0


def test_another_organizations_account_is_refused() -> None:
    account = account_owing(5_000)
    access, clerk = _clerk(account)
    elsewhere = AccountFactory(patient=account.patient)

    with pytest.raises(ServiceError, match="Only your own organization's accounts"):
        coverage_set(access=access, actor=clerk, account_id=elsewhere.pk, coverage="self_pay")


def test_the_database_refuses_a_member_id_that_is_not_one() -> None:
    account = account_owing(5_000)

    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(insurance_member_id="XK 100; DROP")


def test_staff_set_it_on_the_patients_billing_page_and_the_patient_sees_it() -> None:
    account = account_owing(5_000)
    _access, clerk = _clerk(account)
    client = sign_in(Client(), clerk, second_factor=True)
    page = reverse("billing_staff_patient", kwargs={"patient_id": account.patient_id})
    url = reverse("billing_staff_coverage", kwargs={"patient_id": account.patient_id, "account_id": account.pk})
    prefix = f"coverage-{account.pk}"

    refused = client.post(url, {f"{prefix}-coverage": "insured"})
    saved = client.post(url, {f"{prefix}-coverage": "insured", f"{prefix}-insurer_name": "Blue Lake Health"})
    shown = client.get(page).content.decode()
    home = sign_in(Client(), account.patient.user).get(
        reverse("billing_home", kwargs={"patient_id": account.patient_id})
    )

    assert refused.status_code == 400
    assert "Name the insurance company, as on the card." in refused.content.decode()
    assert saved.status_code == 302
    assert "Insured, billing insurance · Blue Lake Health" in shown
    assert "Blue Lake Health" in home.content.decode()
