"""The briefing's tasks with a real worker: a burst of changes committed one by one turns into
one debounced rebuild; the beat entry and the task names are stable."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import override_settings

from portal import briefing_inputs
from portal.celery import app
from portal.factories import PatientFactory
from summaries.models import Briefing


def test_the_tasks_have_stable_names_and_the_sweep_runs_nightly() -> None:
    # What a worker registers as it starts (another test having imported summaries.tasks first must not matter).
    app.loader.import_default_modules()
    assert {"summaries.rebuild_briefing", "summaries.briefing_sweep"} <= set(app.tasks)
    assert app.tasks["summaries.rebuild_briefing"].acks_late
    assert settings.CELERY_BEAT_SCHEDULE["summaries-briefing-sweep"]["task"] == "summaries.briefing_sweep"


@pytest.mark.django_db(transaction=True)
@override_settings(BRIEFING_DEBOUNCE_SECONDS=10)  # wide: the shared machine runs slowly
def test_a_real_worker_rebuilds_once_after_a_burst_of_changes() -> None:
    patient = PatientFactory()

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        # Committed at once (no test transaction here): each change is counted after its commit.
        for _resource in range(50):
            briefing_inputs.changed(patient.pk)
        deadline = time.monotonic() + 90
        while not Briefing.objects.filter(patient=patient, built_at__isnull=False, stale_since__isnull=True).exists():
            assert time.monotonic() < deadline, "the worker did not rebuild within 90 s"
            time.sleep(0.1)

    row = Briefing.objects.get(patient=patient)
    assert (row.version, row.changes, row.built_changes) == (1, 50, 50)
