"""The signed links in notification emails and texts, under /m/."""

from django.urls import path

from messaging import link_views

urlpatterns = [
    path("<str:token>/", link_views.notice_link, name="messaging_notice_link"),
]
