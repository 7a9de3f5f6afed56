"""The patient's home page, at /p/<patient_id>/ (the root URLconf includes this module there)."""

from django.urls import path

from summaries.views import patient

urlpatterns = [
    path("", patient.patient_home, name="patient_home"),
]
