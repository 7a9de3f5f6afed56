"""Staff import pages and match decisions: who may use them, uploads, progress, decisions."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.factories import PatientFactory, StaffMemberFactory
from portal.models import Patient, StaffRole
from records.models import ImportRun, MatchReview, RecordItem
from records.tasks import import_run
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, bundle_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(source):
    return StaffMemberFactory(organization=source, role=StaffRole.FRONT_DESK).user


def test_only_registration_staff_reach_the_import_pages(client, source) -> None:
    nurse = StaffMemberFactory(organization=source, role=StaffRole.NURSE).user
    admin = StaffMemberFactory(organization=source, role=StaffRole.ADMINISTRATOR).user
    patient = PatientFactory().user

    assert sign_in(client, nurse, second_factor=True).get("/staff/records/imports/").status_code == 404
    assert sign_in(client, admin, second_factor=True).get("/staff/records/imports/").status_code == 200
    client.logout()
    assert sign_in(client, patient).get("/staff/records/matches/").status_code == 404


def test_upload_enqueues_the_import_and_the_worker_task_runs_it(
    client, source, registrar, django_capture_on_commit_callbacks, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, registrar, second_factor=True)
    upload = SimpleUploadedFile("kihn.json", BUNDLE.read_bytes(), content_type="application/json")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/staff/records/imports/", {"source": source.pk, "file": upload, "create_missing_patients": "on"}
        )
    run = ImportRun.objects.get()
    assert response["Location"] == f"/staff/records/imports/{run.pk}/"
    assert (run.status, len(callbacks)) == (ImportRun.Status.QUEUED, 1)

    assert import_run(run.pk) == ImportRun.Status.DONE  # what the worker runs, called directly
    page = client.get(f"/staff/records/imports/{run.pk}/").content.decode()
    assert "Observation" in page and "hx-trigger" not in page  # done: no more polling


def test_an_upload_that_is_not_fhir_is_refused_with_a_reason(client, source, registrar) -> None:
    sign_in(client, registrar, second_factor=True)
    upload = SimpleUploadedFile("photo.json", b"\x89PNG\r\n", content_type="application/json")

    response = client.post("/staff/records/imports/", {"source": source.pk, "file": upload})

    assert response.status_code == 400
    assert "This is not a FHIR JSON or NDJSON file." in response.content.decode()
    assert ImportRun.objects.count() == 0


def _pending_review(source, tmp_path):
    from records.services.imports import import_run_create, import_run_execute

    person = {
        "resourceType": "Patient",
        "id": "src-9",
        "name": [{"family": "Ramos", "given": ["Inez"]}],
        "birthDate": "1970-02-03",
        "gender": "female",
    }
    problem = {
        "resourceType": "Condition",
        "id": "c9",
        "subject": {"reference": "urn:uuid:src-9"},
        "code": {"text": "Asthma"},
    }
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle_of(person, problem)))
    run = import_run_create(source=source, path=path)
    import_run_execute(run_id=run.pk, path=path)
    return MatchReview.objects.get()


def test_linking_a_review_hands_the_waiting_records_to_the_patient(client, source, registrar, tmp_path) -> None:
    ines = PatientFactory(given_name="Ines", family_name="Ramos", birth_date="1970-02-03", gender="female")
    review = _pending_review(source, tmp_path)
    sign_in(client, registrar, second_factor=True)

    client.post(f"/staff/records/matches/{review.pk}/", {"decision": "link", "patient": str(ines.pk)})

    review.refresh_from_db()
    assert review.status == MatchReview.Status.LINKED
    assert RecordItem.objects.get(display="Asthma").patient == ines


def test_creating_a_patient_from_a_review(client, source, registrar, tmp_path) -> None:
    review = _pending_review(source, tmp_path)
    sign_in(client, registrar, second_factor=True)

    client.post(f"/staff/records/matches/{review.pk}/", {"decision": "create"})

    created = Patient.objects.get(family_name="Ramos", given_name="Inez")
    assert RecordItem.objects.get(display="Asthma").patient == created


def test_a_review_is_decided_once(client, source, registrar, tmp_path) -> None:
    review = _pending_review(source, tmp_path)
    sign_in(client, registrar, second_factor=True)
    client.post(f"/staff/records/matches/{review.pk}/", {"decision": "dismiss"})

    again = client.post(f"/staff/records/matches/{review.pk}/", {"decision": "create"}, follow=True)

    assert "already been decided" in again.content.decode()
    assert Patient.objects.filter(family_name="Ramos").count() == 0
