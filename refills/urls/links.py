"""The signed links in refill notices, under /refills/n/."""

from django.urls import path

from refills.views import links

urlpatterns = [
    path("<str:token>/", links.notice_link, name="refills_notice_link"),
]
