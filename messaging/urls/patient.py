"""The patient's messaging pages, under /p/<patient_id>/messages/."""

from django.urls import URLPattern, path

from messaging.views import patient

urlpatterns: list[URLPattern] = [
    path("", patient.thread_list, name="messages_home"),
    path("new/", patient.thread_start, name="messages_start"),
    path("<int:thread_id>/", patient.thread_page, name="messages_thread"),
    path("<int:thread_id>/close/", patient.thread_close, name="messages_close"),
    path("<int:thread_id>/reopen/", patient.thread_reopen, name="messages_reopen"),
    path("files/<int:attachment_id>/", patient.attachment_download, name="messages_attachment"),
]
