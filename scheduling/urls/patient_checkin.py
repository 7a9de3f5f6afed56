"""eCheck-in of one appointment, under /p/<patient_id>/appointments/<appointment_id>/check-in/."""

from django.urls import path

from scheduling.views import patient_checkin

urlpatterns = [
    path("", patient_checkin.overview, name="checkin"),
    path("details/", patient_checkin.details, name="checkin_details"),
    path("insurance/", patient_checkin.insurance, name="checkin_insurance"),
    path("medicines/", patient_checkin.medicines, name="checkin_medicines"),
    path("questionnaires/<int:questionnaire_id>/", patient_checkin.questionnaire, name="checkin_questionnaire"),
    path("questionnaires/<int:questionnaire_id>/answered/", patient_checkin.answered, name="checkin_answered"),
    path("finish/", patient_checkin.finish, name="checkin_finish"),
]
