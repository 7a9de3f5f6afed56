"""Staff messaging pages (inboxes, threads), under /staff/messages/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
