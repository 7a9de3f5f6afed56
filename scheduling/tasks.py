"""Celery tasks of the scheduling app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from scheduling.services.changes import holds_sweep
from scheduling.services.reminders import reminders_sweep
from scheduling.services.waitlist import offers_sweep


@shared_task(name="scheduling.expire_holds", acks_late=True, time_limit=120, soft_time_limit=100)
def expire_holds() -> int:
    """Mark holds past their expiry expired. Idempotent."""
    return holds_sweep()


@shared_task(name="scheduling.send_reminders", acks_late=True, time_limit=300, soft_time_limit=240)
def send_reminders() -> dict[str, int]:
    """Send due reminders, each once (state in the rows; a dead worker's row is sent next time)."""
    return dict(reminders_sweep())


@shared_task(name="scheduling.send_waitlist_offers", acks_late=True, time_limit=300, soft_time_limit=240)
def send_waitlist_offers() -> dict[str, int]:
    """Send unsent waitlist offers once each and expire offers that ran out."""
    return dict(offers_sweep())
