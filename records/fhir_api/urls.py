"""URLs of the FHIR R4 API, under /fhir/R4/."""

from django.urls import path

from records.fhir_api import views

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="fhir_metadata"),
    path("Patient/<str:patient_id>/$everything", views.EverythingView.as_view(), name="fhir_everything"),
    path("Patient/<str:patient_id>/$summary", views.SummaryView.as_view(), name="fhir_summary"),
    path("<str:resource_type>", views.SearchView.as_view(), name="fhir_search"),
    path("<str:resource_type>/<str:resource_id>", views.ReadView.as_view(), name="fhir_read"),
]
