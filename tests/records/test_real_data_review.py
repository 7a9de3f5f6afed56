"""What a reviewer trying real data found left of issue 15: a medicine two sources send in US Core's
two shapes is one line; a value of 10^12 is kept; staff read plain words, not PostgreSQL's or the
parser's; the served Patient gives each address once; `_format=xml` answers 406; `$everything`
serves the de-duplicated record."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import DataError, connection, transaction
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from portal.factories import OrganizationFactory, StaffMemberFactory, UserFactory
from portal.models import AuditEvent, Organization, Patient
from records.fhir_api.merged import MERGED
from records.models import ImportRun, RecordAttachment, RecordItem, SourcePatientLink, SourceRecord
from records.selectors.patient import GroupedLines
from records.services.imports import (
    UNREADABLE_RESOURCE,
    UNSTORABLE,
    import_run_create,
    import_run_execute,
    unstorable_message,
)
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, FIXTURES, SHARED, bundle_of, write_json

pytestmark = pytest.mark.django_db

FHIR = "/fhir/R4"
US_CORE = FIXTURES / "us-core"  # copied from ../shared/data/us-core-examples (CC0)
US_CORE_EXAMPLES = sorted(US_CORE.glob("*.json"))
# ../shared/data, from the main checkout or a worktree beside it (files written by others).
SHARED_DATA = next(
    (up / "shared" / "data" for up in Path(__file__).resolve().parents if (up / "shared" / "data").is_dir()),
    SHARED,
)


def example(name: str) -> dict[str, Any]:
    return json.loads((US_CORE / name).read_text())


def run_import(source: Organization, path: Path, *, create: bool = True) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=create)
    return import_run_execute(run_id=run.pk, path=path)


def as_server_bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


def also_from(second: Organization, first: Organization) -> None:
    """`second` knows every patient `first` sent by the same source id (as a match review decides)."""
    for record in SourceRecord.objects.filter(source=first, resource_type="Patient"):
        SourcePatientLink.objects.create(
            source=second, source_patient_id=record.resource_id, patient=record.patient, matched_by="review"
        )


@pytest.fixture
def two_sources(source, tmp_path) -> tuple[Organization, Organization]:
    """Every US Core example sent by two sources about the same people."""
    path = write_json(tmp_path, "us-core.json", as_server_bundle([json.loads(p.read_text()) for p in US_CORE_EXAMPLES]))
    assert run_import(source, path).status == ImportRun.Status.DONE
    other = OrganizationFactory(name="Lakeside Hospital", slug="lakeside")
    also_from(other, source)
    assert run_import(other, path, create=False).status == ImportRun.Status.DONE
    return source, other


def staff_of(source: Organization) -> Client:
    return sign_in(Client(), StaffMemberFactory(organization=source).user, second_factor=True)


def patient_example() -> Patient:
    return SourceRecord.objects.filter(resource_id="example", resource_type="Patient").first().patient


def lines_of(person: Patient, kind: str) -> int:
    return GroupedLines(RecordItem.objects.filter(patient=person, kind=kind)).count()


# --- 3. one medicine, whatever shape each source sent it in ------------------------------------------


def test_a_medicine_sent_contained_or_referenced_by_two_sources_is_one_line(two_sources) -> None:
    person = patient_example()
    axid = RecordItem.objects.filter(patient=person, display="Nizatidine 15 MG/ML Oral Solution [Axid]")

    # Contained (#med2) and referenced (Medication/uscore-med2): both read with the Medication's code.
    assert sorted(axid.values_list("code", flat=True)) == ["582620"] * 4
    assert len(set(axid.values_list("dedup_key", flat=True))) == 1
    # Nizatidine (generic), Axid and Tylenol PM: three medicines, each once, from two sources.
    assert RecordItem.objects.filter(patient=person, kind=RecordItem.Kind.MEDICATION).count() == 8
    assert lines_of(person, RecordItem.Kind.MEDICATION) == 3


def test_a_medicine_named_only_by_its_reference_is_one_line_across_sources(source, tmp_path) -> None:
    request = example("medicationrequest-referenced-oral-axid.json")  # its Medication is not sent
    path = write_json(tmp_path, "b.json", as_server_bundle([example("patient-example.json"), request]))
    run_import(source, path)
    other = OrganizationFactory(slug="lakeside")
    also_from(other, source)
    run_import(other, path, create=False)

    items = RecordItem.objects.filter(kind=RecordItem.Kind.MEDICATION)
    assert [(i.display, i.code) for i in items] == [("Nizatidine 15 MG/ML Oral Solution [Axid]", "")] * 2
    assert lines_of(Patient.objects.get(), RecordItem.Kind.MEDICATION) == 1


def test_two_prescriptions_of_one_source_are_never_merged_across_sources_into_one_resource(two_sources) -> None:
    """$everything pairs copies across sources only: each source's two Axid requests stay two."""
    source, _other = two_sources
    person = patient_example()

    served = everything(staff_of(source), person)

    axid = [r for r in served if r["resourceType"] == "MedicationRequest" and "axid" in json.dumps(r).lower()]
    assert len(axid) == 2
    assert all(any(t["system"] == MERGED for t in r["meta"]["tag"]) for r in axid)


# --- 5. a value too large to chart is kept, and said ---------------------------------------------------


def test_a_value_of_10_to_the_12_is_kept_as_sent_and_reported(source, tmp_path) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Ramos", "given": ["Ines"]}]}
    patient |= {"birthDate": "1970-02-03", "gender": "female"}
    observation = {
        "resourceType": "Observation",
        "id": "big",
        "status": "final",
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "26464-8", "display": "Leukocytes"}]},
        "effectiveDateTime": "2024-03-01T09:00:00Z",
        "valueQuantity": {"value": 10**12, "unit": "/L"},
    }

    run = run_import(source, write_json(tmp_path, "b.json", bundle_of(patient, observation)))

    item = RecordItem.objects.get(kind=RecordItem.Kind.OBSERVATION)
    assert (item.value_number, item.value_text, item.unit) == (None, "1000000000000", "/L")
    assert [(i.resource_id, i.message) for i in run.issues.all()] == [
        ("big", "The value 1000000000000 is too large to chart (10^10 or more); it is kept and shown as sent.")
    ]
    assert run.counts["Observation"] == {"created": 1}
    assert run.status == ImportRun.Status.DONE


# --- 4. staff read what is wrong, in plain words ----------------------------------------------------------


def test_a_resource_the_reader_trips_on_is_reported_in_plain_words(source, tmp_path, caplog) -> None:
    patient = example("patient-example.json")
    request = example("medicationrequest-coded-oral-axid.json") | {"dosageInstruction": ["take one daily"]}

    run = run_import(source, write_json(tmp_path, "b.json", as_server_bundle([patient, request])))

    (issue,) = run.issues.all()
    assert issue.message == UNREADABLE_RESOURCE
    assert "Error" not in issue.message
    assert "AttributeError" in caplog.text  # the detail is in the log


def test_a_value_postgresql_refuses_is_reported_in_plain_words() -> None:
    with pytest.raises(DataError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1/0")

    assert unstorable_message(refused.value) == UNSTORABLE["22"]
    assert "division" not in unstorable_message(refused.value)


def test_a_damaged_file_is_refused_in_plain_words(source, tmp_path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Pa')

    run = run_import(source, path)

    assert run.status == ImportRun.Status.FAILED
    assert run.failure.startswith("The file is not valid JSON: it is cut short or damaged")
    assert "premature" not in run.failure and "lexical" not in run.failure


# --- 6. each address once ---------------------------------------------------------------------------------


def test_the_same_address_from_two_sources_said_differently_is_served_once(source, tmp_path) -> None:
    first = example("patient-deceased-example.json")
    run_import(source, write_json(tmp_path, "a.json", as_server_bundle([first])))
    person = Patient.objects.get()
    # The portal's one-line address, and a second source's copy with a ZIP+4 and another state spelling.
    person.address = "49 Meadow St, Mounds, OK 74047"
    person.save()
    other = OrganizationFactory(slug="lakeside")
    also_from(other, source)
    second = first | {
        "address": [
            {"use": "home", "line": ["49 Meadow St."], "city": "Mounds", "state": "Oklahoma", "postalCode": "74047-12"}
        ]
    }
    run_import(other, write_json(tmp_path, "b.json", as_server_bundle([second])), create=False)

    served = staff_of(source).get(f"{FHIR}/Patient/{person.pk}").json()

    # The newest source's parts stand for the portal's line and the first source's spelling.
    assert served["address"] == second["address"]


# --- 7. formats ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("asked", ["xml", "application/fhir+xml", "text/html", "ttl"])
def test_a_format_other_than_json_answers_406_with_an_operation_outcome(client, asked) -> None:
    response = client.get(f"{FHIR}/metadata", {"_format": asked})

    assert response.status_code == 406
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-supported"
    get_fhir_model_class("OperationOutcome").model_validate(outcome)


@pytest.mark.parametrize("asked", ["json", "application/fhir+json", "application/json"])
def test_json_formats_are_answered(client, asked) -> None:
    response = client.get(f"{FHIR}/metadata", {"_format": asked})

    assert response.status_code == 200
    assert "json" in response.json()["format"]


def test_an_accept_header_for_xml_answers_406(client) -> None:
    response = client.get(f"{FHIR}/metadata", HTTP_ACCEPT="application/fhir+xml")

    assert response.status_code == 406
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_capability_statement_says_which_formats_are_served(client) -> None:
    statement = client.get(f"{FHIR}/metadata").json()

    assert statement["format"] == ["json", "application/fhir+json", "application/json"]
    assert "`_format=xml`" in statement["rest"][0]["documentation"]


# --- 8. $everything serves the de-duplicated record ---------------------------------------------------


def everything(client: Client, person: Patient) -> list[dict[str, Any]]:
    found, url = [], f"{FHIR}/Patient/{person.pk}/$everything?_count=200"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        Bundle.model_validate(page)
        found += [entry["resource"] for entry in page.get("entry", [])]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    return found


def test_everything_serves_each_item_once_however_many_sources_sent_it(two_sources) -> None:
    source, other = two_sources
    person = patient_example()
    one_source = Counter(
        SourceRecord.objects.filter(patient=person, source=source, item__isnull=False).values_list(
            "resource_type", flat=True
        )
    )

    # What no key can tell apart (an undated visit, a device without a UDI) is served from each source.
    unkeyed = Counter(
        SourceRecord.objects.filter(patient=person, source=other, item__dedup_key="").values_list(
            "resource_type", flat=True
        )
    )

    served = everything(staff_of(source), person)

    assert Counter(r["resourceType"] for r in served[1:]) == one_source + unkeyed
    assert unkeyed == Counter({"Encounter": 2})
    assert len({r["id"] for r in served}) == len(served)
    merged = [r for r in served[1:] if any(t["system"] == MERGED for t in r["meta"]["tag"])]
    assert len(merged) == one_source.total() - unkeyed.total()
    tags = merged[0]["meta"]["tag"]
    assert {t["code"] for t in tags if t["system"] == "urn:portal:source-organization"} == {"riverside", "lakeside"}
    (copy,) = [t for t in tags if t["system"] == MERGED]
    copied = SourceRecord.objects.get(pk=copy["code"].split("/")[1])
    assert (copied.source, copied.resource_type) == (other, merged[0]["resourceType"])


# --- 1. documents: a PDF opens as a PDF; every kind of attachment is reachable -------------------------


def own_login(person: Patient) -> Client:
    person.user = UserFactory()
    person.save()
    return sign_in(Client(), person.user)


def test_a_report_pdf_is_in_the_documents_list_and_opens_as_a_pdf_audited(source, tmp_path) -> None:
    report = example("DiagnosticReport-bone-density-report.json")
    path = write_json(tmp_path, "b.json", as_server_bundle([example("patient-example.json"), report]))
    run_import(source, path)
    person = Patient.objects.get()
    me = own_login(person)
    item = RecordItem.objects.get(kind=RecordItem.Kind.REPORT)
    document = f"/p/{person.pk}/record/documents/{item.pk}/"

    listed = me.get(f"/p/{person.pk}/record/documents/")
    page = me.get(document)
    (file,) = item.attachments.all()
    opened = me.get(f"{document}files/{file.pk}/")

    assert f'href="{document}"' in listed.content.decode()
    assert f'href="{document}files/{file.pk}/">Open the report (PDF)</a>' in page.content.decode()
    assert opened.status_code == 200
    assert opened["Content-Type"] == "application/pdf"
    assert opened["Content-Disposition"] == f'inline; filename="document-{item.pk}-{file.pk}.pdf"'
    assert opened["X-Content-Type-Options"] == "nosniff"
    assert "script-src" not in opened["Content-Security-Policy"]
    assert opened.content.startswith(b"%PDF-")
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.DOWNLOAD, object_type="records.RecordAttachment", object_id=str(file.pk)
        ).count()
        == 1
    )
    overview = me.get(f"/p/{person.pk}/record/").content.decode()
    # The overview counts the report among the documents, as the documents page lists it.
    assert overview.count('<p class="card__note">1 item</p>') == 1


def test_every_kind_of_attachment_us_core_sends_is_reachable(source, tmp_path) -> None:
    names = [
        "patient-example.json",
        "DiagnosticReport-cardiology-report.json",  # only a URL: the source keeps the PDF
        "DiagnosticReport-chest-xray-report.json",  # XHTML
        "documentreference-discharge-summary.json",  # plain text
        "DocumentReference-adi-dnr.json",  # a PDF
    ]
    shared = SHARED_DATA / "us-core-examples"
    media = [json.loads((shared / n).read_text()) for n in ("media-ekg-strip.json",) if (shared / n).exists()]
    path = write_json(tmp_path, "b.json", as_server_bundle([example(n) for n in names] + media))
    run = run_import(source, path)
    assert list(run.issues.all()) == []
    person = Patient.objects.get()
    me = own_login(person)

    listed = me.get(f"/p/{person.pk}/record/documents/").content.decode()
    items = RecordItem.objects.filter(kind__in=[RecordItem.Kind.REPORT, RecordItem.Kind.DOCUMENT])

    assert all(f'/record/documents/{item.pk}/"' in listed for item in items), listed
    xray = items.get(display="Portable XR Chest Views")
    assert "No acute abnormality." in xray.body and "<" not in xray.body
    cardiology = me.get(f"/p/{person.pk}/record/documents/{items.get(code='45033-8').pk}/").content.decode()
    assert "http://example.org/fhir/pdfdownloads/cardiopanel-report-123.pdf" in cardiology
    assert "the source keeps this file" in cardiology
    if media:
        picture = RecordAttachment.objects.get(content_type="image/png")
        opened = me.get(f"/p/{person.pk}/record/documents/{picture.item_id}/files/{picture.pk}/")
        assert (opened.status_code, opened["Content-Type"]) == (200, "image/png")
        assert opened["Content-Security-Policy"].endswith("sandbox")


# --- 2, 9. visits say what and where; undated lines and devices without a UDI read sensibly ------------


def test_visits_name_their_kind_and_place_and_say_when_the_date_is_missing(source, tmp_path) -> None:
    names = ["patient-example.json", "encounter-example-1.json", "encounter-1036.json", "Device-knee.json"]
    run_import(source, write_json(tmp_path, "b.json", as_server_bundle([example(n) for n in names])))
    person = Patient.objects.get()
    me = own_login(person)

    visits = me.get(f"/p/{person.pk}/record/visits/").content.decode()
    devices = me.get(f"/p/{person.pk}/record/devices/").content.decode()

    assert "Office visit at Holy Family Hospital" in visits
    # US Core's "Unknown (qualifier value)" visit, undated: named by its kind, its date said missing.
    assert "<strong>Hospital stay</strong>" in visits
    assert "Date not recorded" in visits
    assert "None" not in visits and "(qualifier value)" not in visits
    assert RecordItem.objects.filter(kind=RecordItem.Kind.VISIT).count() == 2
    assert "None" not in devices
    if not RecordItem.objects.get(kind=RecordItem.Kind.DEVICE).reference_text:
        assert "No device identifier (UDI) was sent for this device." in devices


def test_a_synthea_visit_is_named_by_the_hospital_sent_in_its_own_file(source) -> None:
    hospitals = SHARED_DATA / "synthea-r4-bundles" / "hospitalInformation1559319163815.json"
    if not hospitals.exists():
        pytest.skip("../shared/data is not here")
    run_import(source, hospitals)
    run_import(source, BUNDLE)
    person = Patient.objects.get()

    visits = own_login(person).get(f"/p/{person.pk}/record/visits/").content.decode()

    assert set(RecordItem.objects.filter(kind=RecordItem.Kind.VISIT).values_list("reference_text", flat=True)) == {
        "MERCY MEDICAL CTR"
    }
    assert "Office visit at MERCY MEDICAL CTR" in visits
    assert "Check-up" in visits and "(procedure)" not in visits


# --- 10. several sources are named on demand --------------------------------------------------------------


def test_a_line_from_two_sources_names_them_on_demand(two_sources) -> None:
    person = patient_example()
    me = own_login(person)

    page = me.get(f"/p/{person.pk}/record/medications/").content.decode()

    assert page.count('<details class="places"><summary>From 2 places</summary>') == 3
    assert "Lakeside Hospital" in page and "Riverside Cardiology" in page


def test_a_device_without_a_udi_is_one_line_across_sources_and_two_of_one_source_stay_two(source, tmp_path) -> None:
    walker = example("Device-knee.json")
    del walker["udiCarrier"]
    second = walker | {"id": "knee-2"}
    path = write_json(tmp_path, "b.json", as_server_bundle([example("patient-example.json"), walker, second]))
    run_import(source, path)
    other = OrganizationFactory(slug="lakeside")
    also_from(other, source)
    run_import(other, path, create=False)
    person = Patient.objects.get()

    page = own_login(person).get(f"/p/{person.pk}/record/devices/").content.decode()

    assert RecordItem.objects.filter(kind=RecordItem.Kind.DEVICE).count() == 4
    assert lines_of(person, RecordItem.Kind.DEVICE) == 2
    assert page.count("No device identifier (UDI) was sent for this device.") == 2
    assert page.count("From 2 places</summary>") == 2


def test_a_report_with_results_links_to_its_document_from_the_results_page(source, tmp_path) -> None:
    names = [
        "patient-example.json",
        "DiagnosticReport-chest-xray-report.json",
        "observation-xray-chest-findings.json",
        "observation-xray-chest-impression.json",
    ]
    run_import(source, write_json(tmp_path, "b.json", as_server_bundle([example(n) for n in names])))
    person = Patient.objects.get()
    report = RecordItem.objects.get(kind=RecordItem.Kind.REPORT)

    page = own_login(person).get(f"/p/{person.pk}/record/results/").content.decode()

    assert RecordItem.objects.filter(report=report).count() == 2
    assert f'<a href="/p/{person.pk}/record/documents/{report.pk}/">Read the whole report</a>' in page


def test_a_reference_range_too_large_to_chart_is_kept_as_text(source, tmp_path) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Ramos", "given": ["Ines"]}]}
    patient |= {"birthDate": "1970-02-03", "gender": "female"}
    observation = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "26464-8", "display": "Leukocytes"}]},
        "effectiveDateTime": "2024-03-01T09:00:00Z",
        "valueQuantity": {"value": 5, "unit": "10*9/L"},
        "referenceRange": [{"low": {"value": 4}, "high": {"value": 10**11}}],
    }

    run = run_import(source, write_json(tmp_path, "b.json", bundle_of(patient, observation)))

    item = RecordItem.objects.get(kind=RecordItem.Kind.OBSERVATION)
    assert (item.reference_low, item.reference_high, item.reference_text) == (Decimal("4"), None, "4 - 100000000000")
    assert list(run.issues.values_list("message", flat=True)) == [
        "The value 100000000000 is too large to chart (10^10 or more); it is kept and shown as sent."
    ]


def test_a_result_without_a_date_reads_sensibly(source, tmp_path) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Ramos", "given": ["Ines"]}]}
    patient |= {"birthDate": "1970-02-03", "gender": "female"}
    observation = {
        "resourceType": "Observation",
        "id": "undated",
        "status": "final",
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
        "valueQuantity": {"value": 5.4, "unit": "mmol/L"},
    }
    run_import(source, write_json(tmp_path, "b.json", bundle_of(patient, observation)))
    person = Patient.objects.get()

    page = own_login(person).get(f"/p/{person.pk}/record/results/").content.decode()

    assert "Measurements without a date" in page
    assert "Date not recorded · From" in page
    assert "None" not in page and "Measurements on <" not in page
