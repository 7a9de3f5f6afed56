"""One-tap links from reminders and waitlist offers, under /appointments/ (signed tokens)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
