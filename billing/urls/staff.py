"""Billing staff's pages, under /staff/billing/."""

from django.urls import URLPattern, path

from billing.views import staff, staff_estimates

urlpatterns: list[URLPattern] = [
    path("", staff.balances, name="billing_staff_balances"),
    path("estimates/", staff_estimates.estimates_due, name="billing_staff_estimates"),
    path("estimates/<int:due_id>/issue/", staff_estimates.estimate_issue, name="billing_staff_estimate_issue"),
    path("reconciliation/", staff.reconciliation, name="billing_staff_reconciliation"),
    path("patients/<uuid:patient_id>/", staff.patient, name="billing_staff_patient"),
    path("patients/<uuid:patient_id>/accounts/<int:account_id>/adjust/", staff.adjust, name="billing_staff_adjust"),
    path("patients/<uuid:patient_id>/plans/", staff.patient_plans, name="billing_staff_plans"),
    path("patients/<uuid:patient_id>/plans/<int:plan_id>/cancel/", staff.plan_cancel, name="billing_staff_plan_cancel"),
    path("patients/<uuid:patient_id>/payments/<int:payment_id>/refund/", staff.refund, name="billing_staff_refund"),
    path(
        "patients/<uuid:patient_id>/accounts/<int:account_id>/coverage/", staff.coverage, name="billing_staff_coverage"
    ),
    path(
        "patients/<uuid:patient_id>/accounts/<int:account_id>/statement/",
        staff.statement_issue,
        name="billing_staff_statement_issue",
    ),
    path(
        "patients/<uuid:patient_id>/statements/<int:statement_id>/unlock/",
        staff.guest_unlock,
        name="billing_staff_guest_unlock",
    ),
]
