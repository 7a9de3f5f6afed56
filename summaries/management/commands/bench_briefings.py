"""Rebuild speed of the briefings: every patient (or --limit of them) rebuilt in batches, as the
nightly sweep's workers rebuild them, with the queries each batch makes. The goal (issue 12): at
least 100 patients a second per worker core, the same number of queries for every batch whatever
its size and the size of the records. `--batch 1` is the debounced one-patient rebuild.

Measured 2026-12-08 (perf12) on the demo's 20 patients and 14 imported Synthea patients (32 in
all), on the shared 2-core machine at load 8-11 (other sessions' tests and builds). "CPU" is this
process's CPU time, the worker core's share; wall time adds the database's (same machine) and the
wait for a core, and at that load says more about the neighbours than about the code:

- before (one patient at a time, 23 queries each): 20-22 patients/s CPU, 2-6 patients/s wall;
- batches (`--batch 200`, the default): 190-300 patients/s CPU, 30-110 patients/s wall (110 at load 4.5),
  25 queries per batch (23 reads and writes, BEGIN and COMMIT) for 5 patients as for 200: 0.78 per
  patient here, 0.13 at 200 a batch;
- a batch of one (`--batch 1`): 22 patients/s CPU, 25 queries.
Every stored line, care team, watermark and care gap was checked identical to the one-at-a-time
build's for these 32 patients (tests/summaries/test_briefing_batch.py keeps it so).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Patient
from summaries.services import refresh


class Command(BaseCommand):
    help = "Rebuild every patient's briefing in batches and report patients per second and queries per patient."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=0, help="At most this many patients (0: all).")
        parser.add_argument("--rounds", type=int, default=1, help="Rebuild every patient this many times.")
        parser.add_argument("--batch", type=int, default=refresh.BATCH, help="Patients per batch rebuild.")

    def handle(self, *args: Any, limit: int = 0, rounds: int = 1, batch: int = refresh.BATCH, **options: Any) -> None:
        patients = Patient.objects.order_by("pk").values_list("pk", flat=True)
        ids = [str(pk) for pk in (patients[:limit] if limit else patients)]
        if not ids:
            self.stdout.write("No patients: load the demo (manage.py demo_data) or import a bundle first.")
            return
        batches = [ids[start : start + batch] for start in range(0, len(ids), batch)]
        for patient_ids in batches:  # warm: every patient has a row, caches and connection are ready
            refresh.rebuild_many(patient_ids)
        queries: list[int] = []
        outcomes: dict[str, int] = {}
        started, cpu_started = time.perf_counter(), time.process_time()
        for _round in range(rounds):
            for patient_ids in batches:
                with CaptureQueriesContext(connection) as captured:
                    for outcome in refresh.rebuild_many(patient_ids).values():
                        outcomes[outcome] = outcomes.get(outcome, 0) + 1
                queries.append(len(captured.captured_queries))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        built = len(ids) * rounds
        self.stdout.write(
            f"{built} rebuilds of {len(ids)} patients in batches of {batch}: "
            f"{built / elapsed:.1f} patients/s wall ({elapsed:.2f} s), "
            f"{built / cpu:.1f} patients/s of this process's CPU ({cpu:.2f} s); "
            f"queries per batch min {min(queries)} max {max(queries)}, "
            f"{sum(queries) / built:.2f} per patient; outcomes {dict(sorted(outcomes.items()))}"
        )
