"""messaging_thread keeps no single-column index on patient, pool or owner (upkeep the SLA sweep
pays on every thread it moves), and the reads that used them are answered by the composite
indexes that lead with the same column. The bench (manage.py bench_sla_sweep) times the sweep;
these check the plans."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from messaging.selectors import api as api_selectors
from messaging.selectors import patient as patient_selectors
from messaging.selectors import staff as staff_selectors
from messaging.selectors.staff import Filters, View
from messaging.services.routing import owner_for
from tests.messaging.conftest import Clinic

pytestmark = pytest.mark.django_db

# An index scan of the threads by patient, or a bitmap scan of an index leading with the patient
# (which of the two the planner picks depends on the table's statistics at that moment).
BY_PATIENT = re.compile(
    r"(?:Index (?:Only )?Scan using \w+ on messaging_thread .*"
    r"|Bitmap Index Scan on (?:thread_patient_list|thread_idempotency_key_unique) .*)"
    r"\n\s+Index Cond: \(patient_id = "
)


def thread_plans(run: Callable[[], Any]) -> list[str]:
    """EXPLAIN of each query `run` sends that reads messaging_thread, with sequential scans
    forbidden: on a test-sized table the planner rightly prefers one, and forbidding it shows
    whether an index can answer at all (if none can, the plan still says Seq Scan)."""
    with CaptureQueriesContext(connection) as queries:
        run()
    plans = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if '"messaging_thread"' not in sql or not sql.startswith("SELECT"):
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert plans, "no query of messaging_thread was sent"
    return plans


def test_no_single_column_index_on_the_threads_patient_pool_or_owner() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messaging_thread'")
        definitions = dict(cursor.fetchall())

    single = {
        name
        for name, sql in definitions.items()
        for column in ("patient_id", "pool_id", "owner_id")
        if sql.endswith(f"({column})")
    }

    assert single == set()
    assert {"thread_patient_list", "thread_pool_inbox", "thread_owner_inbox"} <= set(definitions)


def staff_reads(clinic: Clinic) -> dict[str, Callable[[], Any]]:
    nurse = clinic.nurse_ana.user
    waiting = Filters(view=View.WAITING)
    return {
        "pool inbox": lambda: staff_selectors.inbox_threads(actor=nurse, pool=clinic.triage, filters=waiting),
        "my inbox": lambda: staff_selectors.inbox_threads(actor=nurse, pool=None, filters=waiting),
        "inbox counts": lambda: staff_selectors.inboxes(nurse),
        "least busy owner": lambda: owner_for(clinic.triage, clinic.patient, []),
    }


@pytest.mark.parametrize("read", ["pool inbox", "my inbox", "inbox counts", "least busy owner"])
def test_staff_reads_of_threads_by_pool_or_owner_use_an_index(clinic: Clinic, read: str) -> None:
    clinic.start()

    plans = thread_plans(staff_reads(clinic)[read])

    for plan in plans:
        assert "Seq Scan on messaging_thread" not in plan, plan
        assert "thread_pool_inbox" in plan or "thread_owner_inbox" in plan, plan


@pytest.mark.parametrize("api", [False, True], ids=["page", "API"])
def test_the_patients_thread_list_uses_an_index(clinic: Clinic, api: bool) -> None:
    clinic.start()
    access = clinic.access(clinic.patient.user)
    actor = clinic.patient.user

    def page() -> None:
        if api:
            list(api_selectors.patient_threads(access=access, actor=actor)[:20])
        else:
            list(patient_selectors.thread_list(access=access, actor=actor).object_list)

    for plan in thread_plans(page):
        # thread_patient_list, or the key's unique index: both lead with the patient.
        assert BY_PATIENT.search(plan), plan
