"""The OAuth2 endpoints SMART apps use, under /o/: authorize (our consent page), token, revoke.

Only these: the toolkit's application-management and dynamic-registration pages are not
exposed (administrators register apps in the Django admin).
"""

from django.urls import path
from oauth2_provider import views

from records.fhir_api.consent import ConsentView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", ConsentView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
]
