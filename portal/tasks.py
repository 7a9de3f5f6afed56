"""Celery tasks of the portal core: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task

from portal import notify
from portal.services.accounts import sessions_clear_expired
from portal.services.proxies import proxy_grants_sweep


@shared_task(name="portal.sweep_proxy_grants", acks_late=True, time_limit=300)
def sweep_proxy_grants() -> dict[str, int]:
    return proxy_grants_sweep()


@shared_task(name="portal.clear_expired_sessions", time_limit=300)
def clear_expired_sessions() -> int:
    return sessions_clear_expired()


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
