"""Staff pages of the records app, under /staff/records/."""

from django.urls import URLPattern, path

from records.views import staff, staff_imports

urlpatterns: list[URLPattern] = [
    path("imports/", staff_imports.imports, name="imports"),
    path("imports/<int:run_id>/", staff_imports.import_run, name="import_run"),
    path("matches/", staff_imports.matches, name="import_matches"),
    path("matches/<int:review_id>/", staff_imports.match_decide, name="import_match_decide"),
    path("review/", staff.review_queue, name="records_review_queue"),
    path("review/count/", staff.review_count, name="records_review_count"),
    path("review/<uuid:patient_id>/<int:item_id>/release/", staff.release_result, name="records_release"),
    path("tasks/", staff.care_task_queue, name="staff_care_tasks"),
    path("tasks/count/", staff.care_task_count, name="staff_care_task_count"),
    path("tasks/<int:task_id>/done/", staff.care_task_done, name="staff_care_task_done"),
    path("patients/<uuid:patient_id>/thresholds/", staff.thresholds, name="staff_reading_thresholds"),
]
