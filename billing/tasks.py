"""Celery tasks of the billing app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from billing.services import estimates
from billing.services.charges import charges_sync
from billing.services.plans import instalments_sweep
from billing.services.statements import accounts_due, statement_issue_due
from records.selectors.claims import patients_with_claims


@shared_task(name="billing.sync_charges", acks_late=True, time_limit=1800, soft_time_limit=1700)
def sync_charges() -> dict[str, int]:
    """Bring every patient's charges up to date with the claims imported since (unchanged claims
    are skipped by their hash, so a rerun or a killed worker's rerun changes nothing twice)."""
    totals = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for patient_id in patients_with_claims():
        result = charges_sync(patient_id=patient_id)
        for name in totals:
            totals[name] += getattr(result, name)
    return totals


@shared_task(name="billing.charges_for_patient", acks_late=True, time_limit=300, soft_time_limit=270)
def charges_for_patient(patient_id: str) -> dict[str, int]:
    """A claim of this patient was just imported: build their charges now (idempotent: unchanged
    claims are skipped by their hash; the 15-minute sweep catches anything missed)."""
    result = charges_sync(patient_id=patient_id)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


@shared_task(name="billing.sweep_instalments", acks_late=True, time_limit=600, soft_time_limit=540)
def sweep_instalments() -> dict[str, int]:
    """Charge the payment plan instalments that are due (each once, by its own key: a rerun, a
    killed worker's rerun or a second sweep at once charges nothing twice)."""
    result = instalments_sweep()
    return {"charged": result.charged, "retrying": result.retrying, "failed": result.failed}


@shared_task(name="billing.estimates_for_patient", acks_late=True, time_limit=120, soft_time_limit=100)
def estimates_for_patient(patient_id: str) -> int:
    """A patient's inputs changed (a visit booked among them): promise and issue their estimates."""
    return estimates.estimates_for_bookings(patient_id=patient_id)


@shared_task(name="billing.estimates_sweep", acks_late=True, time_limit=600, soft_time_limit=540)
def estimates_sweep() -> dict[str, int]:
    """Bookings nobody told billing about, open promises retried, late ones flagged (idempotent)."""
    result = estimates.estimates_sweep()
    return {"promised": result.promised, "issued": result.issued, "flagged": result.flagged}


@shared_task(name="billing.statements_cycle", acks_late=True, time_limit=1800, soft_time_limit=1700)
def statements_cycle() -> int:
    """The monthly statements: one for each account that owes and has had none for a cycle. Each
    account is its own transaction and is checked again under its lock, so a rerun, a killed
    worker's rerun or two runs at once issue each statement once."""
    now = timezone.now()
    issued = 0
    for account_id in accounts_due(now=now):
        if statement_issue_due(account_id=account_id, now=now) is not None:
            issued += 1
    return issued
