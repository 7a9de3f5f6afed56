"""Celery tasks of the records app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from records.services.imports import import_run_execute


@shared_task(name="records.import_run", acks_late=True, time_limit=3600, soft_time_limit=3500)
def import_run(run_id: int) -> str:
    """Import an uploaded file. A run already done is left alone, so a redelivered task is harmless."""
    return import_run_execute(run_id=run_id).status
