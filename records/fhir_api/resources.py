"""Build the FHIR resources the API returns: clinical ones from the source's raw JSON under
the portal's ids, the Patient (US Core) from the portal's own record of the person."""

from __future__ import annotations

from typing import Any

from portal.models import Organization, Patient
from records.fhir_api.resource_types import US_CORE
from records.fhir_api.rewrite_references import ReferenceMap
from records.models import RecordItem, SourceRecord

MR_TYPE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical record number"}
    ],
    "text": "Medical record number",
}
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def source_uri(organization: Organization) -> str:
    """`meta.source`: the organization that sent (or, for Patient, keeps) the resource."""
    return f"urn:portal:organization:{organization.slug}"


def _meta(organization: Organization, *, profiles: list[str], tags: list[dict[str, str]]) -> dict[str, Any]:
    meta: dict[str, Any] = {"source": source_uri(organization)}
    if profiles:
        meta["profile"] = profiles
    meta["tag"] = [
        {"system": "urn:portal:source-organization", "code": organization.slug, "display": organization.name}
    ]
    meta["tag"] += tags
    return meta


def clinical(record: SourceRecord, references: ReferenceMap) -> dict[str, Any]:
    """The source's resource as it sent it, under the portal's id, references and provenance.
    `record` comes with its `item` and `source` (select_related)."""
    resource = references.rewrite(record)
    resource["id"] = str(record.pk)
    # The source's profiles, tags and security labels stay; its version and dates are the portal's now.
    raw_meta: dict[str, Any] = resource["meta"] if isinstance(resource.get("meta"), dict) else {}
    tags: list[dict[str, str]] = list(raw_meta.get("tag") or [])
    item: RecordItem = record.item
    if item.release == RecordItem.Release.HELD:
        tags.append({"system": "urn:portal:release", "code": "held", "display": "Held for clinician review"})
    resource["meta"] = _meta(record.source, profiles=list(raw_meta.get("profile") or []), tags=tags)
    resource["meta"]["versionId"] = str(record.version)
    resource["meta"]["lastUpdated"] = record.updated_at.isoformat()
    security = list(raw_meta.get("security") or [])
    if item.confidential:
        security.append({"system": CONFIDENTIALITY, "code": "R", "display": "restricted"})
    if security:
        resource["meta"]["security"] = security
    if record.resource_type == "MedicationRequest" and not any(
        key in resource for key in ("medicationCodeableConcept", "medicationReference")
    ):
        # The medication was a reference we could not follow: keep what the record calls it.
        resource["medicationCodeableConcept"] = {"text": item.display}
    return resource


def patient(person: Patient) -> dict[str, Any]:
    """A US Core Patient from the portal's record (`home_organization` select_related)."""
    clinic = person.home_organization
    names: list[dict[str, Any]] = [{"use": "official", "family": person.family_name, "given": [person.given_name]}]
    if person.preferred_name and person.preferred_name != person.given_name:
        names.append({"use": "usual", "family": person.family_name, "given": [person.preferred_name]})
    telecom = [
        {"system": system, "value": value, "use": "home"}
        for system, value in (("email", person.email), ("phone", person.phone))
        if value
    ]
    language = person.preferred_language
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": _meta(clinic, profiles=[f"{US_CORE}us-core-patient"], tags=[]),
        "identifier": [
            {
                "use": "usual",
                "type": MR_TYPE,
                "system": clinic.mrn_system or f"urn:portal:mrn:{clinic.slug}",
                "value": person.mrn,
                "assigner": {"display": clinic.name},
            }
        ],
        "active": True,
        "name": names,
        "telecom": telecom,
        "gender": person.gender,
        "birthDate": person.birth_date.isoformat(),
        "address": [{"text": person.address}] if person.address else [],
        "communication": [
            {
                "language": {
                    "coding": [
                        {
                            "system": "urn:ietf:bcp:47",
                            "code": language,
                            "display": LANGUAGE_NAMES.get(language, language),
                        }
                    ],
                    "text": LANGUAGE_NAMES.get(language, language),
                },
                "preferred": True,
            }
        ],
    }
    return {key: value for key, value in resource.items() if value != []}
