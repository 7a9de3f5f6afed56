"""The billing API (DRF) for the mobile app, under /api/v1/."""

from django.urls import path

from billing.api import views

billing = "patients/<uuid:patient_id>/billing/"

urlpatterns = [
    path(f"{billing}accounts/", views.AccountsView.as_view(), name="api_billing_accounts"),
    path(f"{billing}statements/", views.StatementsView.as_view(), name="api_billing_statements"),
    path(f"{billing}statements/<int:statement_id>/", views.StatementView.as_view(), name="api_billing_statement"),
    path(f"{billing}payments/", views.PaymentsView.as_view(), name="api_billing_payments"),
    path(f"{billing}payments/<int:payment_id>/", views.PaymentView.as_view(), name="api_billing_payment"),
    path(f"{billing}plans/", views.PlansView.as_view(), name="api_billing_plans"),
    path(f"{billing}plans/<int:plan_id>/", views.PlanView.as_view(), name="api_billing_plan"),
    path(f"{billing}plans/<int:plan_id>/cancel/", views.PlanCancelView.as_view(), name="api_billing_plan_cancel"),
    path(f"{billing}estimates/", views.EstimatesView.as_view(), name="api_billing_estimates"),
    path(f"{billing}estimates/<int:estimate_id>/", views.EstimateView.as_view(), name="api_billing_estimate"),
]
