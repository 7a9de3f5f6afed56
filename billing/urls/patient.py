"""The patient's billing pages, under /p/<patient_id>/billing/."""

from django.urls import URLPattern, path

from billing.views import patient, patient_estimates

urlpatterns: list[URLPattern] = [
    path("", patient.home, name="billing_home"),
    path("ask/", patient.ask, name="billing_ask"),
    path("accounts/<int:account_id>/paperless/", patient.paperless, name="billing_paperless"),
    path("accounts/<int:account_id>/pay/", patient.pay, name="billing_pay"),
    path("accounts/<int:account_id>/plan/", patient.plan, name="billing_plan"),
    path("plans/<int:plan_id>/cancel/", patient.plan_cancel, name="billing_plan_cancel"),
    path("estimates/", patient_estimates.estimate_list, name="billing_estimates"),
    path("estimates/<int:estimate_id>/", patient_estimates.estimate, name="billing_estimate"),
    path("estimates/<int:estimate_id>/pdf/", patient_estimates.estimate_download, name="billing_estimate_pdf"),
    path("payments/<int:payment_id>/", patient.receipt, name="billing_receipt"),
    path("payments/<int:payment_id>/pdf/", patient.receipt_download, name="billing_receipt_pdf"),
    path("statements/<int:statement_id>/", patient.statement, name="billing_statement"),
    path("statements/<int:statement_id>/pdf/", patient.statement_download, name="billing_statement_pdf"),
]
