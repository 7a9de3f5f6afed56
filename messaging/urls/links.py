"""The signed links in notification emails and texts, under /m/."""

from django.urls import path

from messaging.views import links

urlpatterns = [
    path("<str:token>/", links.notice_link, name="messaging_notice_link"),
]
