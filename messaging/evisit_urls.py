"""E-visit time and billing suggestions, under /staff/messaging/evisits/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
