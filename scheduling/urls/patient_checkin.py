"""eCheck-in of one appointment, under /p/<patient_id>/appointments/<appointment_id>/check-in/."""

from django.urls import path

from scheduling.views import checkin

urlpatterns = [
    path("", checkin.overview, name="checkin"),
    path("details/", checkin.details, name="checkin_details"),
    path("insurance/", checkin.insurance, name="checkin_insurance"),
    path("medicines/", checkin.medicines, name="checkin_medicines"),
    path("questionnaires/<int:questionnaire_id>/", checkin.questionnaire, name="checkin_questionnaire"),
    path("questionnaires/<int:questionnaire_id>/answered/", checkin.answered, name="checkin_answered"),
    path("finish/", checkin.finish, name="checkin_finish"),
]
