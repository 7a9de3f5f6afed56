# ruff: noqa: F811  (the scheduling clinic fixture, imported, is the argument of a test)
"""The batch rebuild (what the nightly sweep and the bench run): for the demo's patients, imported
Synthea patients and a teenager with confidential care, a batch builds and stores exactly what one
patient at a time builds; a batch costs the same queries for 5 patients as for 50; a patient
another worker is building is left to it while the rest of the batch is built."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.celery import app
from portal.factories import PatientFactory
from portal.management.commands.demo_data import MRN_TEEN
from portal.models import Organization, Patient
from records.models import RecordItem
from summaries.models import Briefing
from summaries.services import refresh
from summaries.services.briefing import compose, compose_many
from summaries.tasks import rebuild_briefings
from tests.records.conftest import BUNDLE
from tests.records.test_import import run_import
from tests.refills.conftest import SHARED
from tests.scheduling.conftest import Clinic, clinic  # noqa: F401

pytestmark = pytest.mark.django_db
# Two more Synthea patients where the team's shared data is at hand (the repository holds one).
MORE_BUNDLES = sorted((SHARED / "synthea-r4-bundles").glob("*.json"))[:2] if SHARED is not None else []
STORED = ("lines", "care_team", "watermark", "built_at", "built_changes", "stale_since")


def _fifty_patients() -> list[str]:
    """The demo (its 15-year-old Emma's anxiety care is confidential), imported Synthea patients,
    and new patients with no record up to fifty: demo, Synthea and new ones mixed in every five."""
    call_command("demo_data", quiet=True)
    hospital = Organization.objects.get(slug="st-marys-regional")
    demo = [str(pk) for pk in Patient.objects.order_by("mrn").values_list("pk", flat=True)]
    for path in [BUNDLE, *MORE_BUNDLES]:
        run_import(hospital, Path(path))
    synthea = [str(pk) for pk in Patient.objects.exclude(pk__in=demo).order_by("pk").values_list("pk", flat=True)]
    empty = [str(PatientFactory().pk) for _new in range(50 - len(demo) - len(synthea))]
    mixed: list[str] = []
    while demo or synthea or empty:
        for group, take in ((demo, 3), (synthea, 1), (empty, 1)):
            mixed.extend(group[:take])
            del group[:take]
    return mixed


def _stored(patient_ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = Briefing.objects.filter(patient_id__in=patient_ids).values("patient_id", *STORED)
    return {str(row.pop("patient_id")): row for row in rows}


# One test for both (the demo takes a while to load on a shared machine).
def test_a_batch_stores_what_one_patient_at_a_time_stores_and_costs_the_same_queries_for_5_as_for_50() -> None:
    patients = _fifty_patients()
    now = timezone.now()
    emma = str(Patient.objects.get(mrn=MRN_TEEN).pk)
    assert RecordItem.objects.filter(patient_id=emma, confidential=True).exists()

    one_at_a_time = {patient_id: compose(patient_id, now=now) for patient_id in patients}
    batch = compose_many(patients, now=now)

    assert list(batch) == patients
    for patient_id in patients:
        alone, together = one_at_a_time[patient_id], batch[patient_id]
        assert [line.as_json() for line in together.lines] == [line.as_json() for line in alone.lines], patient_id
        assert (together.care_team, together.watermark, together.since) == (
            alone.care_team,
            alone.watermark,
            alone.since,
        )
        # What a line stores is what the dataclass holds.
        assert [line.as_json() for line in together.lines] == [dataclasses.asdict(line) for line in alone.lines]
    assert sum(len(batch[patient_id].lines) for patient_id in patients) > 50
    assert any(line.confidential for line in batch[emma].lines)

    for patient_id in patients:
        assert refresh.rebuild(patient_id, now=now) == refresh.Outcome.BUILT
    stored_alone = _stored(patients)
    assert refresh.rebuild_many(patients, now=now) == dict.fromkeys(patients, refresh.Outcome.BUILT)
    assert _stored(patients) == stored_alone
    assert any(line["confidential"] for line in stored_alone[emma]["lines"])

    with CaptureQueriesContext(connection) as five:
        assert set(refresh.rebuild_many(patients[:5], now=now).values()) == {refresh.Outcome.BUILT}
    with CaptureQueriesContext(connection) as fifty:
        assert set(refresh.rebuild_many(patients, now=now).values()) == {refresh.Outcome.BUILT}
    # 23 reads and writes, and the savepoint (and its release) the test's transaction makes of the build's.
    assert len(five.captured_queries) == len(fifty.captured_queries) == 25


def test_a_batch_leaves_a_patient_another_worker_is_building_and_builds_the_rest(clinic: Clinic) -> None:
    busy, free, gone = clinic.patient, clinic.new_patient(), clinic.new_patient()
    for patient in (busy, free):
        refresh.mark_stale(patient.pk)
    gone_id = str(gone.pk)
    gone.delete()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [refresh.LOCK_CLASS, str(busy.pk)])
        outcomes = rebuild_briefings([str(busy.pk), str(free.pk), gone_id])
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [refresh.LOCK_CLASS, str(busy.pk)])
        other.close()

    assert outcomes == {
        str(busy.pk): refresh.Outcome.BUSY,
        str(free.pk): refresh.Outcome.BUILT,
        gone_id: refresh.Outcome.GONE,
    }
    assert Briefing.objects.get(patient=busy).stale_since is not None  # nothing lost: rebuilt later
    assert Briefing.objects.get(patient=free).stale_since is None


def test_the_batch_task_is_named_and_acknowledged_late() -> None:
    assert app.tasks["summaries.rebuild_briefings"].acks_late
    assert refresh.BATCH_TASK == "summaries.rebuild_briefings"
