"""Refills' patient pages, under /p/<patient_id>/refills/."""

from django.urls import path

from refills.views import patient

urlpatterns = [
    path("", patient.home, name="refills_home"),
    path("request/", patient.new_request, name="refills_new"),
    path("annual/", patient.align, name="refills_align"),
    path("pharmacies/", patient.pharmacies, name="refills_pharmacies"),
    path("<int:request_id>/", patient.request_page, name="refills_request"),
    path("<int:request_id>/cancel/", patient.cancel, name="refills_cancel"),
]
