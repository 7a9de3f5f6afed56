"""The patient's scheduling pages, under /p/<patient_id>/appointments/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
