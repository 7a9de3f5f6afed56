"""Celery tasks of the messaging app: thin wrappers around services, safe to run twice.
(Its notices are delivered by the portal's outbox tasks.)"""

from __future__ import annotations

from celery import shared_task

from messaging.services.sla import sla_sweep as sweep


@shared_task(name="messaging.sla_sweep", acks_late=True, time_limit=120, soft_time_limit=100)
def sla_sweep() -> dict[str, int]:
    """Warn owners of threads at risk and escalate late ones (a beat sweep every minute). Idempotent."""
    return sweep()
