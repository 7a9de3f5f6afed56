"""Staff scheduling pages (schedules, requests, arrivals), under /staff/schedule/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
