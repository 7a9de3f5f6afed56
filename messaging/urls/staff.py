"""Messaging's staff pages, under /staff/messaging/: the inboxes and threads, the answer-time
metrics, e-visit time and billing, and staff notices (in-app notifications)."""

from django.urls import URLPattern, path

from messaging.views import staff, staff_evisit, staff_metrics, staff_notices

urlpatterns: list[URLPattern] = [
    path("", staff.inbox_mine, name="staff_messages"),
    path("pools/<int:pool_id>/", staff.inbox_pool, name="staff_messages_pool"),
    path("count/", staff.waiting_count, name="staff_messages_count"),
    path("<int:thread_id>/", staff.thread, name="staff_thread"),
    path("<int:thread_id>/chart/", staff.chart, name="staff_thread_chart"),
    path("<int:thread_id>/files/<int:attachment_id>/", staff.attachment, name="staff_thread_attachment"),
    path("<int:thread_id>/reply/", staff.reply, name="staff_thread_reply"),
    path("<int:thread_id>/note/", staff.note, name="staff_thread_note"),
    path("<int:thread_id>/claim/", staff.claim, name="staff_thread_claim"),
    path("<int:thread_id>/reassign/", staff.reassign, name="staff_thread_reassign"),
    path("<int:thread_id>/escalate/", staff.escalate, name="staff_thread_escalate"),
    path("<int:thread_id>/close/", staff.close, name="staff_thread_close"),
    path("<int:thread_id>/reopen/", staff.reopen, name="staff_thread_reopen"),
    # The SLA compliance pages for staff and administrators.
    path("metrics/", staff_metrics.sla_metrics, name="messaging_metrics"),
    # E-visit time and billing suggestions.
    path("evisits/threads/<int:thread_id>/time/", staff_evisit.heartbeat, name="evisit_time"),
    path("evisits/threads/<int:thread_id>/adjust/", staff_evisit.adjust, name="evisit_adjust"),
    path("evisits/threads/<int:thread_id>/confirm/", staff_evisit.confirm, name="evisit_confirm"),
    path("evisits/threads/<int:thread_id>/panel/", staff_evisit.panel, name="evisit_panel"),
    path("evisits/report/", staff_evisit.report, name="evisit_report"),
    # Staff notices (in-app notifications).
    path("notices/", staff_notices.notice_list, name="messaging_notices"),
    path("notices/read-all/", staff_notices.notice_read_all, name="messaging_notices_read_all"),
    path("notices/<int:notice_id>/read/", staff_notices.notice_read, name="messaging_notice_read"),
    path("notices/<int:notice_id>/open/", staff_notices.notice_open, name="messaging_notice_open"),
]
