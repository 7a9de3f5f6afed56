"""Reads of staff in-app notices: my notices (scoped by the access policy and audited), and my
unread count for the navigation badge."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from messaging.models import Thread
from portal import audit
from portal.access import Action, patients_for
from portal.models import AuditEvent, Notice, User
from portal.selectors import outbox


def my_notices(*, user: User) -> QuerySet[Notice]:
    """My in-app notices (from the portal's outbox), newest first, about patients whose messages
    I may still work with (one who has left a clinic stops seeing its patients' names here)."""
    return outbox.in_app(user).filter(patient__in=patients_for(user, Action.MESSAGING))


def with_threads(notices: Sequence[Notice]) -> list[Notice]:
    """The notices, each with its `thread` (patient and pool too), in one query."""
    threads = Thread.objects.select_related("patient", "pool").in_bulk({notice.target_id for notice in notices})
    for notice in notices:
        notice.thread = threads[notice.target_id]  # type: ignore[attr-defined]
    return list(notices)


def audit_shown(*, user: User, notices: Sequence[Notice]) -> None:
    """The page shows each thread's subject and patient: one read event per thread, in one insert."""
    threads = {notice.target_id: notice.thread for notice in notices}  # type: ignore[attr-defined]
    audit.record_list(
        (audit.Line(thread.patient_id, obj=thread) for thread in threads.values()),
        actor=user,
        acting_as=AuditEvent.ActingAs.STAFF,
        action=AuditEvent.Action.VIEW,
        scope=Action.MESSAGING,
    )


def unread_count(user: User) -> int:
    return outbox.unread_count(user)
