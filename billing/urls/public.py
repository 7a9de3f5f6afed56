"""Guest pay without an account, under /billing/guest/."""

from django.urls import URLPattern, path

from billing.views import public

urlpatterns: list[URLPattern] = [
    path("", public.start, name="billing_guest"),
    path("pay/", public.pay, name="billing_guest_pay"),
    path("receipt/<int:payment_id>/", public.receipt, name="billing_guest_receipt"),
]
