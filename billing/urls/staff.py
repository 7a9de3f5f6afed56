"""Billing staff's pages, under /staff/billing/."""

from django.urls import URLPattern, path

from billing.views import staff

urlpatterns: list[URLPattern] = [
    path("", staff.balances, name="billing_staff_balances"),
    path("reconciliation/", staff.reconciliation, name="billing_staff_reconciliation"),
    path("patients/<uuid:patient_id>/", staff.patient, name="billing_staff_patient"),
    path("patients/<uuid:patient_id>/accounts/<int:account_id>/adjust/", staff.adjust, name="billing_staff_adjust"),
    path("patients/<uuid:patient_id>/payments/<int:payment_id>/refund/", staff.refund, name="billing_staff_refund"),
]
