"""A teenager's confidential care on the bill: her parent (a billing proxy) sees the amounts, never
what the care was, who gave it or its codes, on every billing page and PDF; she sees everything."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Account, Charge
from billing.services.charges import charge_self_pay_create
from billing.services.statements import statement_issue
from portal.factories import PatientFactory, ProxyGrantFactory, born_years_ago
from portal.models import Patient, User
from records.factories import RecordItemFactory, SourceRecordFactory
from records.models import RecordItem
from tests.conftest import sign_in
from tests.records.test_minor_consent import pdf_text

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"


@pytest.fixture
def teen() -> Patient:
    return PatientFactory(birth_date=born_years_ago(15))


@pytest.fixture
def parent(teen: Patient) -> User:
    grant = ProxyGrantFactory(patient=teen, relationship="father", made_on_minor=True)
    return grant.grantee


def _charge(teen: Patient, *, display: str, code: str = "", cents: int, reference: str) -> Charge:
    return charge_self_pay_create(
        patient_id=teen.pk,
        organization_id=teen.home_organization_id,
        service_display=display,
        service_code=code,
        amount_cents=cents,
        service_date=date(2026, 11, 20),
        reference=reference,
        provider_name="Teen Health Clinic",
    )


def _set_system(charge: Charge, system: str) -> None:
    charge.lines.update(service_system=system)


def _pages(client: Client, teen: Patient) -> str:
    account = Account.objects.get(patient=teen)
    statement = statement_issue(account_id=account.pk)
    assert statement is not None
    home = client.get(reverse("billing_home", args=[teen.pk]))
    page = client.get(reverse("billing_statement", args=[teen.pk, statement.pk]))
    pdf = client.get(reverse("billing_statement_pdf", args=[teen.pk, statement.pk]))
    assert (home.status_code, page.status_code, pdf.status_code) == (200, 200, 200)
    return home.content.decode() + page.content.decode() + pdf_text(pdf.content)


def test_a_parent_sees_a_coded_confidential_service_as_neutral_clinic_services(teen: Patient, parent: User) -> None:
    secret = _charge(teen, display="Counseling for anxiety", code="197480006", cents=4_000, reference="v1")
    _set_system(secret, SNOMED)
    _charge(teen, display="Sports physical", cents=6_000, reference="v2")

    text = _pages(sign_in(Client(), parent), teen)

    assert "Counseling for anxiety" not in text
    assert "Clinic services" in text
    assert "Sports physical" in text
    assert "$100.00" in text  # the total still adds up: the parent is the guarantor


def test_a_parent_does_not_see_a_charge_for_a_visit_records_marks_confidential(teen: Patient, parent: User) -> None:
    secret = _charge(teen, display="Office visit, established patient", cents=4_000, reference="v1")
    Charge.objects.filter(pk=secret.pk).update(encounter_ref="enc-9")
    RecordItemFactory(
        patient=teen,
        source=teen.home_organization,
        record=SourceRecordFactory(
            patient=teen, source=teen.home_organization, resource_type="Encounter", resource_id="enc-9"
        ),
        kind=RecordItem.Kind.VISIT,
        confidential=True,
        confidential_by=RecordItem.ConfidentialBy.RULE,
    )

    text = _pages(sign_in(Client(), parent), teen)

    assert "Office visit, established patient" not in text
    assert "Teen Health Clinic" not in text
    assert "Clinic services" in text


def test_the_teen_herself_sees_her_confidential_service(teen: Patient, parent: User) -> None:
    secret = _charge(teen, display="Counseling for anxiety", code="197480006", cents=4_000, reference="v1")
    _set_system(secret, SNOMED)

    text = _pages(sign_in(Client(), teen.user), teen)

    assert "Counseling for anxiety" in text
    assert "Teen Health Clinic" in text


def test_an_estimate_for_care_a_minor_consents_to_alone_is_confidential() -> None:
    from billing.models import GoodFaithEstimate
    from billing.selectors.patient_estimates import confidential_estimate

    counseling = GoodFaithEstimate(content={"items": [{"code": "90834", "diagnosis_codes": ["F41.1"]}]})
    checkup = GoodFaithEstimate(content={"items": [{"code": "99213", "diagnosis_codes": ["Z00.00"]}]})

    assert confidential_estimate(counseling) is True
    assert confidential_estimate(checkup) is False
