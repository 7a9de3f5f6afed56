"""The patient's billing pages, under /p/<patient_id>/billing/."""

from django.urls import URLPattern, path

from billing.views import patient

urlpatterns: list[URLPattern] = [
    path("", patient.home, name="billing_home"),
    path("ask/", patient.ask, name="billing_ask"),
    path("accounts/<int:account_id>/paperless/", patient.paperless, name="billing_paperless"),
    path("accounts/<int:account_id>/pay/", patient.pay, name="billing_pay"),
    path("payments/<int:payment_id>/", patient.receipt, name="billing_receipt"),
    path("statements/<int:statement_id>/", patient.statement, name="billing_statement"),
    path("statements/<int:statement_id>/pdf/", patient.statement_download, name="billing_statement_pdf"),
]
