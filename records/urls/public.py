"""The one public page of the record: what a share link opens, under /shared/."""

from django.urls import path

from records import share_views

urlpatterns = [
    path("<str:token>/", share_views.shared_record, name="shared_record"),
]
