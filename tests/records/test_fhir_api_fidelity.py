"""The FHIR API answers like a server on data written by others: the HL7 US Core examples and
Synthea bundles (also re-sent with fullUrls that are not the resources' ids). Every resource it
serves validates against the R4 models; tokens match any coding; the Patient carries what the
sources said; resources claim only the profiles they meet; `_include`, `_lastUpdated` and
`clinical-status` work, and what is not supported answers 400."""

from __future__ import annotations

import copy
import json
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from portal.factories import OrganizationFactory, StaffMemberFactory, UserFactory
from portal.models import AuditEvent, Patient
from records.fhir_api.conformance import DERIVED, meets
from records.fhir_api.resource_types import CLINICAL_TYPES, US_CORE
from records.models import ImportRun, SourcePatientLink, SourceRecord
from records.services.imports import import_run_create, import_run_execute
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, FIXTURES, write_json

pytestmark = pytest.mark.django_db

FHIR = "/fhir/R4"
US_CORE_EXAMPLES = sorted((FIXTURES / "us-core").glob("*.json"))  # copied from ../shared/data (CC0)
EXPOSED = set(CLINICAL_TYPES)
LOINC = "http://loinc.org"


def example(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "us-core" / name).read_text())


def run_import(source, path: Path) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    return import_run_execute(run_id=run.pk, path=path)


def as_server_bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A collection as a FHIR server sends it: fullUrls are the resources' absolute URLs."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


def with_opaque_full_urls(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same bundle with every fullUrl a fresh urn:uuid that is not the resource's id, and every
    reference rewritten to it, as many systems write transactions. Ids are left as they were."""
    renamed = {entry["fullUrl"]: f"urn:uuid:{uuid.uuid4()}" for entry in bundle["entry"]}
    text = json.dumps(bundle)
    for old, new in renamed.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return json.loads(text)


@pytest.fixture
def us_core(source, tmp_path) -> dict[str, Patient]:
    """Every US Core example imported as one bundle; the people it holds by source id."""
    resources = [json.loads(path.read_text()) for path in US_CORE_EXAMPLES]
    run = run_import(source, write_json(tmp_path, "us-core.json", as_server_bundle(resources)))
    assert run.status == ImportRun.Status.DONE, run.failure
    links = SourceRecord.objects.filter(resource_type="Patient").select_related("patient")
    return {record.resource_id: record.patient for record in links}


@pytest.fixture
def nurse(source) -> Client:
    """Staff of the source clinic: sees every resource of its patients, held ones too."""
    return sign_in(Client(), StaffMemberFactory(organization=source).user, second_factor=True)


def own_client(person: Patient) -> Client:
    person.user = UserFactory()
    person.save()
    return sign_in(Client(), person.user)


def search(client: Client, path: str) -> dict[str, Any]:
    response = client.get(f"{FHIR}/{path}")
    assert response.status_code == 200, response.content
    return response.json()


def everything(client: Client, person: Patient) -> list[dict[str, Any]]:
    found, url = [], f"{FHIR}/Patient/{person.pk}/$everything?_count=200"
    while url:
        page = client.get(url).json()
        Bundle.model_validate(page)
        found += [entry["resource"] for entry in page.get("entry", [])]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    return found


def ids_of(bundle: dict[str, Any], mode: str = "match") -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode}


def portal_ids(resource_type: str, *source_ids: str) -> set[str]:
    records = SourceRecord.objects.filter(resource_type=resource_type, resource_id__in=source_ids)
    return {str(pk) for pk in records.values_list("pk", flat=True)}


# --- every served resource validates, and claims only what it meets ---------------------------------


def test_every_resource_served_from_the_us_core_examples_validates_and_meets_its_claims(us_core, nurse) -> None:
    served: list[dict[str, Any]] = []
    for person in us_core.values():
        served += everything(nurse, person)

    examples = [json.loads(path.read_text())["resourceType"] for path in US_CORE_EXAMPLES]
    assert Counter(r["resourceType"] for r in served) == Counter(t for t in examples if t in EXPOSED | {"Patient"})
    assert {"Observation", "Condition", "DiagnosticReport", "DocumentReference", "MedicationRequest"} <= {
        r["resourceType"] for r in served
    }
    for resource in served:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        for profile in resource["meta"].get("profile", []):
            assert meets(profile, resource) or resource["resourceType"] == "Patient", (resource["id"], profile)
    claims = Counter(p.removeprefix(US_CORE) for r in served for p in r["meta"].get("profile", []))
    # Every example of a type the portal checks meets its profile; the observations of profiles it
    # does not check (screening, social history, ...) claim none. A lab report also meets the note
    # profile, which fixes no category.
    assert claims == {
        "us-core-allergyintolerance": 2,
        "us-core-careplan": 1,
        "us-core-condition-encounter-diagnosis": 2,
        "us-core-condition-problems-health-concerns": 4,
        "us-core-diagnosticreport-lab": 2,
        "us-core-diagnosticreport-note": 5,
        "us-core-documentreference": 2,
        "us-core-encounter": 3,
        "us-core-goal": 2,
        "us-core-implantable-device": 2,
        "us-core-immunization": 1,
        "us-core-medicationrequest": 4,
        "us-core-observation-lab": 18,
        "us-core-patient": 4,
        "us-core-procedure": 2,
        "us-core-vital-signs": 16,
    }
    assert all(r["subject"]["reference"].startswith("Patient/") for r in served if "subject" in r)


def test_a_profile_the_served_resource_does_not_meet_is_not_claimed(source, tmp_path, nurse) -> None:
    condition = example("condition-duodenal-ulcer.json")
    del condition["category"]  # and no encounter: nothing to derive it from
    condition.pop("encounter", None)
    report = example("diagnosticreport-cbc.json")
    report["category"] = [{"text": "Blood count"}]  # not the LAB category the lab profile fixes
    report.pop("result")
    run_import(
        source, write_json(tmp_path, "b.json", as_server_bundle([example("patient-example.json"), condition, report]))
    )

    served = {r["resourceType"]: r for r in everything(nurse, Patient.objects.get())}

    assert "profile" not in served["Condition"]["meta"]
    assert "category" not in served["Condition"]
    # Still a DiagnosticReport note (category, code, subject, effective, status), no longer a lab report.
    assert served["DiagnosticReport"]["meta"]["profile"] == [f"{US_CORE}us-core-diagnosticreport-note"]


def test_an_uncategorized_vital_sign_is_served_as_one_saying_so_and_nothing_else_is(source, tmp_path, nurse) -> None:
    heart_rate = example("heart-rate.json")
    del heart_rate["category"]
    glucose = example("observation-serum-glucose.json")
    del glucose["category"]
    path = write_json(tmp_path, "v.json", as_server_bundle([example("patient-example.json"), heart_rate, glucose]))
    run_import(source, path)
    person = Patient.objects.get()

    served = {r["id"]: r for r in everything(nurse, person) if r["resourceType"] == "Observation"}
    vitals = search(nurse, f"Observation?patient={person.pk}&category=vital-signs")

    (pulse,) = portal_ids("Observation", heart_rate["id"])
    (sugar,) = portal_ids("Observation", glucose["id"])
    assert served[pulse]["category"][0]["coding"][0]["code"] == "vital-signs"
    assert served[pulse]["meta"]["profile"] == [f"{US_CORE}us-core-vital-signs"]
    assert served[pulse]["meta"]["tag"][-1]["code"] == "Observation.category"
    # A lab test's LOINC code says nothing of its category: nothing is derived, nothing claimed.
    assert "category" not in served[sugar]
    assert "profile" not in served[sugar]["meta"]
    assert ids_of(vitals) == {pulse}


def test_synthea_conditions_at_an_encounter_are_served_as_encounter_diagnoses_saying_so(imported, me) -> None:
    raw = [
        e["resource"] for e in json.loads(BUNDLE.read_text())["entry"] if e["resource"]["resourceType"] == "Condition"
    ]
    assert raw and all("category" not in c and "encounter" in c for c in raw)

    bundle = search(me, f"Condition?patient={imported.pk}")
    found = search(me, f"Condition?patient={imported.pk}&category=encounter-diagnosis")
    qualified = search(
        me,
        f"Condition?patient={imported.pk}&category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis",
    )
    neither = search(me, f"Condition?patient={imported.pk}&category=problem-list-item")

    conditions = [e["resource"] for e in bundle["entry"]]
    assert len(conditions) == bundle["total"] == len(raw)
    for condition in conditions:
        get_fhir_model_class("Condition").model_validate(condition)
        assert condition["category"][0]["coding"][0]["code"] == "encounter-diagnosis"
        assert {k: v for k, v in condition["meta"]["tag"][-1].items() if k != "display"} == {
            "system": DERIVED,
            "code": "Condition.category",
        }
        assert condition["meta"]["profile"] == [f"{US_CORE}us-core-condition-encounter-diagnosis"]
    assert found["total"] == qualified["total"] == len(raw)
    assert neither["total"] == 0


# --- tokens match any coding -------------------------------------------------------------------------


def test_a_token_matches_any_coding_not_only_the_first(us_core, nurse) -> None:
    person = us_core["example"]
    oxygen = portal_ids("Observation", "satO2-fiO2", "oxygen-saturation")
    assert len(oxygen) == 2

    def found(query: str) -> set[str]:
        return ids_of(search(nurse, f"Observation?patient={person.pk}&_count=200&{query}"))

    assert found(f"code={LOINC}|59408-5") == oxygen  # the second coding of both
    assert found("code=59408-5") == oxygen
    assert found(f"code={LOINC}|2708-6,{LOINC}|59408-5") == oxygen
    assert found("code=|59408-5") == set()  # coded with a system, so not "no system"
    assert found("code=http://snomed.info/sct|59408-5") == set()
    observations = SourceRecord.objects.filter(resource_type="Observation", patient=person)
    loinc_coded = {str(r.pk) for r in observations if any(c.get("system") == LOINC for c in r.raw["code"]["coding"])}
    assert found(f"code={LOINC}|") == loinc_coded
    assert (len(loinc_coded), observations.count()) == (125, 128)  # three are coded in other systems alone


def test_icd10_ndc_and_cvx_codes_past_the_first_coding_are_found(us_core, nurse) -> None:
    person = us_core["example"]
    diagnosis = example("condition-encounter-diagnosis-example1.json")
    icd10 = next(c for c in diagnosis["code"]["coding"] if "icd-10" in c["system"])
    immunization = example("imm-1.json")
    codings = immunization["vaccineCode"]["coding"]
    assert len(codings) > 1 and diagnosis["code"]["coding"][0] != icd10

    conditions = search(nurse, f"Condition?patient={person.pk}&code={icd10['system']}|{icd10['code']}")
    vaccines = search(
        nurse, f"Immunization?patient={person.pk}&vaccine-code={codings[-1]['system']}|{codings[-1]['code']}"
    )

    assert ids_of(conditions) == portal_ids("Condition", diagnosis["id"])
    assert ids_of(vaccines) == portal_ids("Immunization", immunization["id"])


def test_clinical_status_searches_conditions_and_allergies(us_core, nurse) -> None:
    person = us_core["example"]
    by_status: dict[str, set[str]] = {}
    for path in US_CORE_EXAMPLES:
        resource = json.loads(path.read_text())
        if resource["resourceType"] == "Condition" and "clinicalStatus" in resource:
            status = resource["clinicalStatus"]["coding"][0]["code"]
            by_status.setdefault(status, set()).update(portal_ids("Condition", resource["id"]))
    assert {"active", "resolved"} <= set(by_status)
    system = "http://terminology.hl7.org/CodeSystem/condition-clinical"

    for status, expected in by_status.items():
        assert ids_of(search(nurse, f"Condition?patient={person.pk}&clinical-status={status}")) == expected
        assert ids_of(search(nurse, f"Condition?patient={person.pk}&clinical-status={system}|{status}")) == expected
    assert search(nurse, f"Condition?patient={person.pk}&clinical-status=http://example.org|active")["total"] == 0
    assert search(nurse, f"AllergyIntolerance?patient={person.pk}&clinical-status=active")["total"] == 2
    assert search(nurse, f"AllergyIntolerance?patient={person.pk}&category=medication")["total"] == 1


# --- references follow the bundle's fullUrls ------------------------------------------------------


def test_a_bundle_whose_full_urls_are_not_the_ids_still_serves_subject_and_references(source, tmp_path) -> None:
    bundle = with_opaque_full_urls(json.loads(BUNDLE.read_text()))
    run = run_import(source, write_json(tmp_path, "opaque.json", bundle))
    assert run.status == ImportRun.Status.DONE and not run.total("failed")
    person = Patient.objects.get()
    raw = {(e["resource"]["resourceType"], e["resource"]["id"]): e["resource"] for e in bundle["entry"]}
    by_full_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}

    served = everything(own_client(person), person)

    observations = [r for r in served if r["resourceType"] == "Observation"]
    assert len(observations) == sum(1 for kind, _ in raw if kind == "Observation")
    for resource in served[1:]:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        subject = "patient" if resource["resourceType"] in ("Immunization", "AllergyIntolerance") else "subject"
        assert resource[subject]["reference"] == f"Patient/{person.pk}"
    for observation in observations:
        record = SourceRecord.objects.get(pk=observation["id"])
        encounter = by_full_url[raw[("Observation", record.resource_id)]["encounter"]["reference"]]
        assert observation["encounter"]["reference"] == f"Encounter/{portal_ids('Encounter', encounter['id']).pop()}"


# --- the Patient carries what the sources said ---------------------------------------------------


def test_the_patient_serves_death_address_telecom_and_race_and_ethnicity_from_the_sources(us_core, nurse) -> None:
    said = example("patient-deceased-example.json")
    extensions = {e["url"] for e in example("patient-example.json")["extension"]}

    deceased = search(nurse, f"Patient/{us_core['deceased-example'].pk}")
    living = search(nurse, f"Patient/{us_core['example'].pk}")

    for resource in (deceased, living):
        get_fhir_model_class("Patient").model_validate(resource)
    assert deceased["deceasedDateTime"] == said["deceasedDateTime"]
    assert deceased["active"] is False
    assert deceased["address"] == said["address"]
    assert {t["value"] for t in deceased["telecom"]} == {t["value"] for t in said["telecom"]}
    assert [e["url"].removeprefix(US_CORE) for e in deceased["extension"]] == [
        "us-core-race",
        "us-core-ethnicity",
        "us-core-individual-sex",
    ]
    assert deceased["extension"][0] == said["extension"][0]
    assert living["active"] is True and "deceasedDateTime" not in living
    assert {e["url"] for e in living["extension"]} == extensions
    assert living["meta"]["tag"][-1]["code"] == "riverside"


def test_two_sources_give_each_address_once_and_each_extension_from_the_newest(source, tmp_path, nurse) -> None:
    first = example("patient-deceased-example.json")
    del first["deceasedDateTime"]
    run_import(source, write_json(tmp_path, "a.json", as_server_bundle([first])))
    person = Patient.objects.get()
    other = OrganizationFactory(slug="lab", name="Lakeside Lab")
    second = copy.deepcopy(first)
    second["telecom"] = [{"system": "phone", "value": "(555) 555-5555"}, {"system": "phone", "value": "555-000-1111"}]
    second["extension"] = second["extension"][:1]
    second["extension"][0]["extension"] = second["extension"][0]["extension"][:1]
    SourcePatientLink.objects.create(source=other, source_patient_id=first["id"], patient=person, matched_by="review")
    path = write_json(tmp_path, "b.json", as_server_bundle([second]))
    import_run_execute(run_id=import_run_create(source=other, path=path).pk, path=path)

    resource = search(nurse, f"Patient/{person.pk}")

    # The newest source first; a number two sources write differently is one contact point.
    assert [t["value"] for t in resource["telecom"]] == ["(555) 555-5555", "555-000-1111", "mary.shaw@example.com"]
    assert resource["address"] == first["address"]
    race = [e for e in resource["extension"] if e["url"] == f"{US_CORE}us-core-race"]
    assert race == second["extension"]  # the newest source's race, alone
    assert {t["code"] for t in resource["meta"]["tag"]} == {"riverside", "lab"}


# --- _include, _lastUpdated, and what answers 400 ---------------------------------------------------


def test_include_adds_the_patient_once_and_audits_it(imported, me) -> None:
    bundle = search(me, f"Observation?patient={imported.pk}&code={LOINC}|8302-2&_include=Observation:patient")
    empty = search(me, f"Observation?patient={imported.pk}&code=no-such-code&_include=Observation:patient")

    Bundle.model_validate(bundle)
    modes = Counter(entry["search"]["mode"] for entry in bundle["entry"])
    assert modes["include"] == 1 and modes["match"] == bundle["total"] > 0
    included = next(e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include")
    assert (included["resourceType"], included["id"]) == ("Patient", str(imported.pk))
    assert "entry" not in empty
    assert list(AuditEvent.objects.order_by("id").values_list("object_type", flat=True)) == [
        "fhir.Observation",
        "fhir.Patient",
        "fhir.Observation",
    ]


def test_last_updated_filters_on_when_the_portal_last_changed_the_resource(imported, me) -> None:
    records = SourceRecord.objects.filter(patient=imported, resource_type="Condition").order_by("pk")
    changed = records.first()
    SourceRecord.objects.filter(pk=changed.pk).update(updated_at=timezone.now() + timedelta(days=3))
    later = (timezone.now() + timedelta(days=2)).date().isoformat()

    newer = search(me, f"Condition?patient={imported.pk}&_lastUpdated=ge{later}")
    older = search(me, f"Condition?patient={imported.pk}&_lastUpdated=lt{later}")

    assert ids_of(newer) == {str(changed.pk)}
    assert older["total"] == records.count() - 1


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("_include=Observation:subject", "_include"),
        ("_include=Condition:patient", "_include"),
        ("_include:iterate=Observation:patient", "_include:iterate"),
        ("_revinclude=Provenance:target", "_revinclude"),
        ("_lastUpdated=2024-13-01", "_lastUpdated"),
        ("code:text=glucose", "code:text"),
        ("_sort=date", "_sort"),
    ],
)
def test_what_the_server_does_not_support_answers_400_naming_it(imported, me, query, param) -> None:
    response = me.get(f"{FHIR}/Observation?patient={imported.pk}&{query}")

    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [param]


def test_the_capability_statement_says_what_is_supported(client) -> None:
    statement = client.get(f"{FHIR}/metadata").json()

    rest = statement["rest"][0]
    condition = next(r for r in rest["resource"] if r["type"] == "Condition")
    assert {p["name"] for p in condition["searchParam"]} >= {"clinical-status", "_lastUpdated", "category", "code"}
    assert condition["searchInclude"] == ["Condition:patient"]
    assert f"{US_CORE}us-core-condition-encounter-diagnosis" in condition["supportedProfile"]
    assert "_revinclude" in rest["documentation"]
    assert "instantiates" not in statement


def test_a_token_search_including_the_patient_costs_the_same_queries_however_many(
    imported, me, django_assert_num_queries
) -> None:
    query = f"Observation?patient={imported.pk}&code={LOINC}|8302-2,{LOINC}|29463-7&_include=Observation:patient"
    search(me, f"{query}&_count=1")  # the session registry writes once a minute
    # As a search (13: fhir_api/test_fhir_api.py), plus the patient's source records and its audit row.
    with django_assert_num_queries(15):
        small = search(me, f"{query}&_count=1")
    with django_assert_num_queries(15):
        large = search(me, f"{query}&_count=20")

    raw = [e["resource"] for e in json.loads(BUNDLE.read_text())["entry"]]
    heights_and_weights = [
        r for r in raw if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] in ("8302-2", "29463-7")
    ]
    assert (len(small["entry"]), len(large["entry"])) == (2, len(heights_and_weights) + 1)
    assert len(heights_and_weights) > 1
