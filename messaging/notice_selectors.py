"""Reads of staff in-app notices: my notices (scoped by the access policy and audited), and my
unread count for the navigation badge."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from messaging.models import Notice
from portal import audit
from portal.access import Action, patients_for
from portal.models import AuditEvent, User


def my_notices(*, user: User) -> QuerySet[Notice]:
    """My in-app notices, newest first, about patients whose messages I may still work with (one
    who has left a clinic stops seeing its patients' names here)."""
    return (
        Notice.objects.filter(
            user=user, channel=Notice.Channel.IN_APP, thread__patient__in=patients_for(user, Action.MESSAGING)
        )
        .select_related("thread__patient", "thread__pool")
        .order_by("-created_at", "-pk")
    )


def audit_shown(*, user: User, notices: Sequence[Notice]) -> None:
    """The page shows each thread's subject and patient: one read event per thread, in one insert."""
    threads = {notice.thread_id: notice.thread for notice in notices}
    audit.record_list(
        (audit.Line(thread.patient_id, obj=thread) for thread in threads.values()),
        actor=user,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        scope=Action.MESSAGING,
    )


def unread_count(user: User) -> int:
    return Notice.objects.filter(user=user, channel=Notice.Channel.IN_APP, read_at__isnull=True).count()
