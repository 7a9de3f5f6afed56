"""Staff pages of the records app, under /staff/records/."""

from django.urls import URLPattern, path

from records import import_views, staff_views

urlpatterns: list[URLPattern] = [
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:run_id>/", import_views.import_run, name="import_run"),
    path("matches/", import_views.matches, name="import_matches"),
    path("matches/<int:review_id>/", import_views.match_decide, name="import_match_decide"),
    path("review/", staff_views.review_queue, name="records_review_queue"),
    path("review/count/", staff_views.review_count, name="records_review_count"),
    path("review/<uuid:patient_id>/<int:item_id>/release/", staff_views.release_result, name="records_release"),
]
