"""Helpers of the care gap tests: rules as the starter set ships them, approved for a test."""

from __future__ import annotations

from datetime import date
from typing import Any

from summaries.models import CareGap, CareGapRule
from summaries.services.care_gaps import starter_rules

APPROVED = {"approved_by": "Dr Test Clinician, MD", "approved_on": date(2026, 1, 5)}


def starter(key: str, *, approved: bool = True, **changes: Any) -> CareGapRule:
    """The shipped rule `key`, saved (approved by a named test clinician unless told otherwise)."""
    rule = next(rule for rule in starter_rules() if rule.key == key)
    for name, value in {**(APPROVED if approved else {}), **changes}.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    return rule


def all_starters() -> list[CareGapRule]:
    return [starter(rule.key) for rule in starter_rules()]


def by_key(gaps: list[CareGap]) -> dict[str, CareGap]:
    return {gap.rule.key: gap for gap in gaps}
