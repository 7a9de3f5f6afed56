"""One-tap links from reminders and waitlist offers, under /appointments/ (signed tokens): the
paths scheduling/links.py writes into the messages."""

from django.urls import URLPattern, path

from scheduling.views import links

urlpatterns: list[URLPattern] = [
    path("link/<str:token>/confirm/", links.reminder_confirm, name="appointments_link_confirm"),
    path("link/<str:token>/cancel/", links.reminder_cancel, name="appointments_link_cancel"),
    path("offers/<str:token>/accept/", links.offer_accept, name="appointments_offer_accept"),
]
