"""The patient's record pages, under /p/<patient_id>/record/."""

from django.urls import path

from records import preferences, views

urlpatterns = [
    path("", views.overview, name="record_overview"),
    path("results/", views.results, name="record_results"),
    path("results/<str:code>/", views.result_trend, name="record_trend"),
    path("documents/<int:item_id>/", views.document, name="record_document"),
    path("preferences/", preferences.release_preferences, name="record_release_preferences"),
    path("<slug:page>/", views.item_list, name="record_list"),
]
