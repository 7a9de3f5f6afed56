"""The pre-visit briefing with a real worker: a visit booked (committed) is followed by its briefing,
built by the worker after the debounce; the task names and the hourly beat entry are stable."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import override_settings

from portal.celery import app
from summaries.models import PrevisitBriefing
from tests.clock import CLINIC_ZONE
from tests.scheduling.conftest import Clinic, clinic  # noqa: F401  (the fixture)
from tests.scheduling.staff_arrange import visit


def test_the_tasks_have_stable_names_and_the_evening_task_runs_hourly() -> None:
    # What a worker registers as it starts (another test having imported summaries.tasks first must not matter).
    app.loader.import_default_modules()
    names = {"summaries.build_previsit", "summaries.previsit_for_patient", "summaries.previsit_evening"}
    assert names <= set(app.tasks)
    assert all(app.tasks[name].acks_late for name in names)
    entry = settings.CELERY_BEAT_SCHEDULE["summaries-previsit-evening"]
    assert entry["task"] == "summaries.previsit_evening"
    assert (entry["schedule"].minute, entry["schedule"].hour) == ({5}, set(range(24)))


@pytest.mark.django_db(transaction=True)
@override_settings(BRIEFING_DEBOUNCE_SECONDS=1)
def test_a_real_worker_builds_the_briefing_of_a_visit_just_booked(clinic: Clinic) -> None:  # noqa: F811
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        booked = visit(
            patient=clinic.patient,
            provider=clinic.dr_kim,
            visit_type=clinic.follow_up,
            starts_at=datetime(2026, 12, 11, 9, 0, tzinfo=CLINIC_ZONE),
            actor=clinic.front_desk.user,
        )
        deadline = time.monotonic() + 90
        while not PrevisitBriefing.objects.filter(appointment=booked).exists():
            assert time.monotonic() < deadline, "the worker did not build the briefing within 90 s"
            time.sleep(0.1)

    row = PrevisitBriefing.objects.get(appointment=booked)
    assert (row.patient_id, row.content["reason"]["visit_type"]) == (clinic.patient.pk, "Follow-up visit")
