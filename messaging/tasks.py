"""Celery tasks of the messaging app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from messaging.services import notices
from messaging.services.sla import sla_sweep as sweep


@shared_task(name="messaging.sla_sweep", acks_late=True, time_limit=120, soft_time_limit=100)
def sla_sweep() -> dict[str, int]:
    """Warn owners of threads at risk and escalate late ones (a beat sweep every minute). Idempotent."""
    return sweep()


@shared_task(name="messaging.deliver_notices", acks_late=True, time_limit=120, soft_time_limit=100)
def deliver_notices(notice_ids: list[int]) -> int:
    """Send these email and text notices (enqueued after the commit that made them). Each is
    sent at most once, under its row's lock; what fails waits for the sweep. Returns how many sent."""
    return sum(notices.notice_deliver(pk) for pk in notice_ids)


@shared_task(name="messaging.notice_sweep", acks_late=True, time_limit=300, soft_time_limit=240)
def notice_sweep() -> dict[str, int]:
    """Send notices the after-commit delivery missed, with growing waits (beat, every 2 minutes)."""
    return notices.notice_sweep()


@shared_task(name="messaging.staff_digest", acks_late=True, time_limit=600, soft_time_limit=540)
def staff_digest() -> dict[str, int]:
    """Email each staff member a count of what waits for them in the portal (beat, every 30 minutes)."""
    return notices.staff_digest()
