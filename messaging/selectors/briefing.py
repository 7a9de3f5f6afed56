"""What the patient's briefing reads from messaging, for one patient, in one query: the threads
with an unread answer and the open requests with their named owner and committed time. Not
audited here (a worker builds the briefing; it is audited when read); each thread carries its
`confidential` flag so the briefing hides it from a teenager's caregiver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, Q

from messaging.models import Thread
from messaging.selectors.patient import _unread

PatientId = UUID | str


@dataclass(frozen=True)
class ThreadState:
    thread: Thread
    unread: int  # staff replies the patient side has not seen
    awaiting_clinic: bool  # open, waiting for the clinic's answer
    newest_reply_at: datetime | None


def threads_for_briefing(patient_id: PatientId, *, limit: int = 20) -> list[ThreadState]:
    """Threads that are open or hold an unread answer, the newest activity first (one query)."""
    threads = list(
        Thread.objects.filter(patient_id=patient_id)
        .annotate(unread=Count("messages", filter=_unread("messages__")), newest_reply=Max("messages__created_at"))
        .filter(Q(status=Thread.Status.OPEN) | Q(unread__gt=0))
        .select_related("owner__user", "organization")
        .order_by("-last_message_at", "-pk")[:limit]
    )
    states = [
        ThreadState(thread, thread.unread, thread.status == Thread.Status.OPEN, thread.newest_reply)
        for thread in threads
    ]
    return states


def watermark(patient_id: PatientId) -> dict[str, Any]:
    row = Thread.objects.filter(patient_id=patient_id).aggregate(
        n=Count("pk", distinct=True),
        newest=Max("last_message_at"),
        unread=Count("messages", filter=_unread("messages__")),
    )
    return {
        "threads": row["n"],
        "threads_newest": row["newest"].isoformat() if row["newest"] else None,
        "unread": row["unread"],
    }
