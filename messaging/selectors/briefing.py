"""What the patient's briefing reads from messaging, for one patient or a batch of patients, in
one query: the threads with an unread answer and the open requests with their named owner and committed time. Not
audited here (a worker builds the briefing; it is audited when read); each thread carries its
`confidential` flag so the briefing hides it from a teenager's caregiver."""

from __future__ import annotations

from collections.abc import Collection
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
    return threads_for_briefing_many([str(patient_id)], limit=limit)[str(patient_id)]


def threads_for_briefing_many(patient_ids: Collection[str], *, limit: int = 20) -> dict[str, list[ThreadState]]:
    """`threads_for_briefing` for every patient of a batch (one query; a patient's open or unread
    threads are few, so each list is cut to `limit` here rather than in SQL)."""
    threads = (
        Thread.objects.filter(patient_id__in=list(patient_ids))
        .annotate(unread=Count("messages", filter=_unread("messages__")), newest_reply=Max("messages__created_at"))
        .filter(Q(status=Thread.Status.OPEN) | Q(unread__gt=0))
        .select_related("owner__user", "organization")
        .order_by("-last_message_at", "-pk")
    )
    found: dict[str, list[ThreadState]] = {str(patient_id): [] for patient_id in patient_ids}
    for thread in threads:
        states = found[str(thread.patient_id)]
        if len(states) < limit:
            states.append(ThreadState(thread, thread.unread, thread.status == Thread.Status.OPEN, thread.newest_reply))
    return found


def watermark(patient_id: PatientId) -> dict[str, Any]:
    return watermark_many([str(patient_id)])[str(patient_id)]


def watermark_many(patient_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """Messaging's side of the briefing's inputs watermark, for every patient of a batch (one query)."""
    rows = (
        Thread.objects.filter(patient_id__in=list(patient_ids))
        .order_by()
        .values("patient_id")
        .annotate(
            n=Count("pk", distinct=True),
            newest=Max("last_message_at"),
            unread=Count("messages", filter=_unread("messages__")),
        )
    )
    found = {str(patient_id): {"threads": 0, "threads_newest": None, "unread": 0} for patient_id in patient_ids}
    for row in rows:
        found[str(row["patient_id"])] = {
            "threads": row["n"],
            "threads_newest": row["newest"].isoformat() if row["newest"] else None,
            "unread": row["unread"],
        }
    return found
