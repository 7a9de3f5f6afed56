"""The patient's scheduling pages, under /p/<patient_id>/appointments/."""

from django.urls import URLPattern, path

from scheduling.views import patient

urlpatterns: list[URLPattern] = [
    path("", patient.home, name="appointments_home"),
    path("find/", patient.find, name="appointments_find"),
    path("find/<int:visit_type_id>/", patient.visit_type, name="appointments_visit_type"),
    path("find/<int:visit_type_id>/hold/", patient.hold, name="appointments_hold_time"),
    path("find/<int:visit_type_id>/request/", patient.visit_request, name="appointments_request"),
    path("find/<int:visit_type_id>/waitlist/", patient.waitlist_join, name="appointments_waitlist_join"),
    path("holds/<int:hold_id>/", patient.hold_page, name="appointments_hold"),
    path("waitlist/<int:entry_id>/leave/", patient.waitlist_leave, name="appointments_waitlist_leave"),
    path("<int:appointment_id>/", patient.visit, name="appointments_visit"),
    path("<int:appointment_id>/calendar.ics", patient.calendar, name="appointments_calendar"),
    path("<int:appointment_id>/cancel/", patient.cancel, name="appointments_cancel"),
    path("<int:appointment_id>/reschedule/", patient.reschedule, name="appointments_reschedule"),
    path(
        "<int:appointment_id>/reschedule/confirm/", patient.reschedule_confirm, name="appointments_reschedule_confirm"
    ),
]
