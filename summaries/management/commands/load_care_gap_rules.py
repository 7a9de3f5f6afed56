"""Add the shipped starter care gap rules (summaries/content/care_gap_rules.toml) the database lacks,
unapproved. Safe to run again: rules already there, edited or approved, are left as they are."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from summaries.services.care_gaps import load_starter_rules


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        added = load_starter_rules()
        for rule in added:
            self.stdout.write(f"Added {rule.key}: {rule.name_en} (pending clinical approval)")
        self.stdout.write(f"{len(added)} rules added.")
