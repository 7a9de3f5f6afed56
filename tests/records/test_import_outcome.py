"""An import's outcome is stored with its data, and a date without a time keeps its day.

Both were found by trying the import as a clinic would: a worker killed just after the file's
commit left the run "running" (later swept as "nothing imported") while all its data stood; and
"effectiveDateTime": "2023-08-03" was stored as midnight UTC, shown as 2 August in Chicago."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from portal.factories import OrganizationFactory
from portal.models import Organization
from records.models import ImportRun, RecordItem
from records.services.imports import Heartbeat, import_run_create, import_run_execute
from tests.records.conftest import bundle_of, write_json

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Ramos", "given": ["Ines"]}],
    "birthDate": "1970-02-03",
}


def observation(effective: str) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
        "effectiveDateTime": effective,
        "valueQuantity": {"value": 5.4, "unit": "mmol/L"},
    }


@pytest.fixture
def chicago_lab() -> Organization:
    return OrganizationFactory(slug="lab", kind=Organization.Kind.LAB, time_zone="America/Chicago")


def _run(source: Organization, path: Path) -> ImportRun:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    return import_run_execute(run_id=run.pk, path=path)


def test_a_date_without_a_time_is_that_day_where_the_source_is(chicago_lab, tmp_path) -> None:
    path = write_json(tmp_path, "lab.json", bundle_of(PATIENT, observation("2023-08-03")))

    _run(chicago_lab, path)

    result = RecordItem.objects.get(kind=RecordItem.Kind.OBSERVATION)
    assert result.effective_at == datetime(2023, 8, 3, tzinfo=CHICAGO)
    assert result.effective_at.astimezone(CHICAGO).date() == date(2023, 8, 3)


def test_a_time_with_its_offset_is_kept_as_sent(chicago_lab, tmp_path) -> None:
    path = write_json(tmp_path, "lab.json", bundle_of(PATIENT, observation("2023-08-03T23:30:00+00:00")))

    _run(chicago_lab, path)

    result = RecordItem.objects.get(kind=RecordItem.Kind.OBSERVATION)
    assert result.effective_at == datetime(2023, 8, 3, 23, 30, tzinfo=ZoneInfo("UTC"))


def test_a_worker_killed_after_the_files_commit_leaves_a_finished_run(chicago_lab, tmp_path) -> None:
    path = write_json(tmp_path, "lab.json", bundle_of(PATIENT, observation("2023-08-03")))
    run = import_run_create(source=chicago_lab, path=path, create_missing_patients=True)

    # The worker dies right after the file's transaction, before anything else runs.
    with mock.patch.object(Heartbeat, "close", side_effect=SystemExit), pytest.raises(SystemExit):
        import_run_execute(run_id=run.pk, path=path)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.finished_at is not None
    assert run.counts["Observation"] == {"created": 1}
    assert RecordItem.objects.filter(kind=RecordItem.Kind.OBSERVATION).count() == 1
