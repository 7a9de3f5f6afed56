"""The FHIR R4 API: CapabilityStatement, read, search, Patient/$everything, access, audit, and
SMART on FHIR standalone patient launch (authorization code + PKCE) end to end.

Output is validated with fhir.resources' R4B models; the data is the Synthea bundle imported
as a source would send it, so counts are computed from the fixture itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from oauth2_provider.models import AccessToken, Application, Grant

from portal.access import Action, access_patient
from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory, UserFactory, born_years_ago
from portal.models import AuditEvent, Patient, ProxyGrant, Scope
from portal.services.proxies import proxy_revoke
from records.fhir_api.models import PatientLaunch
from records.models import RecordItem, SourceRecord
from records.services.imports import import_run_create, import_run_execute
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, NDJSON, REDIRECT

pytestmark = pytest.mark.django_db

FHIR = "/fhir/R4"
CLINIC_TZ = "America/Chicago"
RAW = [entry["resource"] for entry in json.loads(BUNDLE.read_text())["entry"]]
EXPOSED = {
    "Observation",
    "Condition",
    "MedicationRequest",
    "AllergyIntolerance",
    "Immunization",
    "Encounter",
    "Procedure",
    "DocumentReference",
    "DiagnosticReport",
    "Goal",
    "CarePlan",
    "ImagingStudy",
    "Device",
}


# --- arrange ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clinic_time_zone(settings) -> None:
    settings.CLINIC_TIME_ZONE = CLINIC_TZ


def raw_of(kind: str) -> list[dict[str, Any]]:
    return [resource for resource in RAW if resource["resourceType"] == kind]


def category(resource: dict[str, Any]) -> str:
    return resource["category"][0]["coding"][0]["code"]


def when(resource: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(resource["effectiveDateTime"])


def clinic_day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(CLINIC_TZ))


def get(client: Client, path: str, **extra: Any) -> Any:
    return client.get(f"{FHIR}/{path}", **extra)


def total(client: Client, path: str) -> int:
    response = get(client, path)
    assert response.status_code == 200, response.content
    return response.json()["total"]


def record_of(kind: str, **item: Any) -> SourceRecord:
    return SourceRecord.objects.filter(resource_type=kind, **{f"item__{k}": v for k, v in item.items()}).first()


def pages(client: Client, path: str) -> list[dict[str, Any]]:
    """Every page of a search, following `next` links."""
    found = []
    url: str | None = f"{FHIR}/{path}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        found.append(page)
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    return found


# --- what the server says it does ---------------------------------------------------------------


def test_metadata_is_a_valid_r4_capability_statement(client) -> None:
    response = get(client, "metadata")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["format"] == ["json", "application/fhir+json", "application/json"]
    rest = statement["rest"][0]
    assert {r["type"] for r in rest["resource"]} == EXPOSED | {"Patient"}
    assert all({i["code"] for i in r["interaction"]} == {"read", "search-type"} for r in rest["resource"])
    observation = next(r for r in rest["resource"] if r["type"] == "Observation")
    assert {p["name"]: p["type"] for p in observation["searchParam"]} == {
        "patient": "reference",
        "_id": "token",
        "_lastUpdated": "date",
        "date": "date",
        "code": "token",
        "category": "token",
    }
    patient = next(r for r in rest["resource"] if r["type"] == "Patient")
    assert patient["operation"][0]["name"] == "everything"
    oauth = rest["security"]["extension"][0]
    assert oauth["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    assert {e["url"]: e["valueUri"] for e in oauth["extension"]} == {
        "authorize": "http://testserver/o/authorize/",
        "token": "http://testserver/o/token/",
        "revoke": "http://testserver/o/revoke_token/",
    }
    assert rest["security"]["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_smart_configuration_names_the_endpoints_and_capabilities(client) -> None:
    response = client.get("/.well-known/smart-configuration")

    assert response.status_code == 200
    config = response.json()
    assert config["authorization_endpoint"] == "http://testserver/o/authorize/"
    assert config["token_endpoint"] == "http://testserver/o/token/"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert {"launch-standalone", "context-standalone-patient", "permission-patient", "client-public"} <= set(
        config["capabilities"]
    )
    assert {"patient/*.read", "patient/*.rs", "patient/Observation.read", "launch/patient", "openid"} <= set(
        config["scopes_supported"]
    )


# --- read ------------------------------------------------------------------------------------------


def test_the_patient_reads_themself_as_a_us_core_patient(imported, me) -> None:
    imported.preferred_language = "es"
    imported.save()

    response = get(me, f"Patient/{imported.pk}")

    assert response.status_code == 200
    resource = response.json()
    FhirPatient.model_validate(resource)
    assert resource["id"] == str(imported.pk)
    assert resource["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]
    assert resource["meta"]["source"] == "urn:portal:organization:riverside"
    assert resource["name"][0] == {"use": "official", "family": imported.family_name, "given": [imported.given_name]}
    assert (resource["birthDate"], resource["gender"]) == (imported.birth_date.isoformat(), "male")
    identifier = resource["identifier"][0]
    assert identifier["type"]["coding"][0]["code"] == "MR"
    assert identifier["value"] == imported.mrn
    assert resource["communication"][0]["language"]["coding"][0]["code"] == "es"


def test_an_observation_reads_under_portal_ids_with_rewritten_references(imported, me) -> None:
    source_obs = next(r for r in raw_of("Observation") if "valueQuantity" in r)
    record = SourceRecord.objects.get(resource_type="Observation", resource_id=source_obs["id"])
    encounter_id = source_obs["encounter"]["reference"].removeprefix("urn:uuid:")
    encounter = SourceRecord.objects.get(resource_type="Encounter", resource_id=encounter_id)

    response = get(me, f"Observation/{record.pk}")

    assert response.status_code == 200
    resource = response.json()
    Observation.model_validate(resource)
    assert resource["id"] == str(record.pk)
    assert resource["subject"] == {"reference": f"Patient/{imported.pk}"}
    assert resource["encounter"] == {"reference": f"Encounter/{encounter.pk}"}
    assert resource["valueQuantity"] == source_obs["valueQuantity"]
    assert resource["meta"]["source"] == "urn:portal:organization:riverside"
    assert resource["meta"]["tag"][0]["display"] == "Riverside Cardiology"
    event = AuditEvent.objects.get()
    assert (event.actor_id, event.patient_id, event.acting_as, event.scope) == (
        imported.user.pk,
        imported.pk,
        AuditEvent.ActingAs.SELF,
        Scope.RECORDS,
    )
    assert (event.action, event.object_type, event.object_id) == ("view", "fhir.Observation", str(record.pk))


def test_references_to_what_the_api_does_not_expose_keep_only_their_display(imported, me) -> None:
    source_encounter = raw_of("Encounter")[0]
    record = SourceRecord.objects.get(resource_type="Encounter", resource_id=source_encounter["id"])
    clinic, doctor = raw_of("Organization")[0], raw_of("Practitioner")[0]
    doctor_name = doctor["name"][0]

    resource = get(me, f"Encounter/{record.pk}").json()

    assert source_encounter["serviceProvider"] == {"reference": f"urn:uuid:{clinic['id']}"}
    assert resource["serviceProvider"] == {"display": clinic["name"]}
    assert resource["participant"][0]["individual"] == {
        "display": " ".join([*doctor_name["prefix"], *doctor_name["given"], doctor_name["family"]])
    }
    assert resource["meta"]["tag"][1] == {"system": "https://smarthealthit.org/tags", "code": "synthea-5-2019"}


def test_a_report_refers_to_its_results_by_portal_id(imported, me) -> None:
    source_report = raw_of("DiagnosticReport")[0]
    record = SourceRecord.objects.get(resource_type="DiagnosticReport", resource_id=source_report["id"])
    result_ids = [ref["reference"].removeprefix("urn:uuid:") for ref in source_report["result"]]
    expected = [
        f"Observation/{SourceRecord.objects.get(resource_type='Observation', resource_id=rid).pk}" for rid in result_ids
    ]

    resource = get(me, f"DiagnosticReport/{record.pk}").json()

    assert [ref["reference"] for ref in resource["result"]] == expected


# --- search ----------------------------------------------------------------------------------------


def test_search_returns_a_valid_searchset_with_every_observation(imported, me) -> None:
    response = get(me, f"Observation?patient={imported.pk}")

    assert response.status_code == 200
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert (bundle["type"], bundle["total"]) == ("searchset", len(raw_of("Observation")))
    assert len(bundle["entry"]) == 50
    first = bundle["entry"][0]
    assert first["fullUrl"] == f"http://testserver{FHIR}/Observation/{first['resource']['id']}"
    assert first["search"] == {"mode": "match"}
    assert {link["relation"] for link in bundle["link"]} == {"self", "next"}
    event = AuditEvent.objects.get()
    assert (event.object_type, event.object_id) == ("fhir.Observation", "searchset:50")


def test_search_by_category_code_and_date_counts_exactly(imported, me) -> None:
    observations = raw_of("Observation")
    labs = [r for r in observations if category(r) == "laboratory"]
    since_2020 = clinic_day("2020-01-01")

    assert total(me, f"Observation?patient={imported.pk}&category=laboratory") == len(labs) == 34
    assert total(me, f"Observation?patient={imported.pk}&category=laboratory&date=ge2020-01-01") == len(
        [r for r in labs if when(r) >= since_2020]
    )
    assert total(me, f"Observation?patient={imported.pk}&code=http://loinc.org|718-7") == 2
    assert total(me, f"Observation?patient={imported.pk}&code=718-7") == 2
    assert total(me, f"Observation?patient={imported.pk}&code=http://snomed.info/sct|718-7") == 0
    assert total(me, f"Observation?patient={imported.pk}&code=http://loinc.org|") == len(observations)
    assert total(me, f"Observation?patient={imported.pk}&code=718-7,789-8") == 4
    assert total(me, f"Observation?patient={imported.pk}&category=vital-signs,survey") == len(observations) - len(labs)
    assert total(me, f"Immunization?patient={imported.pk}&vaccine-code=http://hl7.org/fhir/sid/cvx|140") == 4
    assert total(me, f"Encounter?patient={imported.pk}&class=AMB") == len(
        [r for r in raw_of("Encounter") if r["class"]["code"] == "AMB"]
    )


@pytest.mark.parametrize(
    ("prefix", "keep", "count"),
    [
        ("", lambda moment, day, after: day <= moment < after, 17),
        ("eq", lambda moment, day, after: day <= moment < after, 17),
        ("ne", lambda moment, day, after: not day <= moment < after, 42),
        ("ge", lambda moment, day, after: moment >= day, 17),
        ("gt", lambda moment, day, after: moment >= after, 0),
        ("le", lambda moment, day, after: moment < after, 59),
        ("lt", lambda moment, day, after: moment < day, 42),
    ],
)
def test_date_prefixes(imported, me, prefix, keep, count) -> None:
    # Synthea's 2021-02-26T00:39:32+00:00 is the evening of 25 February at a Chicago clinic.
    day, after = clinic_day("2021-02-25"), clinic_day("2021-02-26")

    found = total(me, f"Observation?patient={imported.pk}&date={prefix}2021-02-25")

    assert found == len([r for r in raw_of("Observation") if keep(when(r), day, after)]) == count


def test_dates_of_every_precision_and_repeated_date_parameters(imported, me) -> None:
    in_2015 = len([r for r in raw_of("Observation") if r["effectiveDateTime"].startswith("2015")])

    assert total(me, f"Observation?patient={imported.pk}&date=2015") == in_2015
    assert total(me, f"Observation?patient={imported.pk}&date=2015-05") == in_2015
    assert total(me, f"Observation?patient={imported.pk}&date=ge2015-01-01&date=lt2016-01-01") == in_2015
    assert total(me, f"Observation?patient={imported.pk}&date=ge2015-05-08T00:39:32Z&date=le2015-05-08T00:39:32Z") == (
        in_2015
    )
    assert total(me, f"Condition?patient={imported.pk}&onset-date=2019-09") == 1


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("Observation?patient={p}&colour=red", "colour"),
        ("Observation?patient={p}&date=sa2020", "date"),
        ("Observation?patient={p}&date=2020-13-01", "date"),
        ("Observation?patient={p}&date=yesterday", "date"),
        ("Observation?patient={p}&code=|", "code"),
        ("Observation?patient={p}&_count=ten", "_count"),
        ("Observation?patient={p}&_offset=-1", "_offset"),
        # Past PostgreSQL's bigint: once reached the database as OFFSET and answered 500.
        ("Observation?patient={p}&_offset=99999999999999999999", "_offset"),
        ("Patient/{p}/$everything?_offset=1000000001", "_offset"),
        # isdigit() passes a superscript two, which int() refuses (once a 500).
        ("Observation?patient={p}&_offset=²", "_offset"),
        ("Observation?patient={p}&_count=²", "_count"),
        ("Condition?patient={p}&date=2020", "date"),
        ("Observation", "patient"),
        ("Observation?patient=Practitioner/1", "patient"),
        ("Patient?name=Kihn", "name"),
        ("Patient/{p}/$everything?_type=Claim", "_type"),
    ],
)
def test_bad_search_parameters_answer_400_naming_the_parameter(imported, me, query, param) -> None:
    response = get(me, query.format(p=imported.pk))

    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert (response.json()["resourceType"], issue["code"], issue["expression"]) == (
        "OperationOutcome",
        "invalid",
        [param],
    )
    assert issue["diagnostics"].startswith(f"{param}: ")
    assert AuditEvent.objects.count() == 0


def test_paging_walks_every_result_once(imported, me) -> None:
    found = pages(me, f"Observation?patient={imported.pk}&_count=20")

    assert [len(page["entry"]) for page in found] == [20, 20, 19]
    ids = [entry["resource"]["id"] for page in found for entry in page["entry"]]
    assert len(ids) == len(set(ids)) == 59
    assert {link["relation"] for link in found[1]["link"]} == {"self", "next", "previous"}
    last_self = next(link["url"] for link in found[-1]["link"] if link["relation"] == "self")
    assert parse_qs(urlparse(last_self).query) == {
        "_count": ["20"],
        "_offset": ["40"],
        "patient": [str(imported.pk)],
    }


def test_count_is_capped_and_zero_gives_the_total_only(imported, me) -> None:
    capped = get(me, f"Observation?patient={imported.pk}&_count=500").json()
    counted = get(me, f"Observation?patient={imported.pk}&_count=0").json()

    assert len(capped["entry"]) == 59
    assert "_count=200" in capped["link"][0]["url"]
    huge = get(me, f"Observation?patient={imported.pk}&_count={'9' * 5000}").json()
    assert (len(huge["entry"]), "_count=200" in huge["link"][0]["url"]) == (59, True)
    assert (counted["total"], "entry" in counted) == (59, False)
    Bundle.model_validate(counted)


def test_a_search_page_costs_the_same_queries_however_many_resources(imported, me, django_assert_num_queries) -> None:
    get(me, f"Observation?patient={imported.pk}&_count=1")  # the session registry writes once a minute
    # Session and user (2), staff role and second-factor devices (3), the patient (1), count and page (2),
    # the audit row (1), every reference on the page (1), the idle clock saved in the session (3).
    with django_assert_num_queries(13):
        small = get(me, f"Observation?patient={imported.pk}&_count=1")
    with django_assert_num_queries(13):
        large = get(me, f"Observation?patient={imported.pk}&_count=59")

    assert (len(small.json()["entry"]), len(large.json()["entry"])) == (1, 59)


def test_patient_search_finds_the_callers_own_people(imported, me) -> None:
    mine = get(me, "Patient").json()
    by_id = get(me, f"Patient?_id={imported.pk}").json()
    by_mrn = get(me, f"Patient?identifier=urn:portal:mrn:riverside|{imported.mrn}").json()
    by_bare_mrn = get(me, f"Patient?identifier={imported.mrn}").json()
    wrong_system = get(me, f"Patient?identifier=urn:portal:mrn:elsewhere|{imported.mrn}").json()
    other = get(me, f"Patient?_id={PatientFactory().pk}").json()

    assert [e["resource"]["id"] for e in mine["entry"]] == [str(imported.pk)]
    assert (by_id["total"], by_mrn["total"], by_bare_mrn["total"]) == (1, 1, 1)
    assert (wrong_system["total"], other["total"]) == (0, 0)
    assert get(me, "Patient?identifier=urn:portal:mrn:riverside|").status_code == 400
    assert AuditEvent.objects.filter(object_type="fhir.Patient").count() == 4
    Bundle.model_validate(mine)


# --- $everything -----------------------------------------------------------------------------------


def test_everything_is_the_patient_and_every_released_resource(imported, me) -> None:
    exposed = [r for r in RAW if r["resourceType"] in EXPOSED]

    found = pages(me, f"Patient/{imported.pk}/$everything")

    assert [page["total"] for page in found] == [len(exposed) + 1] * 2
    for page in found:
        Bundle.model_validate(page)
    resources = [entry["resource"] for page in found for entry in page["entry"]]
    assert resources[0]["resourceType"] == "Patient"
    assert Counter(r["resourceType"] for r in resources[1:]) == Counter(r["resourceType"] for r in exposed)
    assert not {"Claim", "ExplanationOfBenefit", "Organization", "Practitioner"} & {
        r["resourceType"] for r in resources
    }
    assert all(r["meta"]["source"] == "urn:portal:organization:riverside" for r in resources)
    events = AuditEvent.objects.order_by("id")
    assert [(e.object_type, e.object_id) for e in events] == [
        ("fhir.Patient/$everything", "searchset:50"),
        ("fhir.Patient/$everything", f"searchset:{len(exposed) + 1 - 50}"),
    ]


def test_a_bulk_export_reads_back_as_valid_r4_with_only_portal_references(source) -> None:
    run = import_run_create(source=source, path=NDJSON, create_missing_patients=True)
    import_run_execute(run_id=run.pk, path=NDJSON)
    person = Patient.objects.order_by("family_name").first()
    person.user = UserFactory()
    person.save()
    browser = sign_in(Client(), person.user)
    expected = SourceRecord.objects.filter(patient=person, resource_type__in=EXPOSED).count()

    found = pages(browser, f"Patient/{person.pk}/$everything?_count=200")

    for page in found:
        Bundle.model_validate(page)
    resources = [entry["resource"] for page in found for entry in page["entry"]]
    assert len(resources) == found[0]["total"] == expected + 1
    assert {"MedicationRequest", "DocumentReference", "Condition"} <= {r["resourceType"] for r in resources}
    references = re.findall(r'"reference": "([^"]*)"', json.dumps(resources))
    assert references
    assert all(re.fullmatch(rf"Patient/{person.pk}|[A-Za-z]+/\d+", ref) for ref in references), set(references)


def test_everything_by_type(imported, me) -> None:
    bundle = get(me, f"Patient/{imported.pk}/$everything?_type=Patient,Immunization").json()

    assert bundle["total"] == 1 + len(raw_of("Immunization"))
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"] + ["Immunization"] * 6


# --- access ----------------------------------------------------------------------------------------


def test_another_patients_resources_answer_404(imported) -> None:
    stranger = sign_in(Client(), PatientFactory().user)
    observation = record_of("Observation")

    for path in (
        f"Observation/{observation.pk}",
        f"Observation?patient={imported.pk}",
        f"Patient/{imported.pk}",
        f"Patient/{imported.pk}/$everything",
    ):
        response = get(stranger, path)
        assert response.status_code == 404, path
        assert response.json()["issue"][0]["code"] == "not-found"
        assert imported.family_name not in response.content.decode()
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    ["Claim/1", "Claim?patient={p}", "ExplanationOfBenefit/1", "Observation/999999", "Observation/abc", "Nope/1"],
)
def test_unknown_types_and_ids_answer_404(imported, me, path) -> None:
    if path.startswith("Claim/") or path.startswith("ExplanationOfBenefit/"):
        kind = path.split("/")[0]
        path = f"{kind}/{SourceRecord.objects.filter(resource_type=kind).first().pk}"

    response = get(me, path.format(p=imported.pk))

    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_caregiver_without_the_records_scope_gets_404(imported) -> None:
    grant = ProxyGrantFactory(patient=imported, scopes=[Scope.MESSAGING, Scope.BILLING])
    carer = sign_in(Client(), grant.grantee)

    assert get(carer, f"Observation?patient={imported.pk}").status_code == 404
    assert get(carer, f"Observation/{record_of('Observation').pk}").status_code == 404
    assert get(carer, f"Patient/{imported.pk}/$everything").status_code == 404


def test_a_teenagers_caregiver_never_sees_confidential_items(imported, me) -> None:
    imported.birth_date = born_years_ago(15)
    imported.save()
    secret = record_of("Observation", code="718-7")
    RecordItem.objects.filter(record=secret).update(confidential=True)
    parent = sign_in(Client(), ProxyGrantFactory(patient=imported, scopes=[Scope.RECORDS]).grantee)
    report = SourceRecord.objects.get(
        resource_type="DiagnosticReport",
        resource_id=next(
            r["id"]
            for r in raw_of("DiagnosticReport")
            if any(ref["reference"].endswith(secret.resource_id) for ref in r["result"])
        ),
    )

    assert get(parent, f"Observation/{secret.pk}").status_code == 404
    assert total(parent, f"Observation?patient={imported.pk}&code=718-7") == 1
    assert total(parent, f"Patient/{imported.pk}/$everything") == total(me, f"Patient/{imported.pk}/$everything") - 1
    seen_by_parent = get(parent, f"DiagnosticReport/{report.pk}").json()
    assert f"Observation/{secret.pk}" not in json.dumps(seen_by_parent)
    own = get(me, f"Observation/{secret.pk}").json()
    assert own["meta"]["security"][0]["code"] == "R"


def test_held_results_are_hidden_from_the_patient_and_shown_to_staff(imported, me) -> None:
    held = record_of("Observation", code="718-7")
    RecordItem.objects.filter(record=held).update(release=RecordItem.Release.HELD)
    nurse = sign_in(Client(), StaffMemberFactory(organization=imported.home_organization).user, second_factor=True)

    assert get(me, f"Observation/{held.pk}").status_code == 404
    assert total(me, f"Observation?patient={imported.pk}&code=718-7") == 1
    assert total(me, f"Patient/{imported.pk}/$everything") == 79
    shown = get(nurse, f"Observation/{held.pk}")
    assert shown.status_code == 200
    assert {"system": "urn:portal:release", "code": "held", "display": "Held for clinician review"} in shown.json()[
        "meta"
    ]["tag"]
    assert total(nurse, f"Observation?patient={imported.pk}&code=718-7") == 2
    assert AuditEvent.objects.filter(acting_as=AuditEvent.ActingAs.STAFF).count() == 2


def test_anonymous_callers_are_asked_for_a_bearer_token(imported, client) -> None:
    response = get(client, f"Patient/{imported.pk}")
    forged = get(client, f"Patient/{imported.pk}", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert (response.status_code, forged.status_code) == (401, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["issue"][0]["code"] == "login"
    assert imported.family_name not in response.content.decode()


# --- SMART on FHIR: standalone patient launch --------------------------------------------------------


VERIFIER = "a-long-enough-pkce-code-verifier-of-forty-three-plus-characters"


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize_params(app: Application, scope: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "xyz",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        "aud": f"http://testserver{FHIR}",
    }


def launch(browser: Client, app: Application, *, person: Patient, scope: str) -> dict[str, Any]:
    """Authorize on the consent page, choosing `person`, then swap the code for tokens."""
    params = authorize_params(app, scope)
    page = browser.get("/o/authorize/", params)
    assert page.status_code == 200
    form = {**params, "patient": str(person.pk), "allow": "on"}
    answer = browser.post("/o/authorize/", form)
    assert answer.status_code == 302, answer.content
    query = parse_qs(urlparse(answer["Location"]).query)
    assert answer["Location"].startswith(REDIRECT)
    assert query["state"] == ["xyz"]
    token = Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "code_verifier": VERIFIER,
        },
    )
    assert token.status_code == 200, token.content
    return token.json()


def bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token['access_token']}"}


def test_a_patient_launches_an_app_and_it_reads_their_record(imported, me, app) -> None:
    token = launch(me, app, person=imported, scope="launch/patient patient/*.read openid fhirUser offline_access")

    assert token["patient"] == str(imported.pk)
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"launch/patient", "patient/*.read", "openid", "fhirUser", "offline_access"}
    assert "refresh_token" in token
    app_client = Client()
    searched = get(app_client, "Observation?category=laboratory", **bearer(token))
    assert searched.status_code == 200
    assert searched.json()["total"] == 34
    assert get(app_client, f"Patient/{imported.pk}", **bearer(token)).json()["id"] == str(imported.pk)
    assert get(app_client, f"Patient/{imported.pk}/$everything", **bearer(token)).json()["total"] == 80
    assert get(app_client, f"Patient/{PatientFactory().pk}", **bearer(token)).status_code == 404
    events = AuditEvent.objects.filter(object_type__startswith="fhir.")
    assert {(e.actor_id, e.patient_id, e.acting_as) for e in events} == {
        (imported.user.pk, imported.pk, AuditEvent.ActingAs.SELF)
    }
    assert events.count() == 3


def test_the_consent_page_offers_only_people_whose_record_the_user_may_read(imported, app) -> None:
    carer = UserFactory()
    PatientFactory(user=carer, given_name="Karen", family_name="Mitchell")
    ProxyGrantFactory(patient=imported, grantee=carer, scopes=[Scope.RECORDS])
    ProxyGrantFactory(
        patient=PatientFactory(given_name="Billie", family_name="Nope"), grantee=carer, scopes=["billing"]
    )
    browser = sign_in(Client(), carer)

    page = browser.get("/o/authorize/", authorize_params(app, "launch/patient patient/*.read"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Share your health record with Health Tracker?" in html
    choices = page.context["form"]["patient"]
    assert [(str(c.data["value"]), c.choice_label) for c in choices] == [
        (str(carer.patient.pk), "Karen Mitchell (you)"),
        (str(imported.pk), imported.display_name),
    ]
    assert html.count('type="radio" name="patient"') == 2


def test_a_choice_outside_the_offer_is_refused_and_no_code_is_issued(imported, app) -> None:
    browser = sign_in(Client(), PatientFactory().user)
    params = authorize_params(app, "launch/patient patient/*.read")

    answer = browser.post("/o/authorize/", {**params, "patient": str(imported.pk), "allow": "on"})

    assert answer.status_code == 200
    assert "Whose record may it read?" in answer.content.decode()
    assert Grant.objects.count() == 0


def test_a_caregivers_token_stops_working_when_their_access_is_revoked(imported, app) -> None:
    grant = ProxyGrantFactory(patient=imported, scopes=[Scope.RECORDS])
    browser = sign_in(Client(), grant.grantee)
    token = launch(browser, app, person=imported, scope="launch/patient patient/*.rs offline_access")
    app_client = Client()
    assert token["patient"] == str(imported.pk)
    assert get(app_client, "Observation", **bearer(token)).json()["total"] == 59
    assert AuditEvent.objects.filter(acting_as=AuditEvent.ActingAs.PROXY, object_type="fhir.Observation").count() == 1

    proxy_revoke(
        access=access_patient(imported.user, imported.pk, Action.SHARING), actor=imported.user, grant_id=grant.pk
    )

    assert get(app_client, "Observation", **bearer(token)).status_code == 404
    assert get(app_client, f"Patient/{imported.pk}", **bearer(token)).status_code == 404
    refreshed = app_client.post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id},
    )
    assert (refreshed.status_code, refreshed.json()["error"]) == (400, "invalid_grant")
    assert grant.__class__.objects.get(pk=grant.pk).status == ProxyGrant.Status.REVOKED


def test_a_refreshed_token_keeps_the_patient(imported, me, app) -> None:
    token = launch(me, app, person=imported, scope="launch/patient patient/*.read offline_access")

    refreshed = Client().post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id},
    )

    assert refreshed.status_code == 200, refreshed.content
    fresh = refreshed.json()
    assert fresh["patient"] == str(imported.pk)
    assert get(Client(), f"Patient/{imported.pk}", **bearer(fresh)).status_code == 200
    assert get(Client(), f"Patient/{imported.pk}", **bearer(token)).status_code == 401
    launch_row = PatientLaunch.objects.get()
    assert list(launch_row.access_tokens.all()) == [AccessToken.objects.get()]


def test_without_offline_access_there_is_no_refresh_token(imported, me, app) -> None:
    token = launch(me, app, person=imported, scope="launch/patient patient/*.read")

    assert "refresh_token" not in token


def test_a_token_reads_only_the_types_its_scopes_name(imported, me, app) -> None:
    token = launch(me, app, person=imported, scope="launch/patient patient/Observation.read")
    app_client = Client()

    assert get(app_client, "Observation", **bearer(token)).json()["total"] == 59
    forbidden = get(app_client, "Condition", **bearer(token))
    assert forbidden.status_code == 403
    assert forbidden.json()["issue"][0]["code"] == "forbidden"
    everything = get(app_client, f"Patient/{imported.pk}/$everything", **bearer(token)).json()
    assert {e["resource"]["resourceType"] for e in everything["entry"]} == {"Observation"}


def test_an_app_asking_for_another_fhir_server_is_refused(imported, me, app) -> None:
    params = {**authorize_params(app, "launch/patient patient/*.read"), "aud": "https://elsewhere.example/fhir"}

    answer = me.get("/o/authorize/", params)

    assert answer.status_code == 400
    assert "This app cannot connect" in answer.content.decode()


def test_a_token_cannot_be_had_without_pkce(imported, me, app) -> None:
    params = authorize_params(app, "launch/patient patient/*.read")
    del params["code_challenge"], params["code_challenge_method"]

    answer = me.get("/o/authorize/", params)

    assert answer.status_code == 302
    assert "error=invalid_request" in answer["Location"]
    assert Grant.objects.count() == 0


LONG = "x" * 300  # longer than any code, category or MRN column


@pytest.mark.parametrize(
    "query",
    [
        # Compared with varchar(64)/(200) columns, these once answered 500 ("value too long").
        f"Observation?patient={{p}}&code={LONG}",
        f"Observation?patient={{p}}&code={LONG}|4548-4",
        f"Observation?patient={{p}}&category={LONG}",
        f"Patient?identifier={LONG}",
        f"Patient?identifier={LONG}|1",
        f"Patient?identifier=urn:portal:mrn:{LONG}|1",
        # Past bigint in an IN list: once a 500; a superscript digit: once a ValueError.
        "Observation?patient={p}&_id=99999999999999999999",
        "Observation?patient={p}&_id=²",
    ],
)
def test_a_value_no_record_can_have_finds_nothing(imported, me, query) -> None:
    assert total(me, query.format(p=imported.pk)) == 0


@pytest.mark.parametrize("resource_id", ["99999999999999999999", "²", "9" * 5000])
def test_reading_an_id_no_record_can_have_answers_404(imported, me, resource_id) -> None:
    assert get(me, f"Observation/{resource_id}").status_code == 404
