"""Care gaps: each approved rule evaluated against a patient's whole record (every source), one
stored `CareGap` per (patient, rule); and the starter rules loaded from summaries/content.

Evaluation reads the record only through records' selector, in a constant number of queries per
batch of patients whatever its size and the size of the records: the patients, the rules, the
items, one upsert, one delete.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from portal.models import Patient
from records.models import RecordItem
from records.selectors.patient import RuleFact, rule_facts_many
from summaries import care_gap_codes
from summaries.care_gap_codes import Code
from summaries.models import CareGap, CareGapRule

STARTER_RULES = Path(__file__).resolve().parent.parent / "content" / "care_gap_rules.toml"

Kind = RecordItem.Kind
Status = CareGap.Status
# What can make a rule apply (matched by code or name in Python: ICD-10 prefixes, ingredient names).
APPLYING_KINDS = (Kind.PROBLEM, Kind.MEDICATION)
# What can close a gap: a result, a vital sign, a report, a procedure, a vaccine.
CLOSING_KINDS = frozenset({Kind.RESULT, Kind.VITAL, Kind.OBSERVATION, Kind.REPORT, Kind.PROCEDURE, Kind.IMMUNIZATION})
# FHIR statuses that mean it did not happen, or no longer holds.
NOT_DONE = frozenset({"not-done", "cancelled", "entered-in-error", "stopped", "preliminary", "registered"})
INACTIVE_PROBLEM = frozenset({"inactive", "resolved", "remission"})
ACTIVE_MEDICATION = frozenset({"active", "on-hold", ""})
# A demo's approval is written as such, so it is never mistaken for a clinician's.
DEMO_APPROVAL = "demo approval (not clinically reviewed)"


@dataclass(frozen=True)
class _Rule:
    """A rule with its code lists parsed once per evaluation."""

    rule: CareGapRule
    conditions: list[Code]
    medications: list[Code]
    ingredients: list[str]
    closers: list[Code]

    @classmethod
    def of(cls, rule: CareGapRule) -> _Rule:
        return cls(rule, rule.conditions(), rule.medications(), rule.ingredients(), rule.closers())


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (day.day, 30, 29, 28):  # the 31st of a shorter month is its last day
        try:
            return date(year, month, last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def clinic_zone(patient: Patient) -> ZoneInfo:
    """Days are the patient's clinic's days: a test done at 23:00 in Chicago was done that day."""
    return ZoneInfo(patient.home_organization.time_zone or settings.CLINIC_TIME_ZONE)


def status_on(due_on: date, coming_due_days: int, today: date) -> str:
    """Open from the due date, coming due within the window before it, closed (up to date) before that."""
    if due_on <= today:
        return Status.OPEN
    if (due_on - today).days <= coming_due_days:
        return Status.COMING_DUE
    return Status.CLOSED


def _applying(rule: _Rule, items: list[RuleFact], now: datetime) -> list[RuleFact]:
    """The items that make the rule apply (empty when no condition or medicine is asked for)."""
    found = []
    for item in items:
        if item.kind == Kind.PROBLEM and rule.conditions:
            if item.status in INACTIVE_PROBLEM or (item.ended_at is not None and item.ended_at <= now):
                continue
            if care_gap_codes.matches_any(rule.conditions, item.code_system, item.code):
                found.append(item)
        elif item.kind == Kind.MEDICATION and (rule.medications or rule.ingredients):
            if item.status not in ACTIVE_MEDICATION or (item.ended_at is not None and item.ended_at <= now):
                continue
            named = any(name in item.display.lower() for name in rule.ingredients)
            if named or care_gap_codes.matches_any(rule.medications, item.code_system, item.code):
                found.append(item)
    return found


def _evidence(rule: _Rule, items: list[RuleFact], now: datetime) -> RuleFact | None:
    """The newest item that closes the rule, done by now (items come newest first)."""
    for item in items:
        if item.kind not in CLOSING_KINDS or item.status in NOT_DONE or item.effective_at is None:
            continue
        if item.effective_at <= now and care_gap_codes.matches_any(rule.closers, item.code_system, item.code):
            return item
    return None


def _evaluate_rule(rule: _Rule, patient: Patient, items: list[RuleFact], now: datetime) -> CareGap:
    zone = clinic_zone(patient)
    today = timezone.localdate(now, zone)
    spec = rule.rule
    gap = CareGap(patient=patient, rule=spec, evaluated_at=now, as_of=today)
    age = patient.age_on(today)
    by_person = (
        (spec.min_age is None or age >= spec.min_age)
        and (spec.max_age is None or age <= spec.max_age)
        and (not spec.sex or patient.gender == spec.sex)
    )
    asks_record = bool(rule.conditions or rule.medications or rule.ingredients)
    applying = _applying(rule, items, now) if by_person and asks_record else []
    if not by_person or (asks_record and not applying):
        gap.status = Status.NOT_APPLICABLE
        return gap
    evidence = _evidence(rule, items, now)
    # Derived from confidential care if every item that made it apply is confidential, or its evidence is.
    gap.confidential = bool(applying) and all(item.confidential for item in applying)
    if evidence is not None:
        assert evidence.effective_at is not None  # noqa: S101 - _evidence returns dated items only
        done_on = timezone.localdate(evidence.effective_at, zone)
        gap.evidence_id, gap.as_of = evidence.pk, done_on
        gap.confidential = gap.confidential or evidence.confidential
    else:
        done_on = None
    if spec.interval_months is not None:
        gap.due_on = add_months(done_on, spec.interval_months) if done_on else today
        gap.status = status_on(gap.due_on, spec.coming_due_days, today)
        return gap
    season = spec.season_start(today)
    if done_on is not None and done_on >= season:
        gap.due_on = season.replace(year=season.year + 1)
        gap.status = status_on(gap.due_on, spec.coming_due_days, today)
    else:
        gap.due_on, gap.status = season, Status.OPEN
    return gap


def evaluate(patient_id: UUID | str, *, now: datetime) -> list[CareGap]:
    """Every approved, active rule against the patient's record as of `now`; stores one `CareGap` per
    rule (updated in place), removes the patient's gaps of rules no longer evaluated (inactive or
    unapproved), and returns the stored gaps in the rules' order. Idempotent."""
    gaps = evaluate_many([patient_id], now=now)
    if str(patient_id) not in gaps:
        raise Patient.DoesNotExist(f"No patient {patient_id}.")
    return gaps[str(patient_id)]


def evaluate_many(patient_ids: Collection[UUID | str], *, now: datetime) -> dict[str, list[CareGap]]:
    """`evaluate` for every patient of a batch, in five queries whatever its size (the patients,
    the rules, the items, one upsert, one delete). Patients that do not exist are left out."""
    patients = list(Patient.objects.select_related("home_organization").filter(pk__in=list(patient_ids)))
    rules = [_Rule.of(rule) for rule in approved_rules()]
    codes: set[str] = set()
    for rule in rules:
        codes |= care_gap_codes.exact_values(rule.closers)
    ids = [str(patient.pk) for patient in patients]
    items = rule_facts_many(ids, kinds=APPLYING_KINDS, codes=codes) if rules else {}
    found = {
        str(patient.pk): [_evaluate_rule(rule, patient, items.get(str(patient.pk), []), now) for rule in rules]
        for patient in patients
    }
    # Inside a rebuild's transaction, no savepoint of its own (two round trips per batch): a
    # failure here fails the rebuild, which then commits nothing.
    with transaction.atomic(savepoint=False):
        gaps = [gap for patient_gaps in found.values() for gap in patient_gaps]
        if gaps:
            _upsert(gaps)
        CareGap.objects.filter(patient__in=patients).exclude(rule__in=[rule.rule for rule in rules]).delete()
    return found


def _upsert_sql() -> str:
    table = CareGap._meta.db_table
    # Only the model's own table name is formatted in; every value is a bound parameter.
    return (
        f"INSERT INTO {table} (patient_id, rule_id, status, as_of, due_on, evidence_id, confidential, evaluated_at)"  # noqa: S608
        " SELECT patient_id, rule_id, status, as_of, due_on, evidence_id, confidential, %s"
        " FROM jsonb_to_recordset(%s::jsonb) AS v(patient_id uuid, rule_id bigint, status text, as_of date,"
        " due_on date, evidence_id bigint, confidential boolean)"
        " ON CONFLICT (patient_id, rule_id) DO UPDATE SET status = EXCLUDED.status, as_of = EXCLUDED.as_of,"
        " due_on = EXCLUDED.due_on, evidence_id = EXCLUDED.evidence_id, confidential = EXCLUDED.confidential,"
        " evaluated_at = EXCLUDED.evaluated_at"
        " RETURNING id, patient_id::text, rule_id"
    )


def _upsert(gaps: list[CareGap]) -> None:
    """Store the gaps of a batch, one row per (patient, rule), in one statement (the batch as one
    JSON document: bulk_create's per-field adaptation of a thousand gaps cost more than the
    evaluation). Each gap gets its row's id."""
    rows = [
        {
            "patient_id": str(gap.patient_id),
            "rule_id": gap.rule_id,
            "status": gap.status,
            "as_of": gap.as_of.isoformat(),
            "due_on": gap.due_on.isoformat() if gap.due_on is not None else None,
            "evidence_id": gap.evidence_id,
            "confidential": gap.confidential,
        }
        for gap in gaps
    ]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [gaps[0].evaluated_at, json.dumps(rows)])
        ids = {(patient_id, rule_id): pk for pk, patient_id, rule_id in cursor.fetchall()}
    for gap in gaps:
        gap.pk = ids[(str(gap.patient_id), gap.rule_id)]


def approved_rules() -> list[CareGapRule]:
    return list(CareGapRule.objects.filter(is_active=True, approved_on__isnull=False).exclude(approved_by=""))


# The starter set -------------------------------------------------------------------------------

RULE_FIELDS = frozenset(
    {
        "name_en",
        "name_es",
        "condition_codes",
        "medication_codes",
        "medication_names",
        "min_age",
        "max_age",
        "sex",
        "closing_codes",
        "interval_months",
        "season_start_month",
        "season_start_day",
        "coming_due_days",
    }
)
LINE_LISTS = frozenset({"condition_codes", "medication_codes", "medication_names", "closing_codes"})


def starter_rules(path: Path = STARTER_RULES) -> list[CareGapRule]:
    """The shipped rules, read and validated exactly as the admin validates them (unsaved, unapproved)."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ImproperlyConfigured(f"{path.name}: {error}") from error
    if data.get("approval") != "pending clinical approval":
        raise ImproperlyConfigured(f'{path.name}: the starter set ships as approval = "pending clinical approval".')
    rules = []
    for key, spec in (data.get("rules") or {}).items():
        rules.append(_starter_rule(path.name, key, spec))
    if not rules:
        raise ImproperlyConfigured(f"{path.name}: no [rules.<key>] tables.")
    return rules


def _starter_rule(filename: str, key: str, spec: Any) -> CareGapRule:
    if not isinstance(spec, dict):
        raise ImproperlyConfigured(f"{filename}: rules.{key} is not a table.")
    unknown = set(spec) - RULE_FIELDS
    if unknown:
        raise ImproperlyConfigured(f"{filename}: rules.{key}: unknown fields {', '.join(sorted(unknown))}.")
    fields = {name: "\n".join(value) if name in LINE_LISTS else value for name, value in spec.items()}
    rule = CareGapRule(key=key, **fields)
    try:
        rule.full_clean(exclude=["key"])
    except ValidationError as error:
        raise ImproperlyConfigured(f"{filename}: rules.{key}: {error.message_dict}") from error
    return rule


@transaction.atomic
def load_starter_rules(path: Path = STARTER_RULES) -> list[CareGapRule]:
    """Adds the shipped rules the database lacks (by key), unapproved; never changes a rule an
    administrator already has (their edits and a clinician's approval stay). Returns the ones added."""
    rules = starter_rules(path)
    existing = set(CareGapRule.objects.filter(key__in=[rule.key for rule in rules]).values_list("key", flat=True))
    added = [rule for rule in rules if rule.key not in existing]
    CareGapRule.objects.bulk_create(added)
    return added


@transaction.atomic
def approve_for_demo(*, today: date) -> int:
    """The demo's stand-in approval, written as such, so the demo shows gaps. Never for a real clinic."""
    return CareGapRule.objects.filter(approved_on__isnull=True).update(approved_by=DEMO_APPROVAL, approved_on=today)
