"""The SMART discovery document, under /.well-known/ (its path is fixed by the SMART App Launch spec).

A URL module of its own so the root URLconf includes it by name and imports nothing of records."""

from django.urls import path

from records.fhir_api import views

urlpatterns = [
    path("smart-configuration", views.smart_configuration_view, name="smart_configuration"),
]
