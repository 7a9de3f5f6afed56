"""Staff pages of the records app, under /staff/records/."""

from django.urls import path

urlpatterns: list = []  # type: ignore[type-arg]
