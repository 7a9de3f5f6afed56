"""Signed links from the briefing's notices, at /b/ (the root URLconf includes this module there)."""

from django.urls import path

from summaries.views import links

urlpatterns = [
    path("<str:token>/", links.notice_link, name="briefing_notice_link"),
]
