"""The notice tasks: stable names, beat entries, and delivery by a real worker after commit."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from messaging import notifications
from messaging.services.threads import thread_reply
from portal import tasks
from portal.celery import app
from portal.models import Notice
from tests.messaging.conftest import Clinic

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["portal.deliver_notices", "portal.notice_sweep", "portal.staff_digest"])
def test_the_tasks_have_stable_names_and_are_acknowledged_late(name: str) -> None:
    task = app.tasks[name]

    assert (task.name, task.acks_late) == (name, True)


def test_beat_sweeps_notices_every_two_minutes_and_digests_every_half_hour() -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert (schedule["portal-notice-sweep"]["task"], schedule["portal-notice-sweep"]["schedule"]) == (
        "portal.notice_sweep",
        120,
    )
    assert (schedule["portal-staff-digest"]["task"], schedule["portal-staff-digest"]["schedule"]) == (
        "portal.staff_digest",
        1800,
    )


def test_the_tasks_are_safe_to_run_twice(clinic: Clinic) -> None:
    clinic.start()

    assert tasks.staff_digest() == {"sent": 2, "failed": 0}
    assert tasks.staff_digest() == {"sent": 0, "failed": 0}
    assert tasks.notice_sweep() == {"due": 0, "sent": 0}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_reply_notice_after_commit(clinic: Clinic) -> None:
    thread = clinic.start()
    nurse = clinic.nurse_ana.user

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        # Committed at once (no test transaction here): on_commit hands the notice to the broker.
        thread_reply(access=clinic.access(nurse), actor=nurse, thread_id=thread.pk, body="Here is the answer")
        notice = Notice.objects.get(kind=notifications.Kind.REPLY_WAITING)
        deadline = time.monotonic() + 30
        while Notice.objects.get(pk=notice.pk).sent_at is None:
            assert time.monotonic() < deadline, "the worker did not deliver within 30 s"
            time.sleep(0.1)

    assert [email.to for email in mail.outbox] == [[clinic.patient.user.email]]
    assert Notice.objects.get(pk=notice.pk).attempts == 1
