"""Celery tasks of the portal core: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from portal.services.accounts import sessions_clear_expired
from portal.services.proxies import proxy_grants_sweep


@shared_task(name="portal.sweep_proxy_grants", acks_late=True, time_limit=300)
def sweep_proxy_grants() -> dict[str, int]:
    return proxy_grants_sweep()


@shared_task(name="portal.clear_expired_sessions", time_limit=300)
def clear_expired_sessions() -> int:
    return sessions_clear_expired()
