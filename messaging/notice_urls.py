"""Staff notifications (in-app notices), under /staff/notifications/."""

from django.urls import path

from messaging import notice_views

urlpatterns = [
    path("", notice_views.notice_list, name="messaging_notices"),
    path("read-all/", notice_views.notice_read_all, name="messaging_notices_read_all"),
    path("<int:notice_id>/read/", notice_views.notice_read, name="messaging_notice_read"),
    path("<int:notice_id>/open/", notice_views.notice_open, name="messaging_notice_open"),
]
