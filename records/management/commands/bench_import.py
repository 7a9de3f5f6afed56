"""Benchmark: import a FHIR sample set, and each file again unchanged, and report the speed.

Goal (issue 3): >= 3,000 resources/s on the 2-core reference machine, and re-importing an
unchanged file at least 10x faster than importing it the first time. Each file is imported
twice in a row (the second time nothing has changed; also timed without the whole-file
shortcut, reading every resource and comparing hashes), then the whole set once more as it
comes (files of the shared sample carry the same organizations with different content, so
that pass does write). `--large N` also imports one generated bundle of N resources and reports
its peak memory (issue 15: bounded by the batch, not the file). Everything runs in a
transaction that is rolled back.
"""

from __future__ import annotations

import json
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from portal.models import Organization
from records.models import ImportRun
from records.services.imports import import_run_create, import_run_execute

DEFAULT_DATA = settings.BASE_DIR.parent / "shared" / "data"


class Rollback(Exception):
    """Raised to undo everything the benchmark wrote."""


class Command(BaseCommand):
    help = "Import Synthea bundles and bulk NDJSON, each twice, and report resources per second."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="A folder like ../shared/data.")
        parser.add_argument(
            "--large", type=int, default=0, help="Also import a generated bundle of this many resources (memory)."
        )
        parser.add_argument("--large-only", action="store_true", help="Only the generated bundle.")

    def handle(self, *args: Any, data: Path, large: int, large_only: bool, **options: Any) -> None:
        paths = sorted((data / "synthea-r4-bundles").glob("*.json")) + [data / "bulk-ndjson-us-core"]
        paths = [p for p in paths if p.exists() and not large_only]
        if large:
            self._large(large)
        if not paths:
            self.stderr.write(f"No sample data under {data}.")
            return
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: Django keeps every query; numbers will be slower than production.")
        first = again = read = mixed = (0, 0.0, 0)
        try:
            with transaction.atomic():
                source, _ = Organization.objects.get_or_create(
                    slug="bench-source", defaults={"name": "Benchmark source", "kind": Organization.Kind.HOSPITAL}
                )
                for path in paths:
                    first = _add(first, _import(source, path))
                    again = _add(again, _import(source, path))
                    read = _add(read, _import(source, path, trust_file_hash=False))
                for path in paths:
                    mixed = _add(mixed, _import(source, path))
                raise Rollback
        except Rollback:
            pass
        self._line("first import", first)
        self._line("same file again, unchanged", again)
        self._line("  ...read resource by resource", read)
        self._line("the whole set again", mixed)
        self.stdout.write(
            f"unchanged re-import is {first[1] / again[1]:.1f}x faster (goal >= 10x); "
            f"first import {first[0] / first[1]:,.0f}/s (goal >= 3,000/s)"
        )

    def _large(self, count: int) -> None:
        """Import one generated bundle of `count` resources with Python's allocations traced."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "large.json"
            _write_bundle(path, count)
            megabytes = path.stat().st_size / 2**20
            try:
                with transaction.atomic():
                    source, _ = Organization.objects.get_or_create(
                        slug="bench-source", defaults={"name": "Benchmark source", "kind": Organization.Kind.HOSPITAL}
                    )
                    tracemalloc.start()
                    total, seconds, _written = _import(source, path)
                    _now, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
                    raise Rollback
            except Rollback:
                pass
        # ru_maxrss is in KiB on Linux: the process' peak, the Django start-up included.
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"generated bundle: {total:,} resources, {megabytes:,.1f} MB in {seconds:.1f} s (traced, slower); "
            f"peak Python allocations {peak / 2**20:,.1f} MB; process peak RSS {rss:,.0f} MB"
        )

    def _line(self, label: str, result: tuple[int, float, int]) -> None:
        count, seconds, written = result
        self.stdout.write(
            f"{label:<32} {count:>6} resources in {seconds:6.2f} s = {count / seconds:>9,.0f}/s"
            f"  ({written} created or updated)"
        )


def _import(source: Organization, path: Path, *, trust_file_hash: bool = True) -> tuple[int, float, int]:
    started = time.perf_counter()
    run: ImportRun = import_run_create(source=source, path=path, create_missing_patients=True)
    run = import_run_execute(run_id=run.pk, path=path, trust_file_hash=trust_file_hash)
    seconds = time.perf_counter() - started
    total = sum(sum(outcomes.values()) for outcomes in run.counts.values())
    return total, seconds, run.total("created") + run.total("updated")


def _add(a: tuple[int, float, int], b: tuple[int, float, int]) -> tuple[int, float, int]:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _write_bundle(path: Path, count: int) -> None:
    """A collection bundle of one patient and `count - 1` lab results, written entry by entry."""
    patient = {"resourceType": "Patient", "id": "bench-p", "name": [{"family": "Bench", "given": ["Ada"]}]}
    patient |= {"birthDate": "1970-01-01", "gender": "female"}
    with path.open("w") as out:
        out.write('{"resourceType": "Bundle", "type": "collection", "entry": [')
        out.write(json.dumps({"fullUrl": "urn:uuid:bench-p", "resource": patient}))
        for n in range(1, count):
            result = {
                "resourceType": "Observation",
                "id": f"bench-o{n}",
                "status": "final",
                "category": [{"coding": [{"code": "laboratory"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
                "subject": {"reference": "urn:uuid:bench-p"},
                "effectiveDateTime": f"2020-01-01T00:00:{n % 60:02d}Z",
                "valueQuantity": {"value": 90 + n % 40, "unit": "mg/dL"},
                "note": [{"text": "Fasting sample, drawn in the morning. " * 8}],
            }
            out.write(",")
            out.write(json.dumps({"fullUrl": f"urn:uuid:bench-o{n}", "resource": result}))
        out.write("]}")
