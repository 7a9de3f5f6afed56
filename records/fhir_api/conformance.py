"""Which US Core profiles a served resource meets, and what the portal may derive so it meets one.

A resource claims (in `meta.profile`) exactly the profiles of its type whose required elements
and fixed categories it holds as served: the source's own claims are checked like any other, and
a profile the portal does not check is never claimed. Only what follows from the resource
itself is derived, and each derivation is named in `meta.tag` (system DERIVED, the element as
code), so a reader can tell the source's words from the portal's:

- a Condition with no category that was recorded at an encounter is an encounter diagnosis
  (US Core's own category for it; Synthea 3 and US Core senders write exactly that);
- an Observation with no category coded with one of FHIR's vital-sign LOINC codes is a vital sign
  (the R4 vital signs profile binds exactly those codes to that category).

The search parser asks `derived_token` so a search finds what the API serves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

from records.fhir_api.raw_query import json_path
from records.fhir_api.resource_types import CLINICAL_TYPES, US_CORE

DERIVED = "urn:portal:derived"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
LOINC = "http://loinc.org"
# http://hl7.org/fhir/R4/valueset-observation-vitalsignresult.html: the codes the R4 vital signs
# profile is for (panel, respiratory rate, heart rate, oxygen saturation, temperature, height, head
# circumference, weight, BMI, blood pressure panel, systolic, diastolic). A specification's list,
# not a clinical choice.
VITAL_SIGNS = (
    "85353-1",
    "9279-1",
    "8867-4",
    "2708-6",
    "8310-5",
    "8302-2",
    "9843-4",
    "29463-7",
    "39156-5",
    "85354-9",
    "8480-6",
    "8462-4",
)
VITAL_SIGN = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}]}
ENCOUNTER_DIAGNOSIS = {
    "coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis", "display": "Encounter Diagnosis"}]
}

Check = Callable[[dict[str, Any]], bool]


def _has(*names: str) -> Check:
    """Every one of `names` is present (a choice type `x[x]` by any of its forms)."""

    def check(resource: dict[str, Any]) -> bool:
        for name in names:
            if name.endswith("[x]"):
                stem = name.removesuffix("[x]")
                if not any(key.startswith(stem) and key[len(stem) : len(stem) + 1].isupper() for key in resource):
                    return False
            elif resource.get(name) in (None, "", [], {}):
                return False
        return True

    return check


def codings(concepts: Any) -> list[dict[str, Any]]:
    """Every Coding of a CodeableConcept or a list of them."""
    found: list[dict[str, Any]] = []
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        if isinstance(concept, dict):
            found += [c for c in concept.get("coding") or [] if isinstance(c, dict)]
    return found


def _category(*accepted: tuple[str, str]) -> Check:
    """A category coding of one of the (system, code) pairs."""

    def check(resource: dict[str, Any]) -> bool:
        return any((c.get("system"), c.get("code")) in accepted for c in codings(resource.get("category")))

    return check


def _attachments_say_what_they_are(resource: dict[str, Any]) -> bool:
    attachments = [c.get("attachment") for c in resource.get("content") or [] if isinstance(c, dict)]
    return bool(attachments) and all(
        isinstance(a, dict) and a.get("contentType") and (a.get("data") or a.get("url")) for a in attachments
    )


def _performed_if_done(resource: dict[str, Any]) -> bool:
    # us-core-7: a completed or in-progress procedure says when.
    return resource.get("status") not in ("completed", "in-progress") or _has("performed[x]")(resource)


def _udi_identified(resource: dict[str, Any]) -> bool:
    # A UDI carrier the profile supports names the device identifier it carries (1..1 within it).
    carriers = resource.get("udiCarrier") or []
    return isinstance(carriers, list) and all(
        isinstance(carrier, dict) and carrier.get("deviceIdentifier") for carrier in carriers
    )


def _vital_value(resource: dict[str, Any]) -> bool:
    # vs-2: a value, a reason it is absent, or its parts.
    return any(resource.get(key) for key in ("dataAbsentReason", "component", "hasMember")) or _has("value[x]")(
        resource
    )


# Profile -> what a resource must hold to meet it (the elements US Core makes required).
PROFILES: dict[str, tuple[Check, ...]] = {
    f"{US_CORE}us-core-observation-lab": (
        _has("status", "code", "subject"),
        _category((OBSERVATION_CATEGORY, "laboratory")),
    ),
    f"{US_CORE}us-core-vital-signs": (
        _has("status", "code", "subject", "effective[x]"),
        _category((OBSERVATION_CATEGORY, "vital-signs")),
        _vital_value,
    ),
    f"{US_CORE}us-core-condition-problems-health-concerns": (
        _has("code", "subject"),
        _category(
            (CONDITION_CATEGORY, "problem-list-item"),
            (US_CORE_CATEGORY, "health-concern"),
            (CONDITION_CATEGORY, "health-concern"),
            # The system US Core's own examples use for it.
            ("http://hl7.org/fhir/us/core/CodeSystem/condition-category", "health-concern"),
        ),
    ),
    f"{US_CORE}us-core-condition-encounter-diagnosis": (
        _has("code", "subject"),
        _category((CONDITION_CATEGORY, "encounter-diagnosis")),
    ),
    f"{US_CORE}us-core-medicationrequest": (_has("status", "intent", "medication[x]", "subject"),),
    f"{US_CORE}us-core-allergyintolerance": (_has("code", "patient"),),
    f"{US_CORE}us-core-immunization": (_has("status", "vaccineCode", "patient", "occurrence[x]"),),
    f"{US_CORE}us-core-encounter": (_has("status", "class", "type", "subject"),),
    f"{US_CORE}us-core-procedure": (_has("status", "code", "subject"), _performed_if_done),
    f"{US_CORE}us-core-documentreference": (
        _has("status", "type", "category", "subject"),
        _attachments_say_what_they_are,
    ),
    f"{US_CORE}us-core-diagnosticreport-lab": (
        _has("status", "code", "subject", "effective[x]"),
        _category((V2_0074, "LAB")),
    ),
    f"{US_CORE}us-core-diagnosticreport-note": (_has("status", "category", "code", "subject", "effective[x]"),),
    f"{US_CORE}us-core-goal": (_has("lifecycleStatus", "description", "subject"),),
    # US Core 8 (current): any category; US Core 3 to 7 fixed "assess-plan", which the profile no
    # longer requires (its own examples since are categorized otherwise).
    f"{US_CORE}us-core-careplan": (_has("status", "intent", "category", "subject"),),
    # What the profile requires of the resource; nothing in an R4 Device says it is implanted (the
    # profile's intent), so a device is taken as the source sent it.
    f"{US_CORE}us-core-implantable-device": (_has("type", "patient"), _udi_identified),
}


def meets(profile: str, resource: dict[str, Any]) -> bool:
    return all(check(resource) for check in PROFILES.get(profile, (lambda _resource: False,)))


def _derive_condition_category(resource: dict[str, Any]) -> str | None:
    if codings(resource.get("category")) or not resource.get("encounter"):
        return None
    resource["category"] = [ENCOUNTER_DIAGNOSIS]
    return "Condition.category"


def _derive_observation_category(resource: dict[str, Any]) -> str | None:
    if codings(resource.get("category")):
        return None
    if not any(c.get("system") == LOINC and c.get("code") in VITAL_SIGNS for c in codings(resource.get("code"))):
        return None
    resource["category"] = [VITAL_SIGN]
    return "Observation.category"


DERIVATIONS: dict[str, tuple[Callable[[dict[str, Any]], str | None], ...]] = {
    "Condition": (_derive_condition_category,),
    "Observation": (_derive_observation_category,),
}
WHY = {
    "Condition.category": "Derived by the portal: recorded at an encounter, so an encounter diagnosis",
    "Observation.category": "Derived by the portal: coded with a FHIR vital-sign LOINC code",
}


def conform(resource: dict[str, Any]) -> dict[str, Any]:
    """Derive what can be derived, then claim exactly the checked profiles the resource meets.
    `resource` is the served copy (its `meta` already the portal's); changed in place."""
    kind = str(resource.get("resourceType"))
    derived = [element for derive in DERIVATIONS.get(kind, ()) if (element := derive(resource)) is not None]
    meta = resource.setdefault("meta", {})
    if derived:
        meta["tag"] = [
            *meta.get("tag", []),
            *({"system": DERIVED, "code": element, "display": WHY[element]} for element in derived),
        ]
    spec = CLINICAL_TYPES.get(kind)
    claimed = [profile for profile in (spec.profiles if spec else ()) if meets(profile, resource)]
    if claimed:
        meta["profile"] = claimed
    else:
        meta.pop("profile", None)
    return resource


def derived_token(resource_type: str, param: str, system: str | None, code: str) -> Q | None:
    """Rows whose served resource holds this token only because the portal derived it."""
    if resource_type == "Condition" and param == "category" and code in ("encounter-diagnosis", ""):
        if system not in (None, CONDITION_CATEGORY):
            return None
        return json_path("$ ? (!exists(@.category.coding) && exists(@.encounter))", {})
    if resource_type == "Observation" and param == "category" and code in ("vital-signs", ""):
        if system not in (None, OBSERVATION_CATEGORY):
            return None
        return json_path(
            "$ ? (!exists(@.category.coding) && exists(@.code.coding ? (@.system == $loinc && @.code == $vitals[*])))",
            {"loinc": LOINC, "vitals": list(VITAL_SIGNS)},
        )
    return None
