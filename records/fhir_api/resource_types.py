"""The resource types the FHIR API exposes, with the search parameters each one supports.

One table read by the search parser, the CapabilityStatement and the SMART scopes, so
what the server says it does and what it does cannot drift apart. Types kept raw only
(Claim, ExplanationOfBenefit, Organization, Practitioner...) are deliberately absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"


@dataclass(frozen=True)
class Date:
    """A date parameter: filters the record line's `effective_at`. Where the projection takes
    `effective_at` from the parameter's element or, failing it, another one (a care plan's period,
    else when it was written), `only_with` is the SQL/JSON path to the parameter's element: a row
    without it is never found by the parameter."""

    only_with: str = ""


DATE = Date()


@dataclass(frozen=True)
class Token:
    """A token parameter, matched against every coding of the element as the source sent it.

    `path` is the SQL/JSON path (lax mode, so it walks arrays) to the element's Codings, e.g.
    `$.code.coding`; for an element of FHIR type `code` (a bare string) `system` names the
    code system the specification binds it to, and `path` leads to the strings."""

    path: str
    system: str = ""

    @property
    def plain_code(self) -> bool:
        return bool(self.system)


@dataclass(frozen=True)
class ResourceType:
    name: str
    # FHIR search parameter name -> a Date or a Token.
    params: dict[str, Date | Token] = field(default_factory=dict)
    # The profiles a served resource of this type may claim (it claims those it meets: conformance.py).
    profiles: tuple[str, ...] = ()


PATIENT = "Patient"

CATEGORIES = Token("$.category.coding")
CODES = Token("$.code.coding")
CLINICAL_STATUS = Token("$.clinicalStatus.coding")

CLINICAL_TYPES: dict[str, ResourceType] = {
    spec.name: spec
    for spec in [
        ResourceType(
            "Observation",
            {"date": DATE, "code": CODES, "category": CATEGORIES},
            (f"{US_CORE}us-core-observation-lab", f"{US_CORE}us-core-vital-signs"),
        ),
        ResourceType(
            "Condition",
            {"onset-date": DATE, "code": CODES, "category": CATEGORIES, "clinical-status": CLINICAL_STATUS},
            (
                f"{US_CORE}us-core-condition-problems-health-concerns",
                f"{US_CORE}us-core-condition-encounter-diagnosis",
            ),
        ),
        ResourceType(
            "MedicationRequest",
            {"authoredon": DATE, "code": Token("$.medicationCodeableConcept.coding")},
            (f"{US_CORE}us-core-medicationrequest",),
        ),
        ResourceType(
            "AllergyIntolerance",
            {
                "date": DATE,
                "code": CODES,
                "category": Token("$.category", system="http://hl7.org/fhir/allergy-intolerance-category"),
                "clinical-status": CLINICAL_STATUS,
            },
            (f"{US_CORE}us-core-allergyintolerance",),
        ),
        ResourceType(
            "Immunization",
            {"date": DATE, "vaccine-code": Token("$.vaccineCode.coding")},
            (f"{US_CORE}us-core-immunization",),
        ),
        ResourceType(
            "Encounter",
            {"date": DATE, "type": Token("$.type.coding"), "class": Token("$.class")},
            (f"{US_CORE}us-core-encounter",),
        ),
        ResourceType("Procedure", {"date": DATE, "code": CODES}, (f"{US_CORE}us-core-procedure",)),
        ResourceType(
            "DocumentReference",
            {"date": DATE, "type": Token("$.type.coding"), "category": CATEGORIES},
            (f"{US_CORE}us-core-documentreference",),
        ),
        ResourceType(
            "DiagnosticReport",
            {"date": DATE, "code": CODES, "category": CATEGORIES},
            (f"{US_CORE}us-core-diagnosticreport-lab", f"{US_CORE}us-core-diagnosticreport-note"),
        ),
        ResourceType(
            "Goal",
            {
                "lifecycle-status": Token("$.lifecycleStatus", system="http://hl7.org/fhir/goal-status"),
                "description": Token("$.description.coding"),
                "start-date": Date(only_with="$.startDate"),
            },
            (f"{US_CORE}us-core-goal",),
        ),
        ResourceType(
            "CarePlan",
            {
                "category": CATEGORIES,
                "status": Token("$.status", system="http://hl7.org/fhir/request-status"),
                "date": Date(only_with="$.period.start"),
            },
            (f"{US_CORE}us-core-careplan",),
        ),
        # Plain R4: US Core has no ImagingStudy profile.
        ResourceType(
            "ImagingStudy",
            {
                "started": DATE,
                "modality": Token("$.series.modality"),
                "status": Token("$.status", system="http://hl7.org/fhir/imagingstudy-status"),
            },
        ),
        # A device has no date of its own (when it was implanted is its Procedure's).
        ResourceType(
            "Device",
            {
                "type": Token("$.type.coding"),
                "status": Token("$.status", system="http://hl7.org/fhir/device-status"),
            },
            (f"{US_CORE}us-core-implantable-device",),
        ),
    ]
}

ALL_TYPES: tuple[str, ...] = (PATIENT, *CLINICAL_TYPES)

# Parameters every search understands, besides the type's own.
PATIENT_PARAM = "patient"
LAST_UPDATED = "_lastUpdated"
INCLUDE = "_include"
CONTROL_PARAMS = frozenset({"_count", "_offset", "_format"})
