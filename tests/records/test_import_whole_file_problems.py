"""Files as real systems send them: a UTF-8 byte-order mark is read past (upload form and
import); a file with no resource, or a bundle whose `entry` is not a list, fails the run with its
reason; a CarePlan written only as narrative is named by its text; every issue names the file as
it was uploaded, not as it was stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.factories import StaffMemberFactory
from portal.models import Patient, StaffRole
from records.models import ImportRun, RecordItem
from records.services.imports import import_run_create, import_run_execute
from records.tasks import import_run
from tests.conftest import sign_in
from tests.records.conftest import FIXTURES, bundle_of

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Ramos", "given": ["Ines"]}],
    "birthDate": "1970-02-03",
}
OBSERVATION = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
    "effectiveDateTime": "2024-03-01T09:00:00Z",
    "valueQuantity": {"value": 5.4, "unit": "mmol/L"},
}


def run_import(source, path: Path) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    return import_run_execute(run_id=run.pk, path=path)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def ndjson(*resources: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in resources)


@pytest.fixture
def registrar(client, source):
    sign_in(client, StaffMemberFactory(organization=source, role=StaffRole.FRONT_DESK).user, second_factor=True)
    return client


def upload(client, source, name: str, data: bytes, django_capture_on_commit_callbacks) -> ImportRun:
    file = SimpleUploadedFile(name, data, content_type="application/json")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/staff/records/imports/", {"source": source.pk, "file": file, "create_missing_patients": "on"}
        )
    assert response.status_code == 302, response.content.decode()
    run = ImportRun.objects.get()
    import_run(run.pk)  # what the worker runs
    run.refresh_from_db()
    return run


# --- a byte-order mark ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bom.json", BOM + json.dumps(bundle_of(PATIENT, OBSERVATION)).encode()),
        ("bom.ndjson", BOM + ndjson(PATIENT, OBSERVATION)),
    ],
)
def test_a_file_starting_with_a_byte_order_mark_imports(source, tmp_path, name, data) -> None:
    run = run_import(source, write(tmp_path, name, data))

    assert run.status == ImportRun.Status.DONE, run.failure
    assert not run.issues.exists()
    assert Patient.objects.count() == 1 and RecordItem.objects.filter(code="2345-7").count() == 1


@pytest.mark.parametrize(
    "data",
    [BOM + json.dumps(bundle_of(PATIENT, OBSERVATION)).encode(), BOM + ndjson(PATIENT, OBSERVATION)],
    ids=["bundle", "ndjson"],
)
def test_the_upload_form_accepts_a_byte_order_mark(
    registrar, source, settings, tmp_path, django_capture_on_commit_callbacks, data
) -> None:
    settings.MEDIA_ROOT = tmp_path

    run = upload(registrar, source, "from-windows.json", data, django_capture_on_commit_callbacks)

    assert run.status == ImportRun.Status.DONE, run.failure
    assert Patient.objects.count() == 1 and RecordItem.objects.filter(code="2345-7").count() == 1


# --- whole-file problems fail the run ------------------------------------------------------------


@pytest.mark.parametrize("entry", ["everything", 7, {"item": {"resource": PATIENT}}])
def test_a_bundle_whose_entry_is_not_a_list_fails_with_its_reason(source, tmp_path, entry) -> None:
    data = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entry}).encode()

    run = run_import(source, write(tmp_path, "not-a-list.json", data))

    assert run.status == ImportRun.Status.FAILED
    assert run.failure.startswith("The bundle's entry is not a list of entries.")
    assert [(i.location, i.message) for i in run.issues.all()] == [
        ("not-a-list.json", "The bundle's entry is not a list of entries.")
    ]
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty-object.ndjson", b"{}\n"),
        ("blank.ndjson", b"\n\n"),
        ("no-type.ndjson", b'{"id": "x"}\n[1]\n'),
        ("empty.json", json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}).encode()),
    ],
)
def test_a_file_holding_no_resource_fails_the_run_with_a_clear_reason(source, tmp_path, name, data) -> None:
    run = run_import(source, write(tmp_path, name, data))

    assert run.status == ImportRun.Status.FAILED
    assert run.failure.startswith("The file holds no FHIR resource")
    assert [i.location for i in run.issues.all()] == [name]


def test_an_uploaded_empty_object_fails_instead_of_done_with_issues(
    registrar, source, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path

    run = upload(registrar, source, "empty.json", b"{}", django_capture_on_commit_callbacks)

    assert run.status == ImportRun.Status.FAILED
    assert run.failure.startswith("The file holds no FHIR resource")
    page = registrar.get(f"/staff/records/imports/{run.pk}/").content.decode()
    assert "Failed" in page and "Done with issues" not in page


# --- a CarePlan written only as narrative ---------------------------------------------------------


def test_a_care_plan_with_only_a_narrative_is_named_by_its_text(source, tmp_path) -> None:
    plan = json.loads((FIXTURES / "us-core-careplan-colonoscopy.json").read_text())  # US Core, CC0
    plan["subject"] = {"reference": "Patient/p1"}
    data = json.dumps(bundle_of(PATIENT, plan)).encode()

    run = run_import(source, write(tmp_path, "plan.json", data))

    assert run.status == ImportRun.Status.DONE, run.failure
    assert not run.issues.exists()
    item = RecordItem.objects.get(kind="care_plan")
    assert item.display.startswith("Subject: Amy Shaw Author: Dr Ronald Bone Assessment Recurrent GI bleed")
    assert "<" not in item.display and "&#9;" not in item.display and "\t" not in item.display
    assert len(item.display) <= 120 and item.display.endswith("…")


def test_a_care_plan_with_a_category_is_named_by_it_before_its_narrative(source, tmp_path) -> None:
    plan = json.loads((FIXTURES / "us-core-careplan-colonoscopy.json").read_text())
    plan["subject"] = {"reference": "Patient/p1"}
    plan["category"] = [{"coding": [{"system": "http://snomed.info/sct", "code": "736285004"}], "text": "Colon care"}]

    run = run_import(source, write(tmp_path, "plan.json", json.dumps(bundle_of(PATIENT, plan)).encode()))

    assert run.status == ImportRun.Status.DONE, run.failure
    assert RecordItem.objects.get(kind="care_plan").display == "Colon care"


# --- issues name the uploaded file ---------------------------------------------------------------


def test_every_issue_of_an_upload_names_the_file_as_uploaded(
    registrar, source, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = tmp_path
    bad = {**OBSERVATION, "id": "o2", "effectiveDateTime": "2019-13-45"}
    data = json.dumps(bundle_of(PATIENT, OBSERVATION, bad)).encode()

    run = upload(registrar, source, "riverside-export.json", data, django_capture_on_commit_callbacks)

    assert run.status == ImportRun.Status.DONE
    assert [i.location for i in run.issues.all()] == ["riverside-export.json entry 3"]
