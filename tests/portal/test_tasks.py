"""Celery tasks of the portal core, run by a real worker over the real Redis broker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from portal.celery import app
from portal.factories import ProxyGrantFactory
from portal.models import ProxyGrant
from portal.tasks import clear_expired_sessions, sweep_proxy_grants


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sweeps_ended_grants() -> None:
    ended = ProxyGrantFactory(ends_at=timezone.now() - timedelta(minutes=5))

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        sweep_proxy_grants.delay()
        # No result backend in this project (tasks report through rows): wait for the row to change.
        deadline = time.monotonic() + 30
        while ProxyGrant.objects.get(pk=ended.pk).status != ProxyGrant.Status.EXPIRED:
            assert time.monotonic() < deadline, "the worker did not sweep within 30 s"
            time.sleep(0.1)

    ended.refresh_from_db()
    assert (ended.status, ended.end_reason) == (ProxyGrant.Status.EXPIRED, ProxyGrant.EndReason.END_DATE)


@pytest.mark.django_db
def test_the_sweep_task_is_safe_to_run_twice() -> None:
    ProxyGrantFactory(ends_at=timezone.now() - timedelta(minutes=5))

    assert sweep_proxy_grants() == {"end_date": 1, "turned_18": 0, "invitation_expired": 0}
    assert sweep_proxy_grants() == {"end_date": 0, "turned_18": 0, "invitation_expired": 0}


@pytest.mark.django_db
def test_clearing_expired_sessions_drops_their_registry_rows(client, patient) -> None:
    from django.contrib.sessions.models import Session

    from portal.models import UserSession
    from tests.conftest import sign_in

    sign_in(client, patient.user)
    client.get(f"/p/{patient.pk}/")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    assert clear_expired_sessions() == 1
    assert UserSession.objects.count() == 0
