"""Patient/$summary: the International Patient Summary as a FHIR `document` Bundle, validated with
fhir.resources' R4B models, on the imported Synthea patient and on an empty record; what a teen's
parent may not see stays out of it; access, scopes, audit and query count as for $everything."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from portal.factories import OrganizationFactory, PatientFactory, ProxyGrantFactory, born_years_ago
from portal.models import AuditEvent, Organization, Patient, Scope
from records.factories import RecordItemFactory, SourceRecordFactory
from records.models import RecordItem, SourceRecord
from tests.conftest import sign_in
from tests.records.test_fhir_api import bearer, get, launch, raw_of, record_of

pytestmark = pytest.mark.django_db

BASE = "http://testserver/fhir/R4"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PROBLEMS, ALLERGIES, MEDICATIONS = "11450-4", "48765-2", "10160-0"
IMMUNIZATIONS, RESULTS, VITALS, PROCEDURES, PAST_PROBLEMS = "11369-6", "30954-2", "8716-3", "47519-4", "11348-0"


def summary_of(client: Client, patient: Patient, **extra: Any) -> dict[str, Any]:
    response = get(client, f"Patient/{patient.pk}/$summary", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return response.json()


def sections(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    composition = bundle["entry"][0]["resource"]
    return {section["code"]["coding"][0]["code"]: section for section in composition["section"]}


def entries(section: dict[str, Any]) -> list[str]:
    return [entry["reference"] for entry in section.get("entry", [])]


def latest_of_each(category: str) -> int:
    """How many different tests (or vital signs) of `category` the Synthea bundle holds."""
    return len(
        {
            (r["code"]["coding"][0]["code"], r["code"]["coding"][0].get("display", ""))
            for r in raw_of("Observation")
            if r["category"][0]["coding"][0]["code"] == category
        }
    )


def test_the_imported_patients_summary_is_a_valid_ips_document(imported, me) -> None:
    bundle = summary_of(me, imported)

    Bundle.model_validate(bundle)
    assert bundle["type"] == "document"
    assert bundle["identifier"]["value"] == f"urn:uuid:{bundle['id']}"
    assert bundle["meta"]["profile"] == ["http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"]
    head = [entry["resource"]["resourceType"] for entry in bundle["entry"][:3]]
    assert head == ["Composition", "Patient", "Organization"]
    composition, patient, clinic = (entry["resource"] for entry in bundle["entry"][:3])
    assert composition["type"]["coding"][0]["code"] == "60591-5"
    assert (composition["status"], composition["title"]) == ("final", "International Patient Summary")
    assert composition["date"] == bundle["timestamp"]
    assert composition["subject"]["reference"] == f"Patient/{imported.pk}"
    assert patient["id"] == str(imported.pk)
    assert composition["author"][0]["reference"] == bundle["entry"][2]["fullUrl"]
    assert clinic["name"] == imported.home_organization.name
    found = sections(bundle)
    assert list(found) == [PROBLEMS, ALLERGIES, MEDICATIONS, IMMUNIZATIONS, RESULTS, VITALS, PROCEDURES, PAST_PROBLEMS]
    # Michael's one condition is resolved: a past problem, not on the problem list. No allergy, no medicine.
    for code in (PROBLEMS, ALLERGIES, MEDICATIONS):
        assert found[code]["emptyReason"]["coding"][0]["code"] == "unavailable"
        assert "entry" not in found[code]
    assert len(entries(found[PAST_PROBLEMS])) == len(raw_of("Condition")) == 1
    assert len(entries(found[IMMUNIZATIONS])) == len(raw_of("Immunization")) == 6
    assert len(entries(found[PROCEDURES])) == len(raw_of("Procedure")) == 3
    assert len(entries(found[RESULTS])) == latest_of_each("laboratory")
    assert len(entries(found[VITALS])) == latest_of_each("vital-signs")
    # Every section entry is in the bundle, and the bundle holds nothing else.
    listed = [ref for section in found.values() for ref in entries(section)]
    assert [entry["fullUrl"] for entry in bundle["entry"][3:]] == [f"{BASE}/{ref}" for ref in listed]
    # The narrative says each entry, once.
    for section in found.values():
        assert section["text"]["div"].count("<li>") == len(entries(section))
    assert [(e.object_type, e.object_id) for e in AuditEvent.objects.all()] == [
        ("fhir.Patient/$summary", f"document:{len(listed)}")
    ]


def test_results_are_the_latest_value_of_each_test(imported, me) -> None:
    hemoglobins = sorted(
        SourceRecord.objects.filter(resource_type="Observation", item__code="718-7").select_related("item"),
        key=lambda record: record.item.effective_at,
    )

    results = entries(sections(summary_of(me, imported))[RESULTS])

    assert len(hemoglobins) == 2
    assert f"Observation/{hemoglobins[1].pk}" in results
    assert f"Observation/{hemoglobins[0].pk}" not in results


def test_an_empty_record_has_the_three_required_sections_each_with_an_empty_reason(patient, client) -> None:
    sign_in(client, patient.user)

    bundle = summary_of(client, patient)

    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Composition", "Patient", "Organization"]
    found = sections(bundle)
    assert list(found) == [PROBLEMS, ALLERGIES, MEDICATIONS]
    for section in found.values():
        assert section["emptyReason"]["coding"][0] == {
            "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
            "code": "unavailable",
            "display": "Unavailable",
        }
        assert "No information about this in the health record." in section["text"]["div"]


def _item(patient: Patient, source: Organization, raw: dict[str, Any], **fields: Any) -> SourceRecord:
    """A record line of `patient` from `source`, with the resource behind it."""
    record = SourceRecordFactory(
        patient=patient, source=source, resource_type=raw["resourceType"], resource_id=raw["id"], raw=raw
    )
    RecordItemFactory(record=record, patient=patient, source=source, value_number=None, unit="", **fields)
    return record


def _penicillin_allergy(patient: Patient, *, confidential: bool) -> SourceRecord:
    raw = {
        "resourceType": "AllergyIntolerance",
        "id": "allergy-1",
        "patient": {"reference": f"Patient/{patient.pk}"},
        "code": {"coding": [{"system": RXNORM, "code": "7980"}]},
    }
    return _item(
        patient,
        patient.home_organization,
        raw,
        kind=RecordItem.Kind.ALLERGY,
        display="Penicillin",
        code="7980",
        confidential=confidential,
    )


def test_a_medicine_two_sources_list_is_one_entry_naming_both(patient, client) -> None:
    sign_in(client, patient.user)
    lakeside = OrganizationFactory(name="Lakeside Clinic")
    st_marys = OrganizationFactory(name="St Mary's Hospital")
    stopped = OrganizationFactory(name="Old Clinic")
    for source, status, days_ago in ((lakeside, "active", 30), (st_marys, "active", 2), (stopped, "stopped", 400)):
        # Each source knows the patient by its own id.
        SourceRecordFactory(patient=patient, source=source, resource_type="Patient", resource_id="p-1")
        raw = {
            "resourceType": "MedicationRequest",
            "id": f"metformin-{source.slug}",
            "status": status,
            "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "860975"}], "text": "Metformin"},
            "subject": {"reference": "Patient/p-1"},
        }
        _item(
            patient,
            source,
            raw,
            kind=RecordItem.Kind.MEDICATION,
            display="Metformin 500 MG",
            code="860975",
            status=status,
            dedup_key=f"medication:{RXNORM}|860975",
            effective_at=timezone.now() - timedelta(days=days_ago),
        )

    bundle = summary_of(client, patient)

    Bundle.model_validate(bundle)
    medications = sections(bundle)[MEDICATIONS]
    newest = SourceRecord.objects.get(resource_id="metformin-" + st_marys.slug)
    assert entries(medications) == [f"MedicationRequest/{newest.pk}"]
    assert "St Mary&#x27;s Hospital, Lakeside Clinic" in medications["text"]["div"]
    assert "Old Clinic" not in medications["text"]["div"]


def test_a_teens_parent_gets_a_summary_without_confidential_items(imported, me) -> None:
    imported.birth_date = born_years_ago(15)
    imported.save()
    allergy = _penicillin_allergy(imported, confidential=True)
    shot = record_of("Immunization")
    RecordItem.objects.filter(record=shot).update(confidential=True)
    parent = sign_in(Client(), ProxyGrantFactory(patient=imported, scopes=[Scope.RECORDS]).grantee)

    own = summary_of(me, imported)
    seen_by_parent = summary_of(parent, imported)

    Bundle.model_validate(seen_by_parent)
    assert entries(sections(own)[ALLERGIES]) == [f"AllergyIntolerance/{allergy.pk}"]
    assert f"Immunization/{shot.pk}" in entries(sections(own)[IMMUNIZATIONS])
    # The parent's allergy section reads as if there were none: nothing says that something is withheld.
    nobody = PatientFactory()
    with_no_allergy = summary_of(sign_in(Client(), nobody.user), nobody)
    assert sections(seen_by_parent)[ALLERGIES] == sections(with_no_allergy)[ALLERGIES]
    assert len(entries(sections(seen_by_parent)[IMMUNIZATIONS])) == len(entries(sections(own)[IMMUNIZATIONS])) - 1
    text = json.dumps(seen_by_parent)
    assert f"Immunization/{shot.pk}" not in text
    assert "Penicillin" not in text
    events = AuditEvent.objects.filter(patient=imported)
    assert events.get(acting_as=AuditEvent.ActingAs.PROXY).confidential is False
    assert events.get(acting_as=AuditEvent.ActingAs.SELF).confidential is True


def test_another_patients_summary_answers_404(imported) -> None:
    stranger = sign_in(Client(), PatientFactory().user)

    response = get(stranger, f"Patient/{imported.pk}/$summary")

    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"
    assert imported.family_name not in response.content.decode()
    assert AuditEvent.objects.count() == 0


def test_an_unknown_parameter_answers_400(imported, me) -> None:
    response = get(me, f"Patient/{imported.pk}/$summary?identifier=abc")

    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["identifier"]


def test_a_token_needs_every_type_the_summary_holds(imported, me, app) -> None:
    everything = launch(me, app, person=imported, scope="launch/patient patient/*.read")
    observations = launch(me, app, person=imported, scope="launch/patient patient/Observation.read")

    allowed = get(Client(), f"Patient/{imported.pk}/$summary", **bearer(everything))
    refused = get(Client(), f"Patient/{imported.pk}/$summary", **bearer(observations))

    assert allowed.status_code == 200
    Bundle.model_validate(allowed.json())
    assert refused.status_code == 403
    assert refused.json()["issue"][0]["code"] == "forbidden"


def test_the_capability_statement_lists_the_operation(client) -> None:
    statement = get(client, "metadata").json()

    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    assert {"name": "summary", "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary"} in patient[
        "operation"
    ]


def test_the_narrative_is_escaped(patient, client) -> None:
    sign_in(client, patient.user)
    RecordItemFactory(patient=patient, source=patient.home_organization, display="<script>alert(1)</script>")

    results = sections(summary_of(client, patient))[RESULTS]

    assert "<script>" not in results["text"]["div"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in results["text"]["div"]


def test_the_summary_costs_the_same_queries_however_long_the_record(imported, me, django_assert_num_queries) -> None:
    summary_of(me, imported)  # the session registry writes once a minute
    # Session and user (2), staff role and second-factor devices (3), the patient (1), the sections'
    # records (1), the latest results (1), their references (1), what the sources said of the patient
    # (1), the audit row (1), the idle clock (3).
    with django_assert_num_queries(14):
        short = summary_of(me, imported)
    source = imported.home_organization
    for day in range(5):
        when = timezone.now() - timedelta(days=day)
        RecordItemFactory(patient=imported, source=source, code=f"9999-{day}", effective_at=when)
        RecordItemFactory(
            patient=imported,
            source=source,
            kind=RecordItem.Kind.IMMUNIZATION,
            record__resource_type="Immunization",
            code=str(day),
            effective_at=when,
        )

    with django_assert_num_queries(14):
        longer = summary_of(me, imported)

    assert len(longer["entry"]) == len(short["entry"]) + 10


def test_the_download_page_offers_the_summary(patient, client) -> None:
    sign_in(client, patient.user)
    summary_url = reverse("fhir_summary", kwargs={"patient_id": patient.pk})

    page = client.get(reverse("record_download", kwargs={"patient_id": patient.pk}))

    html = page.content.decode()
    assert f'<a href="{summary_url}" download="international-patient-summary.json">' in html
    assert "International Patient Summary (FHIR)" in html
    Bundle.model_validate(client.get(summary_url).json())
