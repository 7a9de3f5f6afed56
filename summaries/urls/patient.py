"""The patient's home page and briefing, at /p/<patient_id>/ (the root URLconf includes this module there)."""

from django.urls import path

from summaries.views import patient

urlpatterns = [
    path("", patient.patient_home, name="patient_home"),
    path("briefing/", patient.briefing_page, name="briefing"),
    path("briefing/part/", patient.briefing_part, name="briefing_part"),
    path("briefing/briefing.pdf", patient.briefing_pdf, name="briefing_pdf"),
]
