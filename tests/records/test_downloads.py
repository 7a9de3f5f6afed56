"""Downloads of the record: a paginated PDF with the patient on every page, and a FHIR R4 Bundle
holding only what the downloader may see, each written to the audit log once."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from portal import dates
from portal.factories import PatientFactory, ProxyGrantFactory, UserFactory, born_years_ago
from portal.models import AuditEvent, Patient, Scope
from records.downloads import FHIR_EXPORT, PDF_EXPORT, SECTION_SLUGS, organization_uri
from records.factories import RecordItemFactory, SourceRecordFactory
from records.models import RecordItem, SourceRecord
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE
from tests.records.test_import import run_import

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind


def _url(patient: Patient) -> str:
    return f"/p/{patient.pk}/record/download/"


def _imported_patient(source) -> Patient:
    """Michael Kihn from the Synthea bundle, with a portal account of his own."""
    run_import(source, BUNDLE)
    patient = Patient.objects.get()
    patient.user = UserFactory()
    patient.save()
    return patient


def _download(client, patient: Patient, fmt: str, **fields: Any):
    data = {"format": fmt, "sections": list(SECTION_SLUGS), **fields}
    return client.post(_url(patient), data)


def _pages(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def _bundle(response) -> dict[str, Any]:
    return json.loads(response.content)


def _resource_ids(bundle: dict[str, Any], resource_type: str) -> set[str]:
    return {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type}


def test_the_pdf_names_the_patient_and_the_date_on_every_page(client, source) -> None:
    patient = _imported_patient(source)
    sign_in(client, patient.user)

    response = _download(client, patient, "pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="health-record-michael-kihn-')
    assert "no-store" in response["Cache-Control"]
    pages = _pages(response)
    assert len(pages) > 1
    today = timezone.localtime(timezone.now(), ZoneInfo(patient.home_organization.time_zone)).date()
    with translation.override("en"):
        born, created = (dates.format_date(day) for day in (date(1981, 2, 19), today))
    for number, text in enumerate(pages, start=1):
        assert "Michael Kihn" in text, number
        assert f"Born {born}" in text, number
        assert f"Created {created}" in text, number
        assert f"Page {number} of {len(pages)}" in text, number


def test_the_pdf_cover_lists_sources_and_results_with_value_unit_range_and_date(client, patient) -> None:
    RecordItemFactory(
        patient=patient,
        source=patient.home_organization,
        display="Hemoglobin A1c",
        value_number="7.2",
        unit="%",
        reference_low="4.0",
        reference_high="5.6",
        interpretation="H",
        effective_at=datetime(2024, 3, 5, 15, 0, tzinfo=UTC),
    )
    sign_in(client, patient.user)

    text = "\n".join(_pages(_download(client, patient, "pdf")))

    assert patient.home_organization.name in text
    assert "Test results and vital signs" in text
    assert "7.2" in text
    assert "4 – 5.6" in text
    assert "Higher than usual" in text
    assert "Tue 5 Mar 2024" in text


def test_a_pdf_download_is_audited_once(client, patient) -> None:
    RecordItemFactory(patient=patient, source=patient.home_organization)
    sign_in(client, patient.user)

    _download(client, patient, "pdf")

    events = list(AuditEvent.objects.filter(patient=patient, action=AuditEvent.Action.DOWNLOAD))
    assert [(e.object_type, e.actor_id, e.acting_as, e.scope) for e in events] == [
        (PDF_EXPORT, patient.user.pk, AuditEvent.ActingAs.SELF, Scope.RECORDS)
    ]


def test_downloads_read_as_sentences_on_the_activity_page(client, patient) -> None:
    RecordItemFactory(patient=patient, source=patient.home_organization)
    sign_in(client, patient.user)
    _download(client, patient, "pdf")
    _download(client, patient, "fhir")

    page = client.get(f"/p/{patient.pk}/activity/").content.decode()

    assert "You downloaded the health record as a PDF." in page
    assert "You downloaded the health record as a FHIR file." in page


def test_the_fhir_bundle_is_valid_r4_and_holds_every_visible_resource(client, source) -> None:
    patient = _imported_patient(source)
    sign_in(client, patient.user)

    response = _download(client, patient, "fhir")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"].startswith('attachment; filename="health-record-michael-kihn-')
    assert response["Content-Disposition"].endswith('.json"')
    bundle = _bundle(response)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    assert bundle["type"] == "collection"
    items = RecordItem.objects.filter(patient=patient)
    expected = {(i.record.resource_type, i.record.resource_id) for i in items.select_related("record")}
    got = {
        (e["resource"]["resourceType"], e["resource"]["id"])
        for e in bundle["entry"]
        if e["resource"]["resourceType"] not in ("Patient", "Organization")
    }
    assert got == expected
    assert _resource_ids(bundle, "Patient") == {str(patient.pk)}
    assert all(e["resource"]["meta"]["source"] == organization_uri(source) for e in bundle["entry"][2:])
    organizations = {
        e["fullUrl"]: e["resource"]["name"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Organization"
    }
    assert organizations[organization_uri(source)] == "Riverside Cardiology"


def test_the_bundles_resources_point_at_the_portal_patient(client, source) -> None:
    patient = _imported_patient(source)
    sign_in(client, patient.user)

    bundle = _bundle(_download(client, patient, "fhir"))

    subjects = {
        e["resource"]["subject"]["reference"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    }
    assert subjects == {f"urn:uuid:{patient.pk}"}
    assert bundle["entry"][0]["fullUrl"] == f"urn:uuid:{patient.pk}"
    patient_resource = bundle["entry"][0]["resource"]
    assert patient_resource["birthDate"] == "1981-02-19"
    assert patient_resource["name"][0] == {"use": "official", "family": "Kihn", "given": ["Michael"]}


def _report_with_results(patient: Patient) -> tuple[RecordItem, RecordItem, RecordItem]:
    """A released report naming two results, one released and one held for review."""
    source = patient.home_organization
    shown = RecordItemFactory(patient=patient, source=source, record__resource_id="shown-obs")
    held = RecordItemFactory(
        patient=patient, source=source, record__resource_id="held-obs", release=RecordItem.Release.HELD
    )
    record = SourceRecordFactory(
        patient=patient,
        source=source,
        resource_type="DiagnosticReport",
        resource_id="panel",
        raw={
            "resourceType": "DiagnosticReport",
            "id": "panel",
            "status": "final",
            "code": {"text": "Panel"},
            "result": [{"reference": "Observation/shown-obs"}, {"reference": "Observation/held-obs"}],
        },
    )
    report = RecordItemFactory(patient=patient, source=source, record=record, kind=Kind.REPORT, display="Panel")
    return shown, held, report


def test_held_results_and_references_to_them_stay_out_of_the_bundle(client, patient) -> None:
    _report_with_results(patient)
    sign_in(client, patient.user)

    bundle = _bundle(_download(client, patient, "fhir"))

    assert _resource_ids(bundle, "Observation") == {"shown-obs"}
    report = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
    assert report["result"] == [{"reference": "Observation/shown-obs"}]
    assert "held-obs" not in json.dumps(bundle)


def test_a_teens_caregiver_gets_no_confidential_items_in_either_file(client) -> None:
    teen = PatientFactory(birth_date=born_years_ago(15))
    RecordItemFactory(patient=teen, source=teen.home_organization, display="Ordinary", record__resource_id="plain")
    RecordItemFactory(
        patient=teen,
        source=teen.home_organization,
        kind=Kind.PROBLEM,
        display="Secret problem",
        confidential=True,
        record__resource_id="secret",
    )
    guardian = ProxyGrantFactory(patient=teen, scopes=[Scope.RECORDS]).grantee
    sign_in(client, guardian)

    bundle = _bundle(_download(client, teen, "fhir"))
    text = "\n".join(_pages(_download(client, teen, "pdf")))

    assert _resource_ids(bundle, "Observation") == {"plain"}
    assert "secret" not in json.dumps(bundle)
    assert "Secret problem" not in text
    events = AuditEvent.objects.filter(patient=teen, action=AuditEvent.Action.DOWNLOAD)
    assert sorted(events.values_list("acting_as", "confidential", "object_type")) == [
        (AuditEvent.ActingAs.PROXY, False, FHIR_EXPORT),
        (AuditEvent.ActingAs.PROXY, False, PDF_EXPORT),
    ]


def test_the_teen_downloading_confidential_items_is_hidden_from_their_caregiver(client) -> None:
    teen = PatientFactory(birth_date=born_years_ago(15))
    RecordItemFactory(patient=teen, source=teen.home_organization, confidential=True)
    sign_in(client, teen.user)

    _download(client, teen, "fhir")

    event = AuditEvent.objects.get(patient=teen, action=AuditEvent.Action.DOWNLOAD)
    assert event.confidential is True


def test_a_date_range_keeps_only_items_within_it(client, patient) -> None:
    source = patient.home_organization  # America/Chicago
    for rid, moment in (
        ("before", datetime(2023, 12, 31, 12, 0, tzinfo=UTC)),
        ("first-day", datetime(2024, 1, 1, 7, 0, tzinfo=UTC)),  # 1 a.m. in Chicago
        ("last-day", datetime(2024, 2, 1, 5, 30, tzinfo=UTC)),  # 11:30 p.m. on 31 January in Chicago
        ("after", datetime(2024, 2, 1, 6, 30, tzinfo=UTC)),  # 12:30 a.m. on 1 February in Chicago
    ):
        RecordItemFactory(patient=patient, source=source, effective_at=moment, record__resource_id=rid)
    RecordItemFactory(patient=patient, source=source, effective_at=None, record__resource_id="undated")
    sign_in(client, patient.user)

    bundle = _bundle(_download(client, patient, "fhir", since="2024-01-01", until="2024-01-31"))

    assert _resource_ids(bundle, "Observation") == {"first-day", "last-day"}


def test_only_the_chosen_sections_are_included(client, patient) -> None:
    source = patient.home_organization
    RecordItemFactory(patient=patient, source=source, record__resource_id="a1c")
    problem = SourceRecordFactory(patient=patient, source=source, resource_type="Condition", resource_id="asthma")
    RecordItemFactory(patient=patient, source=source, record=problem, kind=Kind.PROBLEM, display="Asthma")
    sign_in(client, patient.user)

    response = client.post(_url(patient), {"format": "fhir", "sections": ["problems"]})

    bundle = _bundle(response)
    assert _resource_ids(bundle, "Condition") == {"asthma"}
    assert _resource_ids(bundle, "Observation") == set()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"since": "2024-03-01", "until": "2024-02-01"}, "until", "Choose an end date after the start date."),
        ({"since": "2999-01-01"}, "since", "Choose a start date that is not in the future."),
        ({"since": "not a date"}, "since", "Enter a valid date."),
        ({"sections": []}, "sections", "Choose at least one part of the record."),
        ({"format": "docx"}, "format", "Select a valid choice. docx is not one of the available choices."),
    ],
)
def test_bad_choices_are_explained_and_nothing_is_downloaded(client, patient, fields, field, message) -> None:
    sign_in(client, patient.user)
    data = {"format": "pdf", "sections": list(SECTION_SLUGS), **fields}

    response = client.post(_url(patient), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).exists()


def test_the_download_page_offers_sharing_only_to_the_patient(client, patient) -> None:
    proxy = ProxyGrantFactory(patient=patient, scopes=[Scope.RECORDS]).grantee
    sign_in(client, patient.user)
    own = client.get(_url(patient)).content.decode()
    sign_in(client, proxy)
    theirs = client.get(_url(patient)).content.decode()

    share = f"/p/{patient.pk}/record/share/"
    assert share in own
    assert share not in theirs


def test_a_source_record_left_without_an_item_is_never_exported(client, patient) -> None:
    SourceRecordFactory(patient=patient, source=patient.home_organization, resource_type="Claim", resource_id="c1")
    RecordItemFactory(patient=patient, source=patient.home_organization)
    sign_in(client, patient.user)

    bundle = _bundle(_download(client, patient, "fhir"))

    assert _resource_ids(bundle, "Claim") == set()
    assert SourceRecord.objects.filter(resource_type="Claim").count() == 1


def test_the_pdf_is_in_the_patients_language(client, patient) -> None:
    patient.preferred_language = "es"
    patient.birth_date = date(1981, 2, 19)
    patient.save()
    RecordItemFactory(patient=patient, source=patient.home_organization)
    sign_in(client, patient.user)  # the portal itself shown in English

    pages = _pages(_download(client, patient, "pdf"))

    assert all("jue 19 feb 1981" in text for text in pages)
