"""The messaging API (DRF) for the mobile app, under /api/v1/."""

from django.urls import path

from messaging.api import views

thread = "patients/<uuid:patient_id>/threads/<int:thread_id>/"

urlpatterns = [
    path("messaging/categories/", views.CategoriesView.as_view(), name="api_messaging_categories"),
    path("patients/<uuid:patient_id>/threads/", views.ThreadsView.as_view(), name="api_threads"),
    path(thread, views.ThreadView.as_view(), name="api_thread"),
    path(f"{thread}messages/", views.ReplyView.as_view(), name="api_thread_reply"),
    path(f"{thread}close/", views.CloseView.as_view(), name="api_thread_close"),
    path(f"{thread}reopen/", views.ReopenView.as_view(), name="api_thread_reopen"),
]
