"""Staff messaging pages (inboxes, threads), under /staff/messages/."""

from django.urls import URLPattern, path

from messaging.views import staff

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
]
