"""Benchmark: import a FHIR sample set, then import it again unchanged, and report the speed.

Goal (issue 3): >= 3,000 resources/s on the 2-core reference machine, and an unchanged
re-import at least 10x faster. Runs inside a transaction that is rolled back, so the
database is left as it was.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from portal.models import Organization
from records.services.imports import import_run_create, import_run_execute

DEFAULT_DATA = settings.BASE_DIR.parent / "shared" / "data"


class Rollback(Exception):
    """Raised to undo everything the benchmark wrote."""


class Command(BaseCommand):
    help = "Import Synthea bundles and bulk NDJSON twice and report resources per second."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="A folder like ../shared/data.")

    def handle(self, *args: Any, data: Path, **options: Any) -> None:
        paths = sorted((data / "synthea-r4-bundles").glob("*.json")) + [data / "bulk-ndjson-us-core"]
        paths = [p for p in paths if p.exists()]
        if not paths:
            self.stderr.write(f"No sample data under {data}.")
            return
        try:
            with transaction.atomic():
                source, _ = Organization.objects.get_or_create(
                    slug="bench-source", defaults={"name": "Benchmark source", "kind": Organization.Kind.HOSPITAL}
                )
                first = self._import_all(source, paths)
                second = self._import_all(source, paths)
                raise Rollback
        except Rollback:
            pass
        (count, seconds), (again, again_seconds) = first, second
        self.stdout.write(f"first import:  {count} resources in {seconds:.2f} s = {count / seconds:,.0f} resources/s")
        self.stdout.write(
            f"re-import:     {again} resources in {again_seconds:.2f} s = {again / again_seconds:,.0f} /s"
        )
        self.stdout.write(f"re-import is {seconds / again_seconds:.1f}x faster (goal: >= 10x; first goal >= 3,000/s)")

    def _import_all(self, source: Organization, paths: list[Path]) -> tuple[int, float]:
        started = time.perf_counter()
        total = 0
        for path in paths:
            run = import_run_create(source=source, path=path, create_missing_patients=True)
            run = import_run_execute(run_id=run.pk, path=path)
            total += sum(sum(outcomes.values()) for outcomes in run.counts.values())
        return total, time.perf_counter() - started
