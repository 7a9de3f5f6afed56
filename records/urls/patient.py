"""The patient's record pages, under /p/<patient_id>/record/."""

from django.urls import path

from records import attachment_views, download_views, preferences, reading_views, share_views, views

urlpatterns = [
    path("", views.overview, name="record_overview"),
    path("results/", views.results, name="record_results"),
    path("results/<str:code>/", views.result_trend, name="record_trend"),
    path("documents/<int:item_id>/", views.document, name="record_document"),
    path(
        "documents/<int:item_id>/files/<int:attachment_id>/",
        attachment_views.attachment,
        name="record_attachment",
    ),
    path("preferences/", preferences.release_preferences, name="record_release_preferences"),
    path("download/", download_views.download, name="record_download"),
    path("share/", share_views.share_links, name="record_share"),
    path("share/<int:link_id>/revoke/", share_views.revoke, name="record_share_revoke"),
    path("readings/", reading_views.reading_index, name="record_readings"),
    path("readings/<int:reading_id>/", reading_views.reading_detail, name="record_reading"),
    path("readings/<slug:slug>/", reading_views.reading_kind, name="record_reading_kind"),
    path("items/<int:item_id>/correction/", reading_views.correction, name="record_correction"),
    path("corrections/<int:task_id>/", reading_views.correction_sent, name="record_correction_sent"),
    path("items/<int:item_id>/confidential/", views.mark_confidential, name="record_confidential"),
    path("<slug:page>/", views.item_list, name="record_list"),
]
