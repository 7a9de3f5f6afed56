"""E-visit time and billing suggestions, under /staff/messaging/evisits/."""

from django.urls import URLPattern, path

from messaging.views import evisit

urlpatterns: list[URLPattern] = [
    path("threads/<int:thread_id>/time/", evisit.heartbeat, name="evisit_time"),
    path("threads/<int:thread_id>/adjust/", evisit.adjust, name="evisit_adjust"),
    path("threads/<int:thread_id>/confirm/", evisit.confirm, name="evisit_confirm"),
    path("threads/<int:thread_id>/panel/", evisit.panel, name="evisit_panel"),
    path("report/", evisit.report, name="evisit_report"),
]
