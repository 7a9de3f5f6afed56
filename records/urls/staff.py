"""Staff pages of the records app, under /staff/records/."""

from django.urls import URLPattern, path

from records import import_views, reading_views, staff_views

urlpatterns: list[URLPattern] = [
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:run_id>/", import_views.import_run, name="import_run"),
    path("matches/", import_views.matches, name="import_matches"),
    path("matches/<int:review_id>/", import_views.match_decide, name="import_match_decide"),
    path("review/", staff_views.review_queue, name="records_review_queue"),
    path("review/count/", staff_views.review_count, name="records_review_count"),
    path("review/<uuid:patient_id>/<int:item_id>/release/", staff_views.release_result, name="records_release"),
    path("tasks/", reading_views.care_task_queue, name="staff_care_tasks"),
    path("tasks/count/", reading_views.care_task_count, name="staff_care_task_count"),
    path("tasks/<int:task_id>/done/", reading_views.care_task_done, name="staff_care_task_done"),
    path("patients/<uuid:patient_id>/thresholds/", reading_views.thresholds, name="staff_reading_thresholds"),
]
