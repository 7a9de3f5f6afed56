"""The refills API (DRF) for the mobile app, under /api/v1/."""

from django.urls import path

from refills.api import views
from refills.api.pharmacy import RenewalRequestsView

refills = "patients/<uuid:patient_id>/refills/"

urlpatterns = [
    path(f"{refills}medicines/", views.MedicinesView.as_view(), name="api_refills_medicines"),
    path(f"{refills}requests/", views.RequestsView.as_view(), name="api_refills_requests"),
    path(f"{refills}requests/<int:request_id>/", views.RequestView.as_view(), name="api_refills_request"),
    path(f"{refills}requests/<int:request_id>/cancel/", views.CancelView.as_view(), name="api_refills_cancel"),
    path(f"{refills}annual/", views.AlignmentView.as_view(), name="api_refills_align"),
    path(f"{refills}pharmacies/", views.PharmaciesView.as_view(), name="api_refills_pharmacies"),
]

urlpatterns += [
    path("pharmacy/renewal-requests/", RenewalRequestsView.as_view(), name="api_pharmacy_renewals"),
]
