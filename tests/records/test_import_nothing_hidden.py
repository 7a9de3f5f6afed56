"""Every imported item is reachable on a page, or the run says it is not: resources kept raw are
attached to their patient through the bundle's fullUrl map, and each kind the portal keeps but
shows nowhere yet is an issue row of the run, never a silent "Done". A value of 10^10 or more
reads as sent."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from portal.factories import StaffMemberFactory, UserFactory
from portal.models import StaffRole
from records.models import ImportRun, RecordItem, SourceRecord
from records.services.imports import SHOWN_TYPES, import_run_create, import_run_execute
from tests.conftest import sign_in
from tests.records.conftest import FIXTURES, bundle_of, write_json

pytestmark = pytest.mark.django_db
# The HL7 US Core examples (CC0), as in ../shared/data/us-core-examples: the first folder is shared
# with the API's tests, the second holds the rest.
US_CORE_EXAMPLES = sorted([*(FIXTURES / "us-core").glob("*.json"), *(FIXTURES / "us-core-more").glob("*.json")])
KEPT_RAW = {
    "ServiceRequest": 7,
    "QuestionnaireResponse": 7,
    "Specimen": 4,
    "CareTeam": 2,
    "Coverage": 1,
    "FamilyMemberHistory": 1,
    "MedicationDispense": 1,
    "RelatedPerson": 1,
}
NOT_SHOWN = "kept, not shown in the portal yet."


def run_import(source, path: Path) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    return import_run_execute(run_id=run.pk, path=path)


def with_opaque_full_urls(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """One collection whose fullUrls are fresh urn:uuids (not the resources' ids), every reference
    rewritten to them, as many systems send: only the fullUrl map tells whom a resource is about."""
    full_urls = {f"{r['resourceType']}/{r['id']}": f"urn:uuid:{uuid.uuid4()}" for r in resources}
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": []}
    for resource in resources:
        body = json.dumps(resource)
        for spelled, full_url in full_urls.items():
            body = body.replace(f'"reference": "{spelled}"', f'"reference": "{full_url}"')
        full_url = full_urls[f"{resource['resourceType']}/{resource['id']}"]
        bundle["entry"].append({"fullUrl": full_url, "resource": json.loads(body)})
    return bundle


@pytest.fixture
def us_core_run(source, tmp_path) -> ImportRun:
    resources = [json.loads(path.read_text()) for path in US_CORE_EXAMPLES]
    resources = [r for r in resources if r["resourceType"] != "Bundle"]  # the 225 resources, one collection
    assert len(resources) == 225
    return run_import(source, write_json(tmp_path, "us-core.json", with_opaque_full_urls(resources)))


def test_the_us_core_examples_kept_raw_are_attached_to_their_patient(us_core_run) -> None:
    assert us_core_run.status == ImportRun.Status.DONE, us_core_run.failure

    kept = SourceRecord.objects.filter(resource_type__in=KEPT_RAW)

    assert {kind: kept.filter(resource_type=kind).count() for kind in KEPT_RAW} == KEPT_RAW
    assert list(kept.filter(patient=None).values_list("resource_type", "resource_id")) == []


def test_no_us_core_example_is_both_unshown_and_unreported(us_core_run) -> None:
    reported = {
        issue.resource_type: issue.message for issue in us_core_run.issues.all() if issue.message.endswith(NOT_SHOWN)
    }
    shown_nowhere = SourceRecord.objects.filter(item=None).exclude(resource_type__in=SHOWN_TYPES)

    hidden = shown_nowhere.exclude(resource_type__in=reported).values_list("resource_type", "resource_id")
    assert list(hidden) == []
    # Unattached to any patient and not a place or medicine a shown line names: reported too.
    unattached = SourceRecord.objects.filter(patient=None).exclude(resource_type__in=SHOWN_TYPES)
    assert set(unattached.values_list("resource_type", flat=True)) <= set(reported)
    assert reported["ServiceRequest"] == "7 ServiceRequest resources kept, not shown in the portal yet."
    assert reported["Coverage"] == "1 Coverage resource kept, not shown in the portal yet."
    assert set(KEPT_RAW) <= set(reported)
    assert us_core_run.outcome_label == "Done with issues"


def test_the_run_page_says_what_is_kept_but_not_shown(client, source, us_core_run) -> None:
    registrar = StaffMemberFactory(organization=source, role=StaffRole.FRONT_DESK).user
    sign_in(client, registrar, second_factor=True)

    page = " ".join(client.get(f"/staff/records/imports/{us_core_run.pk}/").content.decode().split())

    assert "Done with issues" in page
    assert "What could not be imported or is not shown yet, and why" in page
    assert "· CareTeam</p><p>2 CareTeam resources kept, not shown in the portal yet.</p>" in page


def test_a_run_whose_every_resource_is_shown_reports_nothing(source, tmp_path) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Ramos", "given": ["Ines"]}]}
    patient |= {"birthDate": "1970-02-03", "gender": "female"}

    run = run_import(source, write_json(tmp_path, "b.json", bundle_of(patient)))

    assert list(run.issues.all()) == []
    assert run.outcome_label == "Done"


def test_a_value_of_10_to_the_11_sent_as_a_decimal_reads_as_sent(client, source, tmp_path) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Ramos", "given": ["Ines"]}]}
    patient |= {"birthDate": "1970-02-03", "gender": "female"}
    observation = {
        "resourceType": "Observation",
        "id": "big",
        "status": "final",
        "category": [{"coding": [{"code": "laboratory"}]}],
        "subject": {"reference": "urn:uuid:p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
        "effectiveDateTime": "2024-03-01T09:00:00Z",
        "valueQuantity": {"value": 1e11, "unit": "mg/dL"},  # JSON: 100000000000.0
        "referenceRange": [{"low": {"value": 70}, "high": {"value": 2.5e10}}],
    }

    run = run_import(source, write_json(tmp_path, "b.json", bundle_of(patient, observation)))

    item = RecordItem.objects.get(kind=RecordItem.Kind.RESULT)
    assert (item.value_text, item.reference_text) == ("100000000000", "70 - 25000000000")
    assert "The value 100000000000 is too large to chart" in run.issues.values_list("message", flat=True)[0]
    person = item.patient
    person.user = UserFactory()
    person.save()
    page = sign_in(client, person.user).get(f"/p/{person.pk}/record/results/").content.decode()
    assert "100000000000 mg/dL" in " ".join(page.split())
    assert "100000000000.0" not in page
