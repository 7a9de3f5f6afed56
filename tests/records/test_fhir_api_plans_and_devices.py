"""Goals, care plans, imaging studies and devices through the FHIR API: the US Core examples and a
Synthea patient's imaging studies read, searched, validated against the R4 models and claiming only
the US Core profiles they meet; the CapabilityStatement lists them; a caregiver, a held line and a
token's scopes limit them as they limit every other type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from portal.factories import ProxyGrantFactory, StaffMemberFactory, born_years_ago
from portal.models import AuditEvent, Patient, Scope
from records.fhir_api.conformance import meets
from records.fhir_api.resource_types import US_CORE
from records.models import ImportRun, RecordItem, SourceRecord
from tests.conftest import sign_in
from tests.records.conftest import FIXTURES, write_json
from tests.records.test_fhir_api import bearer, launch
from tests.records.test_fhir_api_fidelity import (
    as_server_bundle,
    everything,
    example,
    ids_of,
    own_client,
    portal_ids,
    run_import,
    search,
)

pytestmark = pytest.mark.django_db

FHIR = "/fhir/R4"
IMAGING = FIXTURES / "Lonnie_Von_imaging.json"
SNOMED = "http://snomed.info/sct"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
NEW_TYPES = ("Goal", "CarePlan", "ImagingStudy", "Device")
EXAMPLES = ("goal-1.json", "goal-sdoh-2.json", "careplan-ulcer-example.json", "Device-knee.json", "Device-defib.json")


@pytest.fixture
def nurse(source) -> Client:
    """Staff of the source clinic: sees every resource of its patients, held ones too."""
    return sign_in(Client(), StaffMemberFactory(organization=source).user, second_factor=True)


def import_examples(source, tmp_path, *changed: dict[str, Any]) -> Patient:
    """Amy Shaw with her ulcer, goals, care plan and devices (an example named in `changed` replaces
    the one with its id) as a server would send them; the one person they are about."""
    replaced = {resource["id"]: resource for resource in changed}
    resources = [example("patient-example.json"), example("condition-duodenal-ulcer.json")]
    resources += [replaced.get(r["id"], r) for r in map(example, EXAMPLES)]
    run = run_import(source, write_json(tmp_path, "amy.json", as_server_bundle(resources)))
    assert run.status == ImportRun.Status.DONE, run.failure
    return Patient.objects.get()


def read(client: Client, resource_type: str, resource_id: str, **extra: Any) -> dict[str, Any]:
    response = client.get(f"{FHIR}/{resource_type}/{resource_id}", **extra)
    assert response.status_code == 200, response.content
    return response.json()


def status_of(client: Client, path: str, **extra: Any) -> int:
    return client.get(f"{FHIR}/{path}", **extra).status_code


def one(resource_type: str, source_id: str) -> str:
    (portal_id,) = portal_ids(resource_type, source_id)
    return portal_id


def test_goals_care_plans_and_devices_read_validate_and_claim_their_us_core_profiles(source, tmp_path, nurse) -> None:
    person = import_examples(source, tmp_path)
    expected = {
        "Goal": ({"goal-1", "goal-sdoh-2"}, "us-core-goal", "subject"),
        "CarePlan": ({"careplan-ulcer-example"}, "us-core-careplan", "subject"),
        "Device": ({"udi-3", "udi-2"}, "us-core-implantable-device", "patient"),
    }

    for resource_type, (source_ids, profile, subject) in expected.items():
        bundle = search(nurse, f"{resource_type}?patient={person.pk}")
        assert ids_of(bundle) == portal_ids(resource_type, *source_ids)
        assert bundle["total"] == len(source_ids)
        for portal_id in ids_of(bundle):
            served = read(nurse, resource_type, portal_id)
            get_fhir_model_class(resource_type).model_validate(served)
            assert served["meta"]["profile"] == [f"{US_CORE}{profile}"]
            assert meets(f"{US_CORE}{profile}", served)
            assert served[subject]["reference"] == f"Patient/{person.pk}"
            assert served == next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == portal_id)
    plan = read(nurse, "CarePlan", one("CarePlan", "careplan-ulcer-example"))
    # The condition it addresses, under the portal's id; the practitioner by name only.
    assert plan["addresses"] == [
        {
            "reference": f"Condition/{one('Condition', 'condition-duodenal-ulcer')}",
            "display": "Condition Duodenal Ulcer",
        }
    ]
    assert plan["contributor"] == [{"display": "Dr Ronald Bone"}]
    knee = read(nurse, "Device", one("Device", "udi-3"))
    assert knee["udiCarrier"][0]["carrierHRF"] == "(01)987979879879(11)191015(17)220101(10)M320(21)AC221"
    served = everything(nurse, person)
    assert sorted(r["resourceType"] for r in served if r["resourceType"] in NEW_TYPES) == [
        "CarePlan",
        "Device",
        "Device",
        "Goal",
        "Goal",
    ]
    events = AuditEvent.objects.filter(object_type__in=[f"fhir.{t}" for t in expected], patient=person)
    # One search and one read of each resource, each audited once.
    assert events.count() == 3 + 5 + 1 + 1


def test_synthea_imaging_studies_read_and_search_as_plain_r4(source, nurse) -> None:
    run = run_import(source, IMAGING)
    assert run.status == ImportRun.Status.DONE, run.failure
    person = Patient.objects.get()
    raw = [e["resource"] for e in json.loads(IMAGING.read_text())["entry"]]
    studies = portal_ids("ImagingStudy", *(r["id"] for r in raw if r["resourceType"] == "ImagingStudy"))
    recent = one("ImagingStudy", "2cb09b93-0eec-4037-b61d-f49ea9a3f4f1")  # started 2021-02-12

    def found(query: str) -> set[str]:
        return ids_of(search(nurse, f"ImagingStudy?patient={person.pk}&{query}"))

    assert len(studies) == 3
    assert found("_count=50") == studies
    for portal_id in studies:
        study = read(nurse, "ImagingStudy", portal_id)
        get_fhir_model_class("ImagingStudy").model_validate(study)
        assert study["subject"] == {"reference": f"Patient/{person.pk}"}
        assert "profile" not in study["meta"]  # US Core has no ImagingStudy profile
        assert "encounter" not in study  # its visit is not in the file: nothing to point at
    assert found("started=ge2000") == {recent}
    assert found("started=2021-02-12") == {recent}
    assert found("started=lt2000") == studies - {recent}
    assert found(f"modality={DICOM}|DX") == studies
    assert found("modality=DX") == studies
    assert found(f"modality={DICOM}|CT") == set()
    assert found("status=available") == studies
    assert found("status=cancelled") == set()


def test_each_new_search_parameter_finds_exactly_its_resources(source, tmp_path, nurse) -> None:
    started = {**example("goal-sdoh-2.json"), "startDate": "2021-06-15", "lifecycleStatus": "completed"}
    person = import_examples(source, tmp_path, started)
    employed = one("Goal", "goal-sdoh-2")
    goals = portal_ids("Goal", "goal-1", "goal-sdoh-2")
    knee = one("Device", "udi-3")

    def found(resource_type: str, query: str) -> set[str]:
        return ids_of(search(nurse, f"{resource_type}?patient={person.pk}&{query}"))

    assert found("Goal", "lifecycle-status=active") == goals - {employed}
    assert found("Goal", "lifecycle-status=http://hl7.org/fhir/goal-status|completed") == {employed}
    assert found("Goal", f"description={SNOMED}|406156006") == {employed}
    assert found("Goal", "start-date=2021-06") == {employed}
    # goal-1 has no start date: a search by one never finds it.
    assert found("Goal", "start-date=ge1900") == {employed}
    assert found("Goal", "start-date=ne2021") == set()
    plan = {one("CarePlan", "careplan-ulcer-example")}
    assert found("CarePlan", f"category={SNOMED}|734163000") == plan
    assert found("CarePlan", "category=assess-plan") == set()
    assert found("CarePlan", "date=2025-09&status=active") == plan
    assert found("CarePlan", "date=lt2025") == set()
    assert found("Device", f"type={SNOMED}|109228008") == {knee}
    assert found("Device", "status=active") == portal_ids("Device", "udi-2", "udi-3")
    assert found("Device", "status=inactive") == set()
    for query in ("Device?date=2020", "ImagingStudy?code=DX", "Goal?category=x", "CarePlan?start-date=2020"):
        response = nurse.get(f"{FHIR}/{query}&patient={person.pk}")
        assert response.status_code == 400, query
        assert response.json()["issue"][0]["expression"] == [query.partition("?")[2].partition("=")[0]]


def test_a_care_plan_dated_only_by_when_it_was_written_is_not_found_by_its_period(source, tmp_path, nurse) -> None:
    written = example("careplan-ulcer-example.json")
    del written["period"]  # the record page dates it by `created` (2025-09-27) instead
    person = import_examples(source, tmp_path, written)

    assert RecordItem.objects.get(kind=RecordItem.Kind.CARE_PLAN).effective_at is not None
    assert search(nurse, f"CarePlan?patient={person.pk}&date=2025-09")["total"] == 0
    assert search(nurse, f"CarePlan?patient={person.pk}")["total"] == 1


def test_a_profile_the_served_goal_plan_or_device_does_not_meet_is_not_claimed(source, tmp_path, nurse) -> None:
    uncategorized = {k: v for k, v in example("careplan-ulcer-example.json").items() if k != "category"}
    uncategorized["title"] = "Ulcer care"  # what the record would otherwise call it by
    untyped = {k: v for k, v in example("Device-knee.json").items() if k != "type"}
    unidentified = example("Device-defib.json")
    del unidentified["udiCarrier"][0]["deviceIdentifier"]
    person = import_examples(source, tmp_path, uncategorized, untyped, unidentified)

    served = {r["id"]: r for r in everything(nurse, person)}

    for resource_type, source_id in (("CarePlan", "careplan-ulcer-example"), ("Device", "udi-3"), ("Device", "udi-2")):
        resource = served[one(resource_type, source_id)]
        get_fhir_model_class(resource_type).model_validate(resource)
        assert "profile" not in resource["meta"], source_id
    assert {p for r in served.values() if r["resourceType"] == "Goal" for p in r["meta"]["profile"]} == {
        f"{US_CORE}us-core-goal"
    }


def test_the_capability_statement_lists_the_new_types_with_their_searches(client) -> None:
    statement = client.get(f"{FHIR}/metadata").json()
    CapabilityStatement.model_validate(statement)
    listed = {r["type"]: r for r in statement["rest"][0]["resource"]}

    def params(resource_type: str) -> dict[str, str]:
        return {p["name"]: p["type"] for p in listed[resource_type]["searchParam"]}

    common = {"patient": "reference", "_id": "token", "_lastUpdated": "date"}
    assert params("Goal") == {**common, "lifecycle-status": "token", "description": "token", "start-date": "date"}
    assert params("CarePlan") == {**common, "category": "token", "status": "token", "date": "date"}
    assert params("ImagingStudy") == {**common, "started": "date", "modality": "token", "status": "token"}
    assert params("Device") == {**common, "type": "token", "status": "token"}
    assert listed["Goal"]["supportedProfile"] == [f"{US_CORE}us-core-goal"]
    assert listed["CarePlan"]["supportedProfile"] == [f"{US_CORE}us-core-careplan"]
    assert listed["Device"]["supportedProfile"] == [f"{US_CORE}us-core-implantable-device"]
    assert "supportedProfile" not in listed["ImagingStudy"]
    assert all(listed[t]["searchInclude"] == [f"{t}:patient"] for t in NEW_TYPES)


def test_a_teens_caregiver_never_sees_a_confidential_goal_nor_the_plan_pointing_at_it(source, tmp_path) -> None:
    plan = {**example("careplan-ulcer-example.json"), "goal": [{"reference": "Goal/goal-sdoh-2"}]}
    person = import_examples(source, tmp_path, plan)
    person.birth_date = born_years_ago(15)
    person.save()
    secret = one("Goal", "goal-sdoh-2")
    RecordItem.objects.filter(record_id=secret).update(confidential=True)
    teen = own_client(person)
    parent = sign_in(Client(), ProxyGrantFactory(patient=person, scopes=[Scope.RECORDS]).grantee)
    plan_id = one("CarePlan", "careplan-ulcer-example")

    assert status_of(parent, f"Goal/{secret}") == 404
    assert ids_of(search(parent, f"Goal?patient={person.pk}")) == {one("Goal", "goal-1")}
    assert secret not in {r["id"] for r in everything(parent, person)}
    assert "goal" not in read(parent, "CarePlan", plan_id)
    # The teen sees their own goal, marked restricted, and the plan points at it.
    own = read(teen, "Goal", secret)
    assert own["meta"]["security"] == [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R", "display": "restricted"}
    ]
    assert read(teen, "CarePlan", plan_id)["goal"] == [{"reference": f"Goal/{secret}"}]


def test_a_held_device_is_hidden_from_the_patient_and_a_caregiver_without_the_scope_sees_nothing(
    source, tmp_path, nurse
) -> None:
    person = import_examples(source, tmp_path)
    held = one("Device", "udi-2")
    RecordItem.objects.filter(record_id=held).update(release=RecordItem.Release.HELD)
    patient = own_client(person)
    outsider = sign_in(Client(), ProxyGrantFactory(patient=person, scopes=[Scope.MESSAGING, Scope.BILLING]).grantee)

    assert status_of(patient, f"Device/{held}") == 404
    assert ids_of(search(patient, f"Device?patient={person.pk}")) == {one("Device", "udi-3")}
    assert read(nurse, "Device", held)["meta"]["tag"][-1]["code"] == "held"
    for resource_type in NEW_TYPES:
        assert status_of(outsider, f"{resource_type}?patient={person.pk}") == 404
    assert status_of(outsider, f"Goal/{one('Goal', 'goal-1')}") == 404


def test_a_token_reads_the_new_types_only_as_its_scopes_name_them(source, tmp_path, app) -> None:
    person = import_examples(source, tmp_path)
    browser = own_client(person)
    token = launch(browser, app, person=person, scope="launch/patient patient/Goal.read patient/Device.rs")
    app_client = Client()

    assert search_total(app_client, "Goal", token) == 2
    assert search_total(app_client, "Device", token) == 2
    assert status_of(app_client, "CarePlan", **bearer(token)) == 403
    assert status_of(app_client, f"CarePlan/{one('CarePlan', 'careplan-ulcer-example')}", **bearer(token)) == 403
    assert status_of(app_client, "ImagingStudy", **bearer(token)) == 403
    page = app_client.get(f"{FHIR}/Patient/{person.pk}/$everything", **bearer(token)).json()
    assert sorted(e["resource"]["resourceType"] for e in page["entry"]) == ["Device", "Device", "Goal", "Goal"]
    assert SourceRecord.objects.filter(resource_type__in=NEW_TYPES).count() == 5


def search_total(client: Client, resource_type: str, token: dict[str, Any]) -> int:
    response = client.get(f"{FHIR}/{resource_type}", **bearer(token))
    assert response.status_code == 200, response.content
    return int(response.json()["total"])
