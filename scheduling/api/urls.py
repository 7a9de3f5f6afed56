"""The scheduling API (DRF) for the mobile app, under /api/v1/."""

from django.urls import path

from scheduling.api import views

patient = "patients/<uuid:patient_id>/"
visit = f"{patient}appointments/<int:appointment_id>/"

urlpatterns = [
    path(f"{patient}visit-types/", views.VisitTypesView.as_view(), name="api_visit_types"),
    path(f"{patient}visit-types/<int:visit_type_id>/slots/", views.SlotsView.as_view(), name="api_slots"),
    path(f"{patient}holds/", views.HoldsView.as_view(), name="api_holds"),
    path(f"{patient}appointments/", views.AppointmentsView.as_view(), name="api_appointments"),
    path(visit, views.AppointmentView.as_view(), name="api_appointment"),
    path(f"{visit}reschedule/", views.RescheduleView.as_view(), name="api_appointment_reschedule"),
    path(f"{visit}cancel/", views.CancelView.as_view(), name="api_appointment_cancel"),
    path(f"{visit}ics", views.CalendarView.as_view(), name="api_appointment_ics"),
    path(f"{patient}waitlist/", views.WaitlistView.as_view(), name="api_waitlist"),
    path(f"{patient}waitlist/<int:entry_id>/", views.WaitlistEntryView.as_view(), name="api_waitlist_entry"),
    path(f"{patient}requests/", views.VisitRequestsView.as_view(), name="api_visit_requests"),
    path("scheduling/offers/<str:token>/accept/", views.OfferAcceptView.as_view(), name="api_offer_accept"),
]
