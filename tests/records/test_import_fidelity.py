"""Real-world files: every bad resource is an issue row, a bad file is refused whole with its
reason, nothing is half-written, attachments stay documents, and no run is left running."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.factories import StaffMemberFactory
from portal.models import AuditEvent, StaffRole
from records.models import ImportRun, RecordAttachment, RecordItem, SourceRecord
from records.services import imports
from records.services.imports import import_run_create, import_run_execute, import_run_sweep_stale
from records.tasks import import_sweep
from tests.conftest import sign_in
from tests.records.conftest import FIXTURES, bundle_of, write_json

pytestmark = pytest.mark.django_db

US_CORE = FIXTURES / "us-core"  # copied from ../shared/data/us-core-examples (CC0)
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Ramos", "given": ["Ines"]}],
    "birthDate": "1970-02-03",
    "gender": "female",
}


def run_import(source, path: Path) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    return import_run_execute(run_id=run.pk, path=path)


def observation(rid: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
        "effectiveDateTime": "2024-03-01T09:00:00Z",
        "valueQuantity": {"value": 5.4, "unit": "mmol/L"},
        **extra,
    }


def issues_of(run: ImportRun) -> dict[str, str]:
    return {issue.resource_id or issue.location: issue.message for issue in run.issues.all()}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"code": {"coding": [{"system": "http://loinc.org", "code": "9" * 65, "display": "Long code"}]}},
            "The code is longer than 64 characters.",
        ),
        (
            {"category": [{"coding": [{"code": "c" * 65}]}]},
            "The category is longer than 64 characters.",
        ),
        ({"status": "s" * 33}, "The status is longer than 32 characters."),
        ({"effectiveDateTime": "2019-13-45"}, "Unreadable date '2019-13-45'."),
        ({"valueQuantity": {"value": "5.4", "unit": "mmol/L"}}, "The value '5.4' is text, not a number."),
        # A value of 10^10 or more is kept as text (tests/records/test_real_data_review.py).
    ],
    ids=["code-over-64", "category-over-64", "status-over-32", "impossible-date", "value-as-text"],
)
def test_a_resource_that_does_not_fit_is_an_issue_and_the_rest_imports(source, tmp_path, bad, message) -> None:
    path = write_json(tmp_path, "b.json", bundle_of(PATIENT, observation("good"), observation("bad", **bad)))

    run = run_import(source, path)

    assert run.status == ImportRun.Status.DONE
    assert issues_of(run) == {"bad": message}
    assert run.counts["Observation"] == {"created": 1, "failed": 1}
    assert list(SourceRecord.objects.values_list("resource_id", flat=True).order_by("pk")) == ["p1", "good"]


def test_the_same_resource_twice_in_one_bundle_is_reported_and_stored_once(source, tmp_path) -> None:
    path = write_json(tmp_path, "b.json", bundle_of(PATIENT, observation("o1"), observation("o1", status="amended")))

    run = run_import(source, path)

    assert run.status == ImportRun.Status.DONE
    assert issues_of(run) == {
        "o1": "The same resource appears twice in this file (first at b.json entry 2); only the first was imported."
    }
    assert RecordItem.objects.get().status == "final"


def test_a_us_core_pdf_report_is_kept_as_a_pdf_and_downloads_as_one(client, source, tmp_path) -> None:
    patient = json.loads((US_CORE / "patient-example.json").read_text())
    report = json.loads((US_CORE / "DiagnosticReport-bone-density-report.json").read_text())
    pdf = base64.b64decode(report["presentedForm"][0]["data"])
    assert b"\x00" in pdf  # the NUL bytes that once killed the whole import
    path = write_json(tmp_path, "us-core.json", bundle_of(patient, report))

    run = run_import(source, path)

    assert (run.status, issues_of(run)) == (ImportRun.Status.DONE, {})
    item = RecordItem.objects.get(kind=RecordItem.Kind.REPORT)
    assert item.body == ""  # a PDF is never decoded as text
    stored = RecordAttachment.objects.get(item=item)
    assert (bytes(stored.data), stored.content_type, stored.declared_type) == (
        pdf,
        "application/pdf",
        "application/pdf",
    )

    staff = StaffMemberFactory(organization=item.patient.home_organization, role=StaffRole.NURSE).user
    sign_in(client, staff, second_factor=True)
    page = client.get(f"/p/{item.patient_id}/record/documents/{item.pk}/")
    url = f"/p/{item.patient_id}/record/documents/{item.pk}/files/{stored.pk}/"
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")  # opens in the browser's PDF viewer
    assert response.content == pdf
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOWNLOAD, object_type="records.RecordAttachment", object_id=str(stored.pk)
    ).exists()


def test_an_attachment_that_claims_to_be_a_pdf_is_served_as_what_it_is(source, tmp_path) -> None:
    html = b"<html><script>alert(1)</script></html>"
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"text": "Report"},
        "presentedForm": [{"contentType": "application/pdf", "data": base64.b64encode(html).decode()}],
    }

    run_import(source, write_json(tmp_path, "b.json", bundle_of(PATIENT, report)))

    stored = RecordAttachment.objects.get()
    assert (stored.declared_type, stored.content_type) == ("application/pdf", "application/octet-stream")


def test_stu3_is_refused_whole_with_a_clear_reason(source, tmp_path) -> None:
    stu3_condition = {
        "resourceType": "Condition",
        "id": "c1",
        "clinicalStatus": "active",  # a plain code in STU3, a CodeableConcept in R4
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"text": "Asthma"},
    }

    run = run_import(source, write_json(tmp_path, "old.json", bundle_of(PATIENT, stu3_condition)))

    assert run.status == ImportRun.Status.FAILED
    assert run.failure.startswith("This is FHIR STU3, not FHIR R4 (old.json entry 2, Condition).")
    assert SourceRecord.objects.count() == 0


def test_a_searchset_bundle_is_refused_as_not_a_set_of_records(source, tmp_path) -> None:
    bundle = {**bundle_of(PATIENT, observation("o1")), "type": "searchset"}

    run = run_import(source, write_json(tmp_path, "search.json", bundle))

    assert run.status == ImportRun.Status.FAILED
    assert "This is a 'searchset' bundle, not a set of records to import" in run.failure
    assert SourceRecord.objects.count() == 0


def deep_json(levels: int) -> bytes:
    return b'{"resourceType": "Bundle", "type": "collection", "x": ' + b"[" * levels + b"]" * levels + b"}"


def test_json_nested_100000_deep_fails_the_run_with_its_reason(source, tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(deep_json(100_000))

    run = run_import(source, path)

    assert run.status == ImportRun.Status.FAILED
    assert "nested" in run.failure and "deep" in run.failure
    assert run.issues.get().location == "deep.json"


def test_the_upload_form_refuses_json_nested_100000_deep_with_a_reason(client, source) -> None:
    registrar = StaffMemberFactory(organization=source, role=StaffRole.FRONT_DESK).user
    sign_in(client, registrar, second_factor=True)
    upload = SimpleUploadedFile("deep.json", deep_json(100_000), content_type="application/json")

    response = client.post("/staff/records/imports/", {"source": source.pk, "file": upload})

    assert response.status_code == 400
    assert "The file&#x27;s JSON is nested more than 64 levels deep." in response.content.decode()
    assert ImportRun.objects.count() == 0


def big_bundle(count: int, **bad_at: dict[str, Any]) -> dict[str, Any]:
    """A patient and `count - 1` observations; `bad_at={"entry_1100": {...}}` changes one of them."""
    resources = [PATIENT] + [observation(f"o{n}", **bad_at.get(f"entry_{n + 1}", {})) for n in range(1, count)]
    return bundle_of(*resources)


def test_a_file_refused_at_resource_1100_of_1500_leaves_nothing_written(source, tmp_path) -> None:
    path = write_json(tmp_path, "big.json", big_bundle(1500, entry_1100={"context": {"reference": "Encounter/e1"}}))

    run = run_import(source, path)

    assert run.status == ImportRun.Status.FAILED
    assert run.failure.startswith("This is FHIR STU3, not FHIR R4 (big.json entry 1100, Observation).")
    assert (SourceRecord.objects.count(), RecordItem.objects.count()) == (0, 0)
    assert run.counts == {} and run.finished_at is not None


def test_a_failure_after_the_batches_were_written_rolls_the_whole_file_back(source, tmp_path, monkeypatch) -> None:
    def broken(self):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports.Importer, "link_reports", broken)
    path = write_json(tmp_path, "big.json", big_bundle(1500))

    run = run_import(source, path)

    assert run.status == ImportRun.Status.FAILED
    assert run.failure == "The import stopped on an unexpected error. Nothing from this file was imported."
    assert (SourceRecord.objects.count(), RecordItem.objects.count()) == (0, 0)


def test_a_run_whose_worker_is_gone_is_ended_by_the_sweep(source, clock) -> None:
    now = clock.now()
    stale = ImportRun.objects.create(
        source=source,
        format="bundle",
        filename="a.json",
        status=ImportRun.Status.RUNNING,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(minutes=16),
    )
    alive = ImportRun.objects.create(
        source=source,
        format="bundle",
        filename="b.json",
        status=ImportRun.Status.RUNNING,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(minutes=1),
    )
    never_beat = ImportRun.objects.create(
        source=source,
        format="bundle",
        filename="c.json",
        status=ImportRun.Status.RUNNING,
        started_at=now - timedelta(minutes=20),
    )

    assert import_sweep() == 2  # what beat runs
    assert import_run_sweep_stale() == 0  # and again: nothing left to end

    for run in (stale, never_beat):
        run.refresh_from_db()
        assert run.status == ImportRun.Status.FAILED and "its worker was gone" in run.failure
    alive.refresh_from_db()
    assert alive.status == ImportRun.Status.RUNNING
    assert settings.CELERY_BEAT_SCHEDULE["records-import-sweep"]["task"] == "records.import_sweep"
    # Long enough that a running import is never handed to a second worker.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > 3600


def test_the_run_page_says_done_with_issues_or_failed_with_the_reason(client, source, tmp_path) -> None:
    registrar = StaffMemberFactory(organization=source, role=StaffRole.FRONT_DESK).user
    sign_in(client, registrar, second_factor=True)
    bad_date = observation("bad", effectiveDateTime="2019-13-45")
    with_issue = run_import(source, write_json(tmp_path, "a.json", bundle_of(PATIENT, observation("good"), bad_date)))
    refused = run_import(source, write_json(tmp_path, "s.json", {**bundle_of(PATIENT), "type": "history"}))

    page = client.get(f"/staff/records/imports/{with_issue.pk}/").content.decode()
    assert "Done with issues" in page and "Unreadable date &#x27;2019-13-45&#x27;." in page
    page = client.get(f"/staff/records/imports/{refused.pk}/").content.decode()
    assert "Failed" in page and "This is a &#x27;history&#x27; bundle" in page
    assert "Nothing from this file was imported." in page


def test_a_nul_in_an_id_is_reported_and_the_run_ends(source, tmp_path) -> None:
    """Found by review: the issue row quoting the id could not be stored, so the run stayed
    "importing" until the stale-run sweep."""
    path = write_json(tmp_path, "nul.json", bundle_of({**PATIENT, "id": "p\u00001"}, observation("o\u00002")))

    run = run_import(source, path)

    assert run.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED)
    assert run.finished_at is not None
    assert run.issues.exists()
    assert not any("\x00" in issue.resource_id + issue.location + issue.message for issue in run.issues.all())
