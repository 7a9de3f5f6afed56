"""Rebuild speed of the briefings: every patient (or --limit of them) rebuilt in turn, with the
queries each rebuild makes. The goal (issue 12): at least 100 patients a second per worker core,
the same number of queries for every patient whatever the size of their record."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Patient
from summaries.services import refresh


class Command(BaseCommand):
    help = "Rebuild every patient's briefing and report patients per second and queries per patient."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=0, help="At most this many patients (0: all).")
        parser.add_argument("--rounds", type=int, default=1, help="Rebuild every patient this many times.")

    def handle(self, *args: Any, limit: int = 0, rounds: int = 1, **options: Any) -> None:
        patients = Patient.objects.order_by("pk").values_list("pk", flat=True)
        ids = list(patients[:limit] if limit else patients)
        if not ids:
            self.stdout.write("No patients: load the demo (manage.py demo_data) or import a bundle first.")
            return
        for patient_id in ids:  # warm: every patient has a row, caches and connection are ready
            refresh.rebuild(patient_id)
        queries: list[int] = []
        started = time.perf_counter()
        for _round in range(rounds):
            for patient_id in ids:
                with CaptureQueriesContext(connection) as captured:
                    refresh.rebuild(patient_id)
                queries.append(len(captured.captured_queries))
        elapsed = time.perf_counter() - started
        built = len(ids) * rounds
        self.stdout.write(
            f"{built} rebuilds of {len(ids)} patients in {elapsed:.2f} s: {built / elapsed:.1f} patients/s; "
            f"queries per patient min {min(queries)} max {max(queries)}"
        )
