"""Keeping each patient's stored briefing current: marked stale by any change of its inputs,
rebuilt by a worker (debounced, one at a time per patient, again if the inputs moved meanwhile),
and swept nightly.

- `mark_stale(patient_id)` runs after the commit of every change (portal/briefing_inputs.py calls
  it). It counts the change; only the call that turns a fresh briefing stale enqueues the rebuild,
  with a countdown, so a burst (500 imported resources) causes one rebuild.
- `rebuild(patient_id)` builds under a per-patient transaction-level advisory lock (a second
  worker finds it taken and leaves: the holder sees any change made meanwhile). It stores the
  lines only as reflecting the changes counted when it began; if the count moved meanwhile it
  builds again. A worker killed mid-build commits nothing: the row stays stale and the nightly
  sweep (or the next change) rebuilds it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.queue import queue_task
from summaries.models import Briefing
from summaries.services import care_gaps, notices
from summaries.services.briefing import compose

PatientId = UUID | str
REBUILD_TASK = "summaries.rebuild_briefing"
# Class id of the advisory locks this module takes (the object id is the patient's hash).
LOCK_CLASS = 0x42F1
# A build that keeps seeing its inputs move gives up after this many rounds (the row stays stale).
MAX_ROUNDS = 3
# The nightly sweep rebuilds briefings older than this (dates move: "coming due").
MAX_AGE = timedelta(days=1)


def debounce_seconds() -> int:
    return int(getattr(settings, "BRIEFING_DEBOUNCE_SECONDS", 30))


def _enqueue(patient_id: str, countdown: int) -> None:
    queue_task(REBUILD_TASK, patient_id, countdown=countdown)


def mark_stale(patient_id: PatientId, *, now: datetime | None = None) -> bool:
    """Count one change of this patient's briefing inputs; True if it turned the briefing stale
    (and so enqueued the debounced rebuild, after the commit)."""
    now = now or timezone.now()
    patient_id = str(patient_id)
    with transaction.atomic():
        Briefing.objects.get_or_create(patient_id=patient_id)
        # A conditional UPDATE: concurrent callers serialize on the row, and exactly one of them
        # sees the fresh row and turns it stale.
        turned = Briefing.objects.filter(patient_id=patient_id, stale_since__isnull=True).update(
            stale_since=now, changes=F("changes") + 1
        )
        if not turned:
            Briefing.objects.filter(patient_id=patient_id).update(changes=F("changes") + 1)
        else:
            transaction.on_commit(lambda: _enqueue(patient_id, debounce_seconds()))
    return bool(turned)


def _try_lock(patient_id: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [LOCK_CLASS, patient_id])
        return bool(cursor.fetchone()[0])


class Outcome:
    BUILT = "built"
    BUSY = "busy"  # another worker holds this patient's lock
    MOVED = "moved"  # the inputs kept moving: stored, still stale, rebuilt later


def rebuild(patient_id: PatientId, *, now: datetime | None = None) -> str:
    """Build and store this patient's briefing (see the module's note). Returns an Outcome."""
    patient_id = str(patient_id)
    for _round in range(MAX_ROUNDS):
        with transaction.atomic():
            if not _try_lock(patient_id):
                return Outcome.BUSY
            # The lines as last stored, to tell whether this build found news (the opt-in notice).
            row = Briefing.objects.filter(patient_id=patient_id).values_list("changes", "lines", "built_at").first()
            if row is None:  # never marked (a sweep, a bench): the row starts here
                row = (Briefing.objects.get_or_create(patient_id=patient_id)[0].changes, [], None)
            seen, before, built_before = row
            at = now or timezone.now()
            # The care gaps are inputs too: evaluated against the record as it is now.
            care_gaps.evaluate(patient_id, now=at)
            built = compose(patient_id, now=at)
            fields = {
                "lines": [line.as_json() for line in built.lines],
                "care_team": built.care_team,
                "watermark": built.watermark,
                "version": F("version") + 1,
                "built_at": at,
                "built_changes": seen,
            }
            # Fresh only if no change was counted while this build read its inputs.
            stored = Briefing.objects.filter(patient_id=patient_id, changes=seen).update(stale_since=None, **fields)
            # A first build is not news (it is everything); later, new lines may be worth a notice.
            if built_before is not None:
                notices.enqueue_if_news(patient_id, before=before, after=fields["lines"])  # type: ignore[arg-type]
            if stored:
                return Outcome.BUILT
            # The inputs moved meanwhile: keep what was built (better than older lines), stay
            # stale, and build again with the newer inputs.
            Briefing.objects.filter(patient_id=patient_id).update(**fields)
    # Still moving (an import in progress): try again once the burst has settled.
    transaction.on_commit(lambda: _enqueue(patient_id, debounce_seconds()))
    return Outcome.MOVED


def due_for_rebuild(*, now: datetime, limit: int = 10_000) -> list[str]:
    """Patients whose briefing is stale or was built more than a day ago (the nightly sweep)."""
    rows = (
        Briefing.objects.filter(Q(stale_since__isnull=False) | Q(built_at__isnull=True) | Q(built_at__lt=now - MAX_AGE))
        .order_by("built_at")
        .values_list("patient_id", flat=True)[:limit]
    )
    return [str(patient_id) for patient_id in rows]


def sweep(*, now: datetime | None = None) -> int:
    """Enqueue a rebuild for every briefing due (spread by the queue; a busy patient is skipped
    by its lock). Returns how many were enqueued."""
    now = now or timezone.now()
    due = due_for_rebuild(now=now)
    for patient_id in due:
        _enqueue(patient_id, 0)
    return len(due)
