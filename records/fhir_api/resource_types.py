"""The resource types the FHIR API exposes, with the search parameters each one supports.

One table read by the search parser, the CapabilityStatement and the SMART scopes, so
what the server says it does and what it does cannot drift apart. Types kept raw only
(Claim, ExplanationOfBenefit, Organization, Practitioner...) are deliberately absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"

# What a search parameter filters on (RecordItem fields): a date on `effective_at`,
# a token on (`code_system`, `code`), or a token on `category`.
DATE, CODE, CATEGORY = "date", "code", "category"


@dataclass(frozen=True)
class ResourceType:
    name: str
    # FHIR search parameter name -> DATE, CODE or CATEGORY.
    params: dict[str, str] = field(default_factory=dict)
    profiles: tuple[str, ...] = ()


PATIENT = "Patient"

CLINICAL_TYPES: dict[str, ResourceType] = {
    spec.name: spec
    for spec in [
        ResourceType(
            "Observation",
            {"date": DATE, "code": CODE, "category": CATEGORY},
            (f"{US_CORE}us-core-observation-lab", f"{US_CORE}us-core-vital-signs"),
        ),
        ResourceType(
            "Condition",
            {"onset-date": DATE, "code": CODE, "category": CATEGORY},
            (f"{US_CORE}us-core-condition-problems-health-concerns",),
        ),
        ResourceType("MedicationRequest", {"authoredon": DATE, "code": CODE}, (f"{US_CORE}us-core-medicationrequest",)),
        ResourceType(
            "AllergyIntolerance",
            {"date": DATE, "code": CODE, "category": CATEGORY},
            (f"{US_CORE}us-core-allergyintolerance",),
        ),
        ResourceType("Immunization", {"date": DATE, "vaccine-code": CODE}, (f"{US_CORE}us-core-immunization",)),
        ResourceType("Encounter", {"date": DATE, "type": CODE, "class": CATEGORY}, (f"{US_CORE}us-core-encounter",)),
        ResourceType("Procedure", {"date": DATE, "code": CODE}, (f"{US_CORE}us-core-procedure",)),
        ResourceType(
            "DocumentReference",
            {"date": DATE, "type": CODE, "category": CATEGORY},
            (f"{US_CORE}us-core-documentreference",),
        ),
        ResourceType(
            "DiagnosticReport",
            {"date": DATE, "code": CODE, "category": CATEGORY},
            (f"{US_CORE}us-core-diagnosticreport-lab", f"{US_CORE}us-core-diagnosticreport-note"),
        ),
    ]
}

ALL_TYPES: tuple[str, ...] = (PATIENT, *CLINICAL_TYPES)

# Parameters every search understands, besides the type's own.
PATIENT_PARAM = "patient"
CONTROL_PARAMS = frozenset({"_count", "_offset", "_format"})
