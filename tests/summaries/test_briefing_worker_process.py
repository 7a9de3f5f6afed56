"""A real Celery worker (its own process) building a briefing: it holds the patient's lock (another
worker leaves), builds again when the inputs moved meanwhile, and killed mid-build loses nothing:
nothing of the build is stored, the briefing stays stale, its lock is free again, and the nightly
sweep has it rebuilt by the next worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test import override_settings

from portal.celery import app
from portal.factories import PatientFactory
from summaries.models import Briefing
from summaries.services import refresh

ROOT = Path(__file__).resolve().parents[2]


def _connect() -> psycopg.Connection:
    """A connection of its own (the test's stands aside), as the role the worker runs as."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None
    )


def _waiting_backends(watcher: psycopg.Connection, database: str) -> list[int]:
    rows = watcher.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        [database],
    ).fetchall()
    return [row[0] for row in rows]


def _until(condition, seconds: float, message: str) -> None:  # noqa: ANN001 - a callable
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


@dataclass
class Blocked:
    """A real worker process, building a patient's briefing, waiting to store it on the row lock
    `holder` holds; `backend` is its database session."""

    worker: subprocess.Popen[bytes]
    holder: psycopg.Connection
    watcher: psycopg.Connection
    backend: int


@contextmanager
def worker_blocked_at_the_store(patient_id: object) -> Iterator[Blocked]:
    """Start a Celery worker process on the test database; the rebuild queued for `patient_id`
    reads its inputs, then waits for the row lock held here to store what it built."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "PYTHONPATH": str(ROOT),
    }
    holder, watcher = _connect(), _connect()
    watcher.autocommit = True
    holder.execute("SELECT 1 FROM summaries_briefing WHERE patient_id = %s FOR UPDATE", [patient_id])
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and the project's worker
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _until(lambda: _waiting_backends(watcher, db["NAME"]), 120, "the worker never reached the store")
        [backend] = _waiting_backends(watcher, db["NAME"])
        yield Blocked(worker, holder, watcher, backend)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        holder.close()
        watcher.close()


@pytest.mark.django_db(transaction=True)
@override_settings(BRIEFING_DEBOUNCE_SECONDS=0)
def test_a_worker_killed_mid_build_loses_nothing_and_the_sweep_rebuilds() -> None:
    patient = PatientFactory()
    refresh.rebuild(patient.pk)
    built = Briefing.objects.get(patient=patient)
    refresh.mark_stale(patient.pk)  # commits at once here: the rebuild is queued

    with worker_blocked_at_the_store(patient.pk) as blocked:
        os.killpg(blocked.worker.pid, signal.SIGKILL)
        blocked.worker.wait(timeout=30)
        blocked.holder.rollback()
        # Its server process notices the client is gone once it may go on, and rolls back.
        _until(
            lambda: (
                not blocked.watcher.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [blocked.backend]
                ).fetchone()
            ),
            60,
            "the killed worker's database session did not end",
        )

    row = Briefing.objects.get(patient=patient)
    assert (row.version, row.built_at, row.built_changes) == (built.version, built.built_at, built.built_changes)
    assert row.stale_since is not None
    assert str(patient.pk) in refresh.due_for_rebuild(now=row.stale_since)

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        refresh.sweep()
        _until(
            lambda: Briefing.objects.filter(
                patient=patient, stale_since__isnull=True, version__gt=built.version
            ).exists(),
            90,
            "the sweep's rebuild did not happen",
        )


@pytest.mark.django_db(transaction=True)
@override_settings(BRIEFING_DEBOUNCE_SECONDS=0)
def test_a_real_worker_holds_the_patients_lock_and_builds_again_when_the_inputs_moved() -> None:
    patient = PatientFactory()
    refresh.rebuild(patient.pk)
    built = Briefing.objects.get(patient=patient)
    refresh.mark_stale(patient.pk)

    with worker_blocked_at_the_store(patient.pk) as blocked:
        # Another worker meanwhile finds the patient's lock taken and leaves.
        busy = refresh.rebuild(patient.pk)
        # A change counted while the build runs (what mark_stale does to a stale row), committed.
        blocked.holder.execute(
            "UPDATE summaries_briefing SET changes = changes + 1 WHERE patient_id = %s", [patient.pk]
        )
        blocked.holder.commit()
        fresh = Briefing.objects.filter(patient=patient, stale_since__isnull=True, version__gt=built.version)
        _until(fresh.exists, 90, "the worker did not build again")

    row = Briefing.objects.get(patient=patient)
    assert busy == refresh.Outcome.BUSY
    # The first round stored its lines but stayed stale; the second saw every change.
    assert (row.version, row.changes, row.built_changes) == (built.version + 2, built.changes + 2, built.changes + 2)
