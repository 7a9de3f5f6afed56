"""The SLA compliance pages for staff and administrators, under /staff/messaging/metrics/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
