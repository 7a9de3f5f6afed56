"""The one public page of the record: what a share link opens, under /shared/."""

from django.urls import path

from records.views import public

urlpatterns = [
    path("<str:token>/", public.shared_record, name="shared_record"),
]
