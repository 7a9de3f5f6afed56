"""The signed links in billing's notices (payment received, instalment not paid), under /billing/n/."""

from django.urls import URLPattern, path

from billing.views import links

urlpatterns: list[URLPattern] = [
    path("<str:token>/", links.notice_link, name="billing_notice_link"),
]
