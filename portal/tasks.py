"""Celery tasks of the portal core: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task

from portal.services import notify, outbox
from portal.services.accounts import sessions_clear_expired
from portal.services.proxies import proxy_grants_sweep


@shared_task(name="portal.sweep_proxy_grants", acks_late=True, time_limit=300)
def sweep_proxy_grants() -> dict[str, int]:
    return proxy_grants_sweep()


@shared_task(name="portal.clear_expired_sessions", time_limit=300)
def clear_expired_sessions() -> int:
    return sessions_clear_expired()


@shared_task(name="portal.deliver_notices", acks_late=True, time_limit=120, soft_time_limit=100)
def deliver_notices(notice_ids: list[int]) -> int:
    """Send these email and text notices (enqueued after the commit that made them). Each is
    sent at most once, under its row's lock; what fails waits for the sweep. Returns how many sent."""
    return sum(outbox.deliver(pk) for pk in notice_ids)


@shared_task(name="portal.notice_sweep", acks_late=True, time_limit=300, soft_time_limit=240)
def notice_sweep() -> dict[str, int]:
    """Send notices the after-commit delivery missed or that waited out quiet hours, with growing
    waits (beat, every 2 minutes)."""
    return outbox.sweep()


@shared_task(name="portal.staff_digest", acks_late=True, time_limit=600, soft_time_limit=540)
def staff_digest() -> dict[str, int]:
    """Email each staff member a count of what waits for them in the portal (beat, every 30 minutes)."""
    return outbox.staff_digest()


# allauth's account emails (confirmations, resets, "you already have an account") are rendered in
# the request and sent here, so signing up costs the same whether or not the address is known.
# They carry a one-time link, so the rendered message is the argument: there is no row to load.
@shared_task(
    name="portal.send_account_mail",
    acks_late=True,
    soft_time_limit=50,
    time_limit=60,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_account_mail(message: dict[str, Any]) -> None:
    notify.send_mail_data(message)
