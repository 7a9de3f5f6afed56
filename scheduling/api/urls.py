"""The scheduling API (DRF) for the mobile app, under /api/v1/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
