"""The patient's messaging pages, under /p/<patient_id>/messages/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
