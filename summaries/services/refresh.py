"""Keeping each patient's stored briefing current: marked stale by any change of its inputs,
rebuilt by a worker (debounced, one at a time per patient, again if the inputs moved meanwhile),
and swept nightly.

- `mark_stale(patient_id)` runs after the commit of every change (portal/briefing_inputs.py calls
  it). It counts the change; only the call that turns a fresh briefing stale enqueues the rebuild,
  with a countdown, so a burst (500 imported resources) causes one rebuild.
- `rebuild_many(patient_ids)` builds a batch of briefings, each under its patient's
  transaction-level advisory lock (a second worker finds it taken and leaves that patient: the
  holder sees any change made meanwhile). It stores each patient's lines as reflecting the changes
  counted when it began; the patients whose count moved meanwhile are built again. A worker killed
  mid-build commits nothing: the rows stay stale and the nightly sweep (or the next change)
  rebuilds them. Every input is read for the whole batch at once, so a batch costs the same
  queries whatever its size (about 25); `rebuild(patient_id)`, the debounced task's, is a batch of
  one, and the nightly sweep enqueues batches of BATCH.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.models import Patient
from portal.queue import queue_task
from summaries.models import Briefing
from summaries.services import care_gaps, notices
from summaries.services.briefing import compose_many

PatientId = UUID | str
REBUILD_TASK = "summaries.rebuild_briefing"
BATCH_TASK = "summaries.rebuild_briefings"
# Patients per batch rebuild (the sweep's, the bench's): its queries are the same for 1 or 1000.
BATCH = 200
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


def _enqueue_batch(patient_ids: list[str]) -> None:
    queue_task(BATCH_TASK, patient_ids)


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


def _try_locks(patient_ids: Sequence[str]) -> list[str]:
    """The patients of `patient_ids` whose lock this transaction took (the others are being built
    by another worker). One query for the batch."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM unnest(%s::text[]) AS id WHERE pg_try_advisory_xact_lock(%s, hashtext(id))",
            [list(patient_ids), LOCK_CLASS],
        )
        return [row[0] for row in cursor.fetchall()]


def _rows(patient_ids: Sequence[str]) -> dict[str, tuple[int, list[dict[str, Any]], datetime | None]]:
    """(changes, lines, built_at) of each patient's briefing as last stored, the row added for a
    patient who has none yet (never marked: a sweep, a bench). Patients that no longer exist are
    left out. Two queries for the batch."""
    table = Briefing._meta.db_table
    patients = Patient._meta.db_table
    with connection.cursor() as cursor:
        # Only the models' own table names are formatted in; every value is a bound parameter.
        cursor.execute(
            f"INSERT INTO {table} (patient_id, lines, care_team, watermark, version, changes, built_changes)"  # noqa: S608
            f" SELECT id, '[]', '[]', '{{}}', 0, 0, 0 FROM {patients} WHERE id = ANY(%s::uuid[])"
            " ON CONFLICT (patient_id) DO NOTHING",
            [list(patient_ids)],
        )
    rows = Briefing.objects.filter(patient_id__in=list(patient_ids)).values_list(
        "patient_id", "changes", "lines", "built_at"
    )
    return {str(patient_id): (changes, lines, built_at) for patient_id, changes, lines, built_at in rows}


def _store_sql() -> str:
    """Every built briefing of a batch in one statement (the batch as one JSON document: one
    encoding, no per-row adaptation): fresh (no longer stale) only where no change was counted
    while the build read its inputs. Returns each patient stored, and whether it is fresh."""
    table = Briefing._meta.db_table
    # Only the model's own table name is formatted in; every value is a bound parameter.
    return (
        f"UPDATE {table} AS b SET lines = v.lines, care_team = v.care_team, watermark = v.watermark,"  # noqa: S608
        " version = b.version + 1, built_at = %s, built_changes = v.seen,"
        " stale_since = CASE WHEN b.changes = v.seen THEN NULL ELSE b.stale_since END"
        " FROM jsonb_to_recordset(%s::jsonb)"
        " AS v(patient_id uuid, lines jsonb, care_team jsonb, watermark jsonb, seen bigint)"
        " WHERE b.patient_id = v.patient_id RETURNING b.patient_id::text, b.changes = v.seen"
    )


class Outcome:
    BUILT = "built"
    BUSY = "busy"  # another worker holds this patient's lock
    MOVED = "moved"  # the inputs kept moving: stored, still stale, rebuilt later
    GONE = "gone"  # no such patient (deleted since it was queued)


def rebuild(patient_id: PatientId, *, now: datetime | None = None) -> str:
    """Build and store this patient's briefing (see the module's note): a batch of one. Returns an Outcome."""
    return rebuild_many([patient_id], now=now)[str(patient_id)]


def rebuild_many(patient_ids: Iterable[PatientId], *, now: datetime | None = None) -> dict[str, str]:
    """Build and store the briefings of a batch of patients, each as `rebuild` would (its lock, its
    watermark, again if its inputs moved meanwhile), reading every input for the whole batch in a
    constant number of queries. Returns each patient's Outcome."""
    outcomes: dict[str, str] = {}
    pending = list(dict.fromkeys(str(patient_id) for patient_id in patient_ids))
    for _round in range(MAX_ROUNDS):
        if not pending:
            return outcomes
        with transaction.atomic():
            locked = _try_locks(pending)
            outcomes.update(dict.fromkeys(set(pending) - set(locked), Outcome.BUSY))
            # The lines as last stored, to tell whether this build found news (the opt-in notice).
            rows = _rows(locked) if locked else {}
            outcomes.update(dict.fromkeys(set(locked) - set(rows), Outcome.GONE))
            pending = [patient_id for patient_id in locked if patient_id in rows]
            if not pending:
                return outcomes
            at = now or timezone.now()
            # The care gaps are inputs too: evaluated against the record as it is now.
            care_gaps.evaluate_many(pending, now=at)
            built = compose_many(pending, now=at)
            stored = {patient_id: [line.as_json() for line in built[patient_id].lines] for patient_id in pending}
            with connection.cursor() as cursor:
                batch = [
                    {
                        "patient_id": patient_id,
                        "lines": stored[patient_id],
                        "care_team": built[patient_id].care_team,
                        "watermark": built[patient_id].watermark,
                        "seen": rows[patient_id][0],
                    }
                    for patient_id in pending
                ]
                cursor.execute(_store_sql(), [at, json.dumps(batch)])
                fresh = {patient_id for patient_id, is_fresh in cursor.fetchall() if is_fresh}
            for patient_id in pending:
                _seen, before, built_before = rows[patient_id]
                # A first build is not news (it is everything); later, new lines may be worth a notice.
                if built_before is not None:
                    notices.enqueue_if_news(patient_id, before=before, after=stored[patient_id])
            outcomes.update(dict.fromkeys(fresh, Outcome.BUILT))
            # The inputs of the others moved meanwhile: what was built is kept (better than older
            # lines), they stay stale, and are built again with the newer inputs.
            pending = [patient_id for patient_id in pending if patient_id not in fresh]
    # Still moving (an import in progress): try again once the burst has settled.
    for patient_id in pending:
        outcomes[patient_id] = Outcome.MOVED
        transaction.on_commit(lambda patient_id=patient_id: _enqueue(patient_id, debounce_seconds()))  # type: ignore[misc]
    return outcomes


def due_for_rebuild(*, now: datetime, limit: int = 10_000) -> list[str]:
    """Patients whose briefing is stale or was built more than a day ago (the nightly sweep)."""
    rows = (
        Briefing.objects.filter(Q(stale_since__isnull=False) | Q(built_at__isnull=True) | Q(built_at__lt=now - MAX_AGE))
        .order_by("built_at")
        .values_list("patient_id", flat=True)[:limit]
    )
    return [str(patient_id) for patient_id in rows]


def sweep(*, now: datetime | None = None) -> int:
    """Enqueue the rebuild of every briefing due, in batches of BATCH (each rebuilt in a constant
    number of queries; a patient another worker is building is skipped by its lock). Returns how
    many patients were enqueued."""
    now = now or timezone.now()
    due = due_for_rebuild(now=now)
    for start in range(0, len(due), BATCH):
        _enqueue_batch(due[start : start + BATCH])
    return len(due)
