"""Staff pages of the records app, under /staff/records/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
