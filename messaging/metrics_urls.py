"""The SLA compliance pages for staff and administrators, under /staff/messaging/metrics/."""

from django.urls import URLPattern, path

from messaging.views import metrics

urlpatterns: list[URLPattern] = [
    path("", metrics.sla_metrics, name="messaging_metrics"),
]
