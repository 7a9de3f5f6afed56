"""Staff scheduling pages (schedules, requests, arrivals), under /staff/scheduling/ (the
old /staff/schedule/ prefix redirects here: portal/urls.py)."""

from django.urls import URLPattern, path

from scheduling.views import staff

urlpatterns: list[URLPattern] = [
    path("", staff.schedule, name="staff_schedule"),
    path("today/", staff.today_count, name="staff_schedule_today"),
    path("visits/<int:appointment_id>/mark/", staff.mark, name="staff_schedule_mark"),
    path("book/", staff.book_search, name="staff_schedule_book_search"),
    path("book/<uuid:patient_id>/", staff.book, name="staff_schedule_book"),
    path("requests/", staff.requests, name="staff_schedule_requests"),
    path("requests/<int:request_id>/", staff.request_detail, name="staff_schedule_request"),
    path("requests/<int:request_id>/book/", staff.request_book, name="staff_schedule_request_book"),
    path("requests/<int:request_id>/cancel/", staff.request_cancel, name="staff_schedule_request_cancel"),
    path("requests/<int:request_id>/decline/", staff.request_decline, name="staff_schedule_request_decline"),
    path("waitlist/", staff.waitlist, name="staff_schedule_waitlist"),
]
