"""The SLA sweep as a Celery task: stable name, beat every minute, run by a real worker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from messaging import tasks
from messaging.factories import ThreadFactory
from messaging.models import SlaEvent, Thread
from portal.celery import app

pytestmark = pytest.mark.django_db


def test_the_task_has_a_stable_name_and_is_acknowledged_late() -> None:
    task = app.tasks["messaging.sla_sweep"]

    assert (task.name, task.acks_late) == ("messaging.sla_sweep", True)


def test_beat_sweeps_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["messaging-sla-sweep"]

    assert (entry["task"], entry["schedule"]) == ("messaging.sla_sweep", 60)


def test_the_task_is_safe_to_run_twice() -> None:
    past = timezone.now() - timedelta(minutes=1)
    ThreadFactory(at_risk_at=past - timedelta(hours=1), first_response_due_at=past)

    assert tasks.sla_sweep() == {"breached": 1, "escalated": 0, "at_risk": 0}
    assert tasks.sla_sweep() == {"breached": 0, "escalated": 0, "at_risk": 0}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sweeps_a_late_thread() -> None:
    past = timezone.now() - timedelta(minutes=1)
    thread = ThreadFactory(at_risk_at=past - timedelta(hours=1), first_response_due_at=past)

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        tasks.sla_sweep.delay()
        # No result backend in this project (tasks report through rows): wait for the row to change.
        deadline = time.monotonic() + 30
        while Thread.objects.get(pk=thread.pk).sla_state != Thread.SlaState.BREACHED:
            assert time.monotonic() < deadline, "the worker did not sweep within 30 s"
            time.sleep(0.1)

    assert list(SlaEvent.objects.values_list("thread", "kind")) == [(thread.pk, SlaEvent.Kind.BREACHED)]
