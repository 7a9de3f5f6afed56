"""The FHIR R4 endpoints: parse the request, call one selector, answer FHIR JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from drf_spectacular.openapi import AutoSchema
from rest_framework.exceptions import NotAcceptable
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from records.fhir_api import errors, selectors
from records.fhir_api.auth import AUTHENTICATION, FhirReader, caller_of
from records.fhir_api.bundles import Location
from records.fhir_api.capability import capability_statement, endpoints, smart_configuration
from records.fhir_api.resource_types import CLINICAL_TYPES, PATIENT
from records.fhir_api.search import clinical_query, everything_types, page_of, patient_query, summary_params


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    charset = "utf-8"


class OutsideOpenApi(AutoSchema):
    """FHIR describes itself (CapabilityStatement); the portal's OpenAPI schema covers /api/ only."""

    def is_excluded(self) -> bool:
        return True


# The `_format` values that ask for what the server answers in (FHIR R4 http.html#mime-type).
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json", "application/json+fhir"})


class FhirView(APIView):
    schema = OutsideOpenApi()
    authentication_classes = AUTHENTICATION
    permission_classes = [FhirReader]
    renderer_classes = [FhirJsonRenderer, JSONRenderer]

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return errors.exception_handler

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        """`_format` overrides the Accept header (FHIR R4 http.html#parameters): anything but JSON
        (`xml`, `application/fhir+xml`, `ttl`, `html`) answers 406 with an OperationOutcome, in JSON."""
        asked = request.query_params.get("_format")
        if not force and asked is not None and asked.split(";")[0].strip().lower() not in JSON_FORMATS:
            raise NotAcceptable(errors.JSON_ONLY)
        return super().perform_content_negotiation(request, force)


def location(request: Request) -> Location:
    return Location(
        base=endpoints(request).base, url=request.build_absolute_uri(request.path), params=request.query_params
    )


class MetadataView(FhirView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(capability_statement(endpoints(request)))


class SearchView(FhirView):
    def get(self, request: Request, resource_type: str) -> Response:
        caller = caller_of(request)
        if resource_type == PATIENT:
            found = patient_query(request.query_params)
            return Response(selectors.patient_search(caller=caller, query=found, location=location(request)))
        if resource_type not in CLINICAL_TYPES:
            raise Http404
        query = clinical_query(resource_type, request.query_params)
        bundle = selectors.clinical_search(
            caller=caller, resource_type=resource_type, query=query, location=location(request)
        )
        return Response(bundle)


class ReadView(FhirView):
    def get(self, request: Request, resource_type: str, resource_id: str) -> Response:
        caller = caller_of(request)
        if resource_type == PATIENT:
            return Response(selectors.patient_read(caller=caller, patient_id=resource_id))
        if resource_type not in CLINICAL_TYPES:
            raise Http404
        return Response(selectors.clinical_read(caller=caller, resource_type=resource_type, resource_id=resource_id))


class EverythingView(FhirView):
    def get(self, request: Request, patient_id: str) -> Response:
        params = request.query_params
        types = everything_types(params)
        bundle = selectors.everything(
            caller=caller_of(request),
            patient_id=patient_id,
            types=types,
            page=page_of(params),
            location=location(request),
        )
        return Response(bundle)


class SummaryView(FhirView):
    """The IPS `$summary` operation on one patient (http://hl7.org/fhir/uv/ips/OperationDefinition/summary)."""

    def get(self, request: Request, patient_id: str) -> Response:
        summary_params(request.query_params)
        bundle = selectors.patient_summary(
            caller=caller_of(request), patient_id=patient_id, base=endpoints(request).base
        )
        return Response(bundle)


def smart_configuration_view(request: HttpRequest) -> JsonResponse:
    """SMART App Launch discovery: public, like the CapabilityStatement."""
    response = JsonResponse(smart_configuration(endpoints(request)))
    response["Access-Control-Allow-Origin"] = "*"
    return response
