"""The patient's record pages, under /p/<patient_id>/record/."""

from django.urls import path

from records.views import patient, patient_downloads, patient_readings, patient_sharing

urlpatterns = [
    path("", patient.overview, name="record_overview"),
    path("results/", patient.results, name="record_results"),
    # A trend keyed by one of its results works for any code (one with "/", or only text); the
    # code-keyed address stays for the links the briefing already holds.
    path("results/trend/<int:item_id>/", patient.result_item_trend, name="record_result_trend"),
    path("results/<str:code>/", patient.result_trend, name="record_trend"),
    path("documents/<int:item_id>/", patient.document, name="record_document"),
    path(
        "documents/<int:item_id>/files/<int:attachment_id>/",
        patient_downloads.attachment,
        name="record_attachment",
    ),
    path("preferences/", patient.release_preferences, name="record_release_preferences"),
    path("download/", patient_downloads.download, name="record_download"),
    path("share/", patient_sharing.share_links, name="record_share"),
    path("share/<int:link_id>/revoke/", patient_sharing.revoke, name="record_share_revoke"),
    path("readings/", patient_readings.reading_index, name="record_readings"),
    path("readings/<int:reading_id>/", patient_readings.reading_detail, name="record_reading"),
    path("readings/<slug:slug>/", patient_readings.reading_kind, name="record_reading_kind"),
    path("items/<int:item_id>/correction/", patient_readings.correction, name="record_correction"),
    path("corrections/<int:task_id>/", patient_readings.correction_sent, name="record_correction_sent"),
    path("items/<int:item_id>/confidential/", patient.mark_confidential, name="record_confidential"),
    path("<slug:page>/", patient.item_list, name="record_list"),
]
