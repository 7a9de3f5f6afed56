"""Celery tasks of the refills app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from refills.services.pharmacy import message_send, messages_sweep


@shared_task(name="refills.send_pharmacy_message", acks_late=True, time_limit=120, soft_time_limit=100)
def send_pharmacy_message(message_id: int) -> bool:
    """Send one approved prescription to its pharmacy, once (the row says whether it was)."""
    return message_send(message_id=message_id)


@shared_task(name="refills.pharmacy_sweep", acks_late=True, time_limit=300, soft_time_limit=240)
def pharmacy_sweep() -> int:
    """Send the pharmacy messages that are due and unsent (retries with growing waits)."""
    return messages_sweep()
