"""Celery tasks of the summaries app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from summaries.services import notices, previsit, refresh


@shared_task(name="summaries.rebuild_briefing", acks_late=True, time_limit=120, soft_time_limit=100)
def rebuild_briefing(patient_id: str) -> str:
    """Rebuild one patient's briefing (enqueued, debounced, when it turns stale). Idempotent."""
    return refresh.rebuild(patient_id)


@shared_task(name="summaries.rebuild_briefings", acks_late=True, time_limit=600, soft_time_limit=540)
def rebuild_briefings(patient_ids: list[str]) -> dict[str, str]:
    """Rebuild a batch of briefings (the nightly sweep's), each patient's outcome. Idempotent."""
    return refresh.rebuild_many(patient_ids)


@shared_task(name="summaries.briefing_sweep", acks_late=True, time_limit=600, soft_time_limit=540)
def briefing_sweep() -> int:
    """Enqueue the rebuild, in batches, of every briefing that is stale or a day old (beat, nightly)."""
    return refresh.sweep()


@shared_task(name="summaries.build_previsit", acks_late=True, time_limit=120, soft_time_limit=100)
def build_previsit(appointment_id: int) -> str:
    """Build one visit's pre-visit briefing (on booking, when opened unbuilt). Idempotent."""
    return previsit.build(appointment_id)


@shared_task(name="summaries.previsit_for_patient", acks_late=True, time_limit=300, soft_time_limit=270)
def previsit_for_patient(patient_id: str) -> int:
    """Rebuild the pre-visit briefings of a patient's upcoming visits (their inputs changed)."""
    return previsit.build_for_patient(patient_id)


@shared_task(name="summaries.previsit_evening", acks_late=True, time_limit=600, soft_time_limit=540)
def previsit_evening() -> int:
    """Queue the next day's pre-visit briefings at each clinic where it is evening (beat, hourly)."""
    return previsit.prepare_tomorrow()


@shared_task(name="summaries.briefing_notice", acks_late=True, time_limit=60, soft_time_limit=50)
def briefing_notice(patient_id: str, found: list[list[Any]] | None = None) -> int:
    """Tell an opted-in patient, and the caregivers who opted in and may see `found` (the new lines'
    scope and confidential flag), that the briefing has something new (at most once a day each).
    Idempotent."""
    return len(notices.notify_new_lines(patient_id, found=found))
