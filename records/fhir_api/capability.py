"""What the server can do, said twice: the FHIR CapabilityStatement (`/fhir/R4/metadata`) and the
SMART App Launch configuration (`/.well-known/smart-configuration`). Both are built from the
table of resource types and the scopes, so they say what the code does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from records.fhir_api.resource_types import CLINICAL_TYPES, LAST_UPDATED, PATIENT, PATIENT_PARAM, US_CORE, Date
from records.fhir_api.scopes import all_scopes
from records.fhir_api.summary import OPERATION as SUMMARY

# When this statement last changed (FHIR requires a date).
PUBLISHED = "2026-12-07"
# What a client may try and be refused, said once (the statement can only list what is supported).
DOCUMENTATION = (
    "Read-only. Every search names one patient (`patient`, or the patient of a SMART token). "
    "Token parameters match any coding of the element (`system|code`, `code`, `|code`, `system|`); "
    "`_lastUpdated` is the time the portal last changed the resource. `_include` supports only "
    "`<Type>:patient`. Answered 400 with an OperationOutcome naming the parameter: any other search "
    "parameter, modifiers (`:text`, `:not`, `:missing`...), chained parameters, `_revinclude`, "
    "`_include:iterate`, `_sort`, `_elements`, `_summary`. Resources claim in `meta.profile` only the "
    "US Core profiles they meet as served; what the portal derived to meet one is named in `meta.tag` "
    "(system urn:portal:derived). A date parameter finds only resources holding its element (a CarePlan "
    "without a `period` start is not found by `date`, a Goal without a `startDate` by `start-date`). "
    "A Device claims the US Core implantable device profile when it holds what the profile requires; "
    "nothing in an R4 Device says whether it is implanted. The server does not implement every search "
    "the US Core server CapabilityStatement requires, so it does not claim to instantiate it. "
    "Formats: FHIR JSON only (`format`); `_format=xml` or an Accept of `application/fhir+xml` is answered 406 "
    "with an OperationOutcome. `Patient/$everything` serves each item once: the same item from several "
    "sources is served from one of them, its `meta.tag` naming every source and the copies it stands for "
    "(system urn:portal:merged)."
)
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
OPERATIONS = [{"name": "everything", "definition": EVERYTHING}, {"name": "summary", "definition": SUMMARY}]


@dataclass(frozen=True)
class Endpoints:
    base: str
    authorize: str
    token: str
    revoke: str


def endpoints(request: HttpRequest) -> Endpoints:
    """The API's and the authorization server's addresses, as this request reached them."""
    absolute = request.build_absolute_uri
    return Endpoints(
        base=absolute(reverse("fhir_metadata")).removesuffix("/metadata"),
        authorize=absolute(reverse("oauth2_provider:authorize")),
        token=absolute(reverse("oauth2_provider:token")),
        revoke=absolute(reverse("oauth2_provider:revoke-token")),
    )


def _interactions() -> list[dict[str, str]]:
    return [{"code": "read"}, {"code": "search-type"}]


def _clinical(name: str) -> dict[str, Any]:
    spec = CLINICAL_TYPES[name]
    params = [
        {"name": PATIENT_PARAM, "type": "reference"},
        {"name": "_id", "type": "token"},
        {"name": LAST_UPDATED, "type": "date"},
    ]
    params += [
        {"name": param, "type": "date" if isinstance(kind, Date) else "token"} for param, kind in spec.params.items()
    ]
    resource: dict[str, Any] = {"type": name}
    if spec.profiles:  # FHIR JSON has no empty lists
        resource["supportedProfile"] = list(spec.profiles)
    return {
        **resource,
        "interaction": _interactions(),
        "searchInclude": [f"{name}:{PATIENT_PARAM}"],
        "searchParam": params,
    }


def _patient() -> dict[str, Any]:
    return {
        "type": PATIENT,
        "supportedProfile": [f"{US_CORE}us-core-patient"],
        "interaction": _interactions(),
        "searchParam": [{"name": "_id", "type": "token"}, {"name": "identifier", "type": "token"}],
        "operation": OPERATIONS,
    }


def capability_statement(endpoints: Endpoints) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED,
        "publisher": "Patient Portal",
        "kind": "instance",
        "software": {"name": "Patient Portal FHIR API"},
        "implementation": {"description": "The patient portal's read-only FHIR R4 API", "url": endpoints.base},
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json", "application/json"],
        "rest": [
            {
                "mode": "server",
                "documentation": DOCUMENTATION,
                "security": {
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [
                                {"url": "authorize", "valueUri": endpoints.authorize},
                                {"url": "token", "valueUri": endpoints.token},
                                {"url": "revoke", "valueUri": endpoints.revoke},
                            ],
                        }
                    ],
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ],
                            "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
                        }
                    ],
                },
                "resource": [_patient(), *[_clinical(name) for name in CLINICAL_TYPES]],
                "operation": OPERATIONS,
            }
        ],
    }


def smart_configuration(endpoints: Endpoints) -> dict[str, Any]:
    return {
        "authorization_endpoint": endpoints.authorize,
        "token_endpoint": endpoints.token,
        "revocation_endpoint": endpoints.revoke,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": all_scopes(),
        "capabilities": [
            "launch-standalone",
            "client-public",
            "client-confidential-symmetric",
            "context-standalone-patient",
            "permission-patient",
            "permission-offline",
            "permission-v1",
        ],
    }
