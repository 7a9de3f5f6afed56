"""Import a FHIR R4 Bundle, an NDJSON file or a folder of bulk NDJSON from a source system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.models import Organization
from records.services.imports import import_run_create, import_run_execute


class Command(BaseCommand):
    help = "Import FHIR R4 from a source system (an Organization, by slug) and print the per-resource report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="The source system's organization slug.")
        parser.add_argument("paths", nargs="+", type=Path, help="Bundle .json files, .ndjson files or folders.")
        parser.add_argument("--create-patients", action="store_true", help="Add patients nobody matches.")

    def handle(self, *args: Any, source: str, paths: list[Path], create_patients: bool, **options: Any) -> None:
        organization = Organization.objects.filter(slug=source).first()
        if organization is None:
            raise CommandError(f"No organization with slug '{source}'.")
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path} does not exist.")
            run = import_run_create(source=organization, path=path, create_missing_patients=create_patients)
            run = import_run_execute(run_id=run.pk, path=path)
            self.stdout.write(f"{path.name}: {run.outcome_label}" + (f". {run.failure}" if run.failure else ""))
            for kind, outcomes in run.counts.items():
                summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
                self.stdout.write(f"  {kind}: {summary}")
            for issue in run.issues.all()[:50]:
                self.stdout.write(f"  ! {issue.location}: {issue.message}")
