"""Refills' staff pages, under /staff/refills/."""

from django.urls import path

from refills.views import staff

urlpatterns = [
    path("", staff.queue, name="staff_refills"),
    path("metrics/", staff.metrics, name="staff_refills_metrics"),
    path("<int:request_id>/", staff.review, name="staff_refills_request"),
    path("<int:request_id>/take/", staff.take, name="staff_refills_take"),
    path("<int:request_id>/prescriber/", staff.to_prescriber, name="staff_refills_prescriber"),
    path("<int:request_id>/approve/", staff.approve, name="staff_refills_approve"),
    path("<int:request_id>/deny/", staff.deny, name="staff_refills_deny"),
    path("<int:request_id>/visit/", staff.needs_visit, name="staff_refills_visit"),
]
