"""The FHIR R4 API and its SMART on FHIR authorization, an app of its own for its one model."""

from django.apps import AppConfig


class FhirApiConfig(AppConfig):
    name = "records.fhir_api"
    label = "fhir_api"
    verbose_name = "FHIR R4 API"
