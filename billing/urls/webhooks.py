"""The payment processor's webhooks, under /billing/webhooks/ (no session, no CSRF: signed)."""

from django.urls import URLPattern, path

from billing.views import webhooks

urlpatterns: list[URLPattern] = [
    path("stripe/", webhooks.stripe_webhook, name="billing_stripe_webhook"),
]
