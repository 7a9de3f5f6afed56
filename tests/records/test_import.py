"""Importing FHIR R4 from source systems: counts, idempotence, history, bad input, matching."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import pytest

from portal.factories import OrganizationFactory, PatientFactory
from portal.models import Patient
from records.models import ImportRun, MatchReview, RecordItem, SourcePatientLink, SourceRecord, SourceRecordVersion
from records.services.imports import import_run_create, import_run_execute
from tests.records.conftest import BUNDLE, NDJSON, bundle_of, write_json

pytestmark = pytest.mark.django_db


def run_import(source, path: Path, *, create: bool = True) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=create)
    return import_run_execute(run_id=run.pk, path=path)


def _types_in_bundle(path: Path) -> Counter[str]:
    return Counter(entry["resource"]["resourceType"] for entry in json.loads(path.read_text())["entry"])


def test_a_synthea_bundle_imports_every_resource(source) -> None:
    expected = _types_in_bundle(BUNDLE)

    run = run_import(source, BUNDLE)

    assert run.status == ImportRun.Status.DONE
    assert {kind: counts["created"] for kind, counts in run.counts.items()} == dict(expected)
    assert SourceRecord.objects.count() == sum(expected.values())
    patient = Patient.objects.get()
    assert (
        SourceRecord.objects.exclude(resource_type__in=["Organization", "Practitioner"]).filter(patient=None).count()
        == 0
    )
    shown = (
        expected["Observation"]
        + expected["DiagnosticReport"]
        + expected["Condition"]
        + expected["Immunization"]
        + expected["Encounter"]
        + expected["Procedure"]
        + expected["MedicationRequest"]
        + expected["CarePlan"]
    )
    assert RecordItem.objects.filter(patient=patient).count() == shown


def test_reimporting_an_unchanged_file_writes_nothing(source, django_assert_max_num_queries) -> None:
    run_import(source, BUNDLE)
    before = list(SourceRecord.objects.values_list("pk", "updated_at", "version").order_by("pk"))

    again = run_import(source, BUNDLE)

    assert again.total("created") == 0 and again.total("updated") == 0
    assert again.total("unchanged") == sum(_types_in_bundle(BUNDLE).values())
    assert list(SourceRecord.objects.values_list("pk", "updated_at", "version").order_by("pk")) == before
    assert SourceRecordVersion.objects.count() == 0


def test_a_changed_resource_updates_in_place_and_keeps_history(source, tmp_path) -> None:
    bundle = json.loads(BUNDLE.read_text())
    run_import(source, BUNDLE)
    observation = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation" and "valueQuantity" in e["resource"]
    )
    item = RecordItem.objects.get(record__resource_id=observation["id"])
    item.confidential = True  # a staff decision the source knows nothing about
    item.save()
    changed = copy.deepcopy(bundle)
    for entry in changed["entry"]:
        if entry["resource"]["id"] == observation["id"]:
            entry["resource"]["valueQuantity"]["value"] = 123.5

    run = run_import(source, write_json(tmp_path, "changed.json", changed))

    assert run.counts["Observation"]["updated"] == 1
    record = SourceRecord.objects.get(resource_id=observation["id"])
    assert record.version == 2
    assert record.versions.get().raw["valueQuantity"]["value"] == observation["valueQuantity"]["value"]
    item.refresh_from_db()
    assert (item.value_number, item.confidential) == (pytest.approx(123.5), True)


def test_bad_resources_are_reported_one_by_one_and_the_rest_imports(source, tmp_path) -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Ramos", "given": ["Ines"]}],
        "birthDate": "1970-02-03",
        "gender": "female",
    }
    good = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"text": "Asthma"},
    }
    no_subject = {"resourceType": "Condition", "id": "c2", "code": {"text": "Gout"}}
    bad_date = {
        "resourceType": "Condition",
        "id": "c3",
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"text": "Flu"},
        "onsetDateTime": "yesterday",
    }
    no_id = {"resourceType": "Condition", "subject": {"reference": "urn:uuid:p1"}, "code": {"text": "x"}}
    bad_note = {
        "resourceType": "DocumentReference",
        "id": "d1",
        "subject": {"reference": "urn:uuid:p1"},
        "type": {"text": "Note"},
        "content": [{"attachment": {"contentType": "text/plain", "data": "@@@"}}],
    }
    path = write_json(tmp_path, "mixed.json", bundle_of(patient, good, no_subject, bad_date, no_id, bad_note))

    run = run_import(source, path)

    messages = {issue.resource_id or issue.location: issue.message for issue in run.issues.all()}
    assert messages == {
        "c2": "The resource does not say which patient it is about.",
        "c3": "Unreadable date 'yesterday'.",
        "mixed.json entry 5": "The resource has no usable id.",
        "d1": "An attachment is not valid base64.",
    }
    assert list(RecordItem.objects.values_list("display", flat=True)) == ["Asthma"]
    assert run.counts["Condition"] == {"created": 1, "failed": 3}


def test_a_file_that_is_not_json_fails_with_a_clear_report(source, tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"resourceType": "Bundle", "entry": [')

    run = run_import(source, path)

    assert run.issues.get().message.startswith("The file is not valid JSON")
    assert SourceRecord.objects.count() == 0


def test_ndjson_export_imports_with_notes_decoded(source) -> None:
    run = run_import(source, NDJSON)

    assert run.status == ImportRun.Status.DONE and run.total("failed") == 0
    assert Patient.objects.count() == 2
    note = RecordItem.objects.filter(kind=RecordItem.Kind.DOCUMENT).exclude(body="").first()
    assert note is not None and "#" in note.body  # Synthea notes are markdown-like text


def test_ndjson_lines_that_are_not_json_are_reported_by_line(source, tmp_path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    lines = (NDJSON / "Patient.000.ndjson").read_text().splitlines()
    (folder / "Patient.000.ndjson").write_text("\n".join([lines[0], "{not json", lines[1]]) + "\n")
    (folder / "log.ndjson").write_text('{"note": "an export log, not a resource"}\n')

    run = run_import(source, folder)

    assert [(i.location, i.message[:27]) for i in run.issues.all()] == [
        ("Patient.000.ndjson line 2", "The line is not valid JSON:")
    ]
    assert run.counts["Patient"] == {"created": 2}


def test_home_clinic_patient_is_matched_by_medical_record_number(tmp_path) -> None:
    home = OrganizationFactory(slug="home")
    known = PatientFactory(home_organization=home, mrn="MRN-77", given_name="Other", family_name="Name")
    resource = {
        "resourceType": "Patient",
        "id": "x9",
        "birthDate": "1980-01-01",
        "gender": "male",
        "name": [{"family": "Different", "given": ["Person"]}],
        "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "MRN-77"}],
    }

    run_import(home, write_json(tmp_path, "p.json", bundle_of(resource)), create=False)

    assert SourcePatientLink.objects.get().patient == known


def test_exact_demographics_link_and_near_matches_go_to_review(source, tmp_path) -> None:
    ines = PatientFactory(given_name="Inés", family_name="Ramos", birth_date="1970-02-03", gender="female")
    same = {
        "resourceType": "Patient",
        "id": "a",
        "name": [{"family": "RAMOS", "given": ["Ines"]}],
        "birthDate": "1970-02-03",
        "gender": "female",
    }
    near = {
        "resourceType": "Patient",
        "id": "b",
        "name": [{"family": "Ramos", "given": ["Inez"]}],
        "birthDate": "1970-02-03",
        "gender": "female",
    }
    condition = {
        "resourceType": "Condition",
        "id": "c",
        "subject": {"reference": "urn:uuid:b"},
        "code": {"text": "Asthma"},
    }

    run_import(source, write_json(tmp_path, "p.json", bundle_of(same, near, condition)), create=True)

    assert SourcePatientLink.objects.get(source_patient_id="a").patient == ines
    review = MatchReview.objects.get(source_patient_id="b")
    assert list(review.candidates.all()) == [ines]
    assert Patient.objects.count() == 1  # never a second person on a guess
    waiting = RecordItem.objects.get(display="Asthma")
    assert waiting.patient is None


def test_unmatched_patients_wait_for_review_unless_the_run_may_create_them(source, tmp_path) -> None:
    stranger = {
        "resourceType": "Patient",
        "id": "s",
        "name": [{"family": "Nobody", "given": ["Known"]}],
        "birthDate": "1999-09-09",
        "gender": "other",
    }
    path = write_json(tmp_path, "s.json", bundle_of(stranger))

    run_import(source, path, create=False)

    assert Patient.objects.count() == 0
    assert MatchReview.objects.get().source_patient_id == "s"


def test_results_are_grouped_under_their_report(source) -> None:
    run_import(source, BUNDLE)

    report = RecordItem.objects.filter(kind=RecordItem.Kind.REPORT).first()
    if report is None:
        pytest.skip("this bundle has no DiagnosticReport")
    raw_results = {ref["reference"] for ref in report.record.raw.get("result", [])}
    assert report.results.count() == len(raw_results) > 0


def test_blood_pressure_reads_top_over_bottom_in_whole_numbers(source, tmp_path) -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p",
        "name": [{"family": "Ng", "given": ["Al"]}],
        "birthDate": "1960-01-01",
        "gender": "male",
    }
    pressure = {
        "resourceType": "Observation",
        "id": "bp",
        "subject": {"reference": "urn:uuid:p"},
        "category": [{"coding": [{"code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "55284-4", "display": "Blood pressure"}]},
        "effectiveDateTime": "2024-01-02T10:00:00Z",
        "component": [
            {"code": {"coding": [{"code": "8462-4"}]}, "valueQuantity": {"value": 74.0839, "unit": "mm[Hg]"}},
            {"code": {"coding": [{"code": "8480-6"}]}, "valueQuantity": {"value": 106.1551, "unit": "mm[Hg]"}},
        ],
    }

    run_import(source, write_json(tmp_path, "bp.json", bundle_of(patient, pressure)))

    item = RecordItem.objects.get(code="55284-4")
    assert (item.value_text, item.unit) == ("106/74", "mm[Hg]")


def test_the_same_file_again_is_known_unchanged_without_reading_it(source, django_assert_max_num_queries) -> None:
    first = run_import(source, BUNDLE)

    with django_assert_max_num_queries(12):
        again = run_import(source, BUNDLE)

    assert again.file_hash == first.file_hash
    assert again.counts == {kind: {"unchanged": sum(counts.values())} for kind, counts in first.counts.items()}


def test_the_same_file_is_read_again_once_another_import_changed_its_resources(source, tmp_path) -> None:
    bundle = json.loads(BUNDLE.read_text())
    run_import(source, BUNDLE)
    changed = copy.deepcopy(bundle)
    observation = next(e for e in changed["entry"] if e["resource"]["resourceType"] == "Observation")
    observation["resource"]["status"] = "amended"
    run_import(source, write_json(tmp_path, "amended.json", changed))

    back = run_import(source, BUNDLE)

    assert back.counts["Observation"]["updated"] == 1  # read resource by resource, and put back
