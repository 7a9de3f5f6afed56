"""Celery tasks of the records app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from records.services import minor_consent
from records.services.imports import import_run_execute, import_run_sweep_stale
from records.services.release import release_sweep as release_holds_sweep


@shared_task(name="records.import_run", acks_late=True, time_limit=3600, soft_time_limit=3500)
def import_run(run_id: int) -> str:
    """Import an uploaded file. A run already done is left alone, so a redelivered task is harmless."""
    return import_run_execute(run_id=run_id).status


@shared_task(name="records.release_sweep", acks_late=True, time_limit=300, soft_time_limit=240)
def release_sweep() -> int:
    """Release every held result past its deadline (a beat sweep every 5 minutes). Idempotent."""
    return release_holds_sweep()


@shared_task(name="records.minor_consent_sweep", acks_late=True, time_limit=600, soft_time_limit=540)
def minor_consent_sweep() -> int:
    """Mark a teenager's sensitive care confidential once they turn 12 (beat, every 15 minutes). Idempotent."""
    return minor_consent.minor_consent_sweep()


@shared_task(name="records.import_sweep", acks_late=True, time_limit=120, soft_time_limit=100)
def import_sweep() -> int:
    """End imports whose worker is gone (heartbeat stale; beat, every 5 minutes). Idempotent."""
    return import_run_sweep_stale()
