"""Staff pages of the summaries app, under /staff/summaries/ (the root URLconf includes this module there)."""

from django.urls import URLPattern, path

from summaries.views import staff

urlpatterns: list[URLPattern] = [
    path("visits/<int:appointment_id>/", staff.previsit, name="staff_previsit"),
]
