"""Benchmark: the SLA sweep over a million open threads.

Goal (issue 4): each of the sweep's selecting queries is an index scan on its partial index
(thread_sla_breach_due, thread_sla_at_risk_due), and a sweep takes <= 200 ms. The command loads
`--threads` open threads with one INSERT ... SELECT generate_series (most far from due; per
thousand, two late, two at risk, one already breached and one already warned), checks the
foreign keys at once from then on (so the sweep's checks are timed), runs ANALYZE,
prints EXPLAIN (ANALYZE, BUFFERS) of both selecting queries exactly as the sweep builds them,
says whether each uses its partial index, and times `sla_sweep()` twice: the first run handles
the due threads, the second finds nothing (the sweep every minute in steady state). Everything
runs in a transaction that is rolled back.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from messaging.models import Pool, Thread
from messaging.services.sla import at_risk_chunk_query, breach_chunk_query, sla_sweep
from portal.models import Organization, Patient, StaffMember, StaffRole, User

GOAL_MS = 200.0
SWEEP_RUNS = 2

# Per thousand threads (by id modulo 1000): what the sweep will find.
LOAD_SQL = """
INSERT INTO messaging_thread (
    patient_id, organization_id, pool_id, owner_id, owner_reason, category, subject, urgency,
    status, sla_state, at_risk_at, first_response_due_at, first_responded_at,
    created_at, last_message_at, closed_at, outcome, safety_flags, idempotency_key
)
SELECT
    %(patient)s, %(organization)s, %(pool)s, %(owner)s, 'pool',
    (ARRAY['appointment', 'refill', 'billing', 'test_result', 'new_symptom', 'form_letter', 'other'])[i %% 7 + 1],
    'Benchmark thread', CASE WHEN i %% 20 = 0 THEN 'urgent' ELSE 'normal' END,
    'open', s.sla_state, s.at_risk_at, s.due_at, NULL,
    %(now)s - interval '1 day', %(now)s - interval '1 day', NULL, '', '{}', 'bench-' || i
FROM generate_series(1, %(count)s) AS i
CROSS JOIN LATERAL (
    SELECT
        -- 0-1: late (to breach); 2-3: past the at-risk time (to warn); 4: breached long ago;
        -- 5: warned already, not yet due; the rest: on track, due in the coming days.
        CASE WHEN i %% 1000 = 1 OR i %% 1000 = 5 THEN 'at_risk' WHEN i %% 1000 = 4 THEN 'breached'
             ELSE 'on_track' END AS sla_state,
        CASE WHEN i %% 1000 IN (0, 1, 4) THEN %(now)s - interval '3 hours' - (i %% 60) * interval '1 minute'
             WHEN i %% 1000 IN (2, 3, 5) THEN %(now)s - (i %% 60 + 1) * interval '1 minute'
             ELSE %(now)s + interval '1 hour' + (i %% 7200) * interval '1 minute' END AS at_risk_at,
        CASE WHEN i %% 1000 IN (0, 1, 4) THEN %(now)s - (i %% 120 + 1) * interval '1 minute'
             WHEN i %% 1000 IN (2, 3, 5) THEN %(now)s + interval '1 hour'
             ELSE %(now)s + interval '3 hours' + (i %% 7200) * interval '1 minute' END AS due_at
) AS s
"""


class Rollback(Exception):
    """Raised to undo everything the benchmark wrote."""


class Command(BaseCommand):
    help = "Load open threads, EXPLAIN the SLA sweep's queries and time the sweep (all rolled back)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=1_000_000, help="Open threads to load (default 1,000,000).")

    def handle(self, *args: Any, threads: int, **options: Any) -> None:
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: Django keeps every query; numbers will be slower than production.")
        try:
            with transaction.atomic():
                self._run(threads)
                raise Rollback
        except Rollback:
            pass
        self.stdout.write("Everything the benchmark wrote was rolled back.")

    def _run(self, count: int) -> None:
        now = timezone.now()
        started = time.perf_counter()
        _load(count, now)
        seconds = time.perf_counter() - started
        self.stdout.write(f"loaded {count:,} open threads in {seconds:.1f} s = {count / seconds:,.0f}/s")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # The foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, which this
            # rolled-back transaction never reaches. Checked at once from here on, the load's
            # checks are paid before the clock starts and the sweep's are counted, as each of
            # its chunks pays them at its own commit in production.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ANALYZE {Thread._meta.db_table}")
        self.stdout.write(
            f"foreign-key checks and ANALYZE {Thread._meta.db_table} in {time.perf_counter() - started:.1f} s"
        )

        # The locking SELECTs each chunk statement is built around (messaging.services.sla).
        self._explain("breach", breach_chunk_query(now), "thread_sla_breach_due")
        self._explain("at risk", at_risk_chunk_query(now), "thread_sla_at_risk_due")

        for run in range(1, SWEEP_RUNS + 1):
            started = time.perf_counter()
            counts = sla_sweep()
            ms = (time.perf_counter() - started) * 1000
            verdict = "ok" if ms <= GOAL_MS else "OVER"
            self.stdout.write(
                f"sla_sweep() run {run}: {ms:8.1f} ms (goal <= {GOAL_MS:.0f} ms: {verdict}); "
                f"breached {counts['breached']:,}, escalated {counts['escalated']:,}, at risk {counts['at_risk']:,}"
            )

    def _explain(self, label: str, queryset: QuerySet[Any], index: str) -> None:
        plan = queryset.explain(analyze=True, buffers=True)
        self.stdout.write(f"\nEXPLAIN (ANALYZE, BUFFERS) of the {label} query:\n{plan}\n")
        uses = f"Index Scan using {index} " in plan or f"Index Only Scan using {index} " in plan
        self.stdout.write(f"{label} query: index scan on {index}: {'yes' if uses else 'NO'}")


def _load(count: int, now: datetime) -> None:
    """The minimal clinic (organization, two nurses, a pool, a patient) and `count` open threads."""
    organization = Organization.objects.create(
        name="SLA benchmark clinic", slug="bench-sla-sweep", kind=Organization.Kind.HOME_CLINIC
    )
    lead, owner = (
        StaffMember.objects.create(
            user=User.objects.create_user(f"bench-sla-{name}@example.org", full_name=name),
            organization=organization,
            role=StaffRole.NURSE,
            credentials="RN",
        )
        for name in ("lead", "owner")
    )
    pool = Pool.objects.create(organization=organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE, lead=lead)
    pool.members.add(owner)
    patient = Patient.objects.create(
        home_organization=organization,
        mrn="BENCH-SLA",
        given_name="Bench",
        family_name="Patient",
        birth_date=date(1980, 1, 1),
    )
    params: dict[str, Any] = {
        "patient": patient.pk,
        "organization": organization.pk,
        "pool": pool.pk,
        "owner": owner.pk,
        "now": now,
        "count": count,
    }
    with connection.cursor() as cursor:
        cursor.execute(LOAD_SQL, params)
