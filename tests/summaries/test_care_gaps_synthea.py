"""Each starter rule on real Synthea patients imported through records' importer: the data was
written by others, so the rules are tried on codes nobody here chose. The clock is moved to days
that make each patient's history open, closed or coming due.

The expected values are read from the bundles' own resources (dates of the newest matching
resource), not from the evaluation."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from portal.factories import OrganizationFactory
from portal.models import Organization, Patient
from records.models import RecordItem, SourcePatientLink
from records.services.imports import import_run_create, import_run_execute
from summaries.models import CareGap
from summaries.selectors.care_gaps import gaps_for_briefing
from summaries.services.care_gaps import add_months, evaluate
from tests.clock import CLINIC_ZONE
from tests.records.conftest import BUNDLE, NDJSON
from tests.summaries.care_gaps import all_starters, by_key

pytestmark = pytest.mark.django_db

Status = CareGap.Status


def _shared() -> Path | None:
    """../shared/data beside the checkout, when present (tests/fixtures holds what must always run)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "synthea-r4-bundles"
        if candidate.is_dir():
            return candidate
    return None


SHARED_BUNDLES = _shared()
needs_shared = pytest.mark.skipif(SHARED_BUNDLES is None, reason="../shared/data is not here")


@pytest.fixture
def source(db: None) -> Organization:
    return OrganizationFactory(name="Synthea General", slug="synthea-general", kind=Organization.Kind.HOSPITAL)


def _import(source: Organization, path: Path) -> Patient:
    run = import_run_create(source=source, path=path, create_missing_patients=True)
    import_run_execute(run_id=run.pk, path=path)
    return Patient.objects.order_by("-created_at").first()  # type: ignore[return-value]


def _bundle(name: str) -> Path:
    assert SHARED_BUNDLES is not None
    (path,) = SHARED_BUNDLES.glob(f"{name}_*.json")
    return path


def _newest(path: Path, resource_type: str, field: str, code: str) -> tuple[str, date]:
    """The id and the day of the newest resource of the bundle with `code`, read straight from the file."""
    found = []
    for entry in json.loads(path.read_text())["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == resource_type and resource[field]["coding"][0]["code"] == code:
            when = resource.get("effectiveDateTime") or resource.get("occurrenceDateTime")
            when = when or (resource.get("performedPeriod") or {}).get("start")
            found.append((datetime.fromisoformat(when), resource["id"]))
    moment, resource_id = max(found)
    return resource_id, timezone.localdate(moment, CLINIC_ZONE)


def _evidence_id(gap: CareGap) -> str:
    assert gap.evidence is not None
    return RecordItem.objects.select_related("record").get(pk=gap.evidence_id).record.resource_id


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=CLINIC_ZONE)


def test_on_the_fixture_bundle_a_45_year_old_man_is_due_for_colorectal_screening_and_this_seasons_flu(
    source: Organization,
) -> None:
    all_starters()
    patient = _import(source, BUNDLE)  # Michael Kihn, male, born 1981-02-19: 45 on the pinned day
    gaps = by_key(evaluate(patient.pk, now=timezone.now()))

    assert gaps["colorectal"].status == Status.OPEN
    flu_id, flu_day = _newest(BUNDLE, "Immunization", "vaccineCode", "140")
    assert (gaps["flu"].status, _evidence_id(gaps["flu"]), gaps["flu"].as_of) == (Status.OPEN, flu_id, flu_day)
    for key in ("a1c", "blood_pressure", "cervical", "breast", "lipids"):
        assert gaps[key].status == Status.NOT_APPLICABLE, key


def test_every_gap_source_is_an_item_of_the_patient_from_the_import(source: Organization) -> None:
    all_starters()
    patient = _import(source, BUNDLE)
    evaluate(patient.pk, now=timezone.now())
    sources = [gap.source for gap in gaps_for_briefing(patient.pk, now=timezone.now()) if gap.source]
    assert sources
    assert RecordItem.objects.filter(pk__in=sources, patient=patient).count() == len(sources)
    assert all(gap.organization == source for gap in gaps_for_briefing(patient.pk, now=timezone.now()) if gap.source)


def test_screening_mammography_from_a_synthea_3_export_closes_then_comes_due(source: Organization, clock) -> None:
    all_starters()
    _import(source, NDJSON)
    woman = Patient.objects.get(gender=Patient.Gender.FEMALE)  # born 1927; mammography on 1989-04-09
    done = date(1989, 4, 9)

    clock.move_to(_at(date(1990, 1, 10)))
    gaps = by_key(evaluate(woman.pk, now=timezone.now()))
    assert (gaps["breast"].status, gaps["breast"].as_of, gaps["breast"].due_on) == (
        Status.CLOSED,
        done,
        add_months(done, 24),
    )
    assert gaps["cervical"].status == Status.OPEN  # 62, and no cervical cytology on record

    clock.move_to(_at(date(1991, 3, 1)))
    assert by_key(evaluate(woman.pk, now=timezone.now()))["breast"].status == Status.COMING_DUE
    clock.move_to(_at(date(1991, 4, 10)))
    assert by_key(evaluate(woman.pk, now=timezone.now()))["breast"].status == Status.OPEN


@needs_shared
def test_hypertension_blood_pressure_and_flu_on_an_imported_patient(source: Organization, clock) -> None:
    all_starters()
    path = _bundle("Brendan_Turcotte")  # hypertension; blood pressure and flu shots up to 2020
    patient = _import(source, path)
    bp_id, bp_day = _newest(path, "Observation", "code", "55284-4")

    open_now = by_key(evaluate(patient.pk, now=timezone.now()))["blood_pressure"]
    assert (open_now.status, _evidence_id(open_now), open_now.as_of) == (Status.OPEN, bp_id, bp_day)

    clock.move_to(_at(add_months(bp_day, 9)))
    gaps = by_key(evaluate(patient.pk, now=timezone.now()))
    assert (gaps["blood_pressure"].status, gaps["blood_pressure"].due_on) == (Status.CLOSED, add_months(bp_day, 12))
    assert gaps["flu"].status == Status.CLOSED  # a shot in August 2020, this season's
    assert gaps["lipids"].status == Status.NOT_APPLICABLE  # a lipid panel, but no statin
    assert gaps["colorectal"].status == Status.NOT_APPLICABLE  # 32 then

    clock.move_to(_at(add_months(bp_day, 12) - timedelta(days=10)))  # within the 30 days before
    assert by_key(evaluate(patient.pk, now=timezone.now()))["blood_pressure"].status == Status.COMING_DUE


@needs_shared
def test_a_statin_user_with_an_old_lipid_panel_and_a_recent_colonoscopy(source: Organization, clock) -> None:
    all_starters()
    path = _bundle("Stan_Steuber")  # simvastatin (RxNorm 316672), lipid panels, a colonoscopy in 2019
    patient = _import(source, path)
    lipid_id, lipid_day = _newest(path, "DiagnosticReport", "code", "57698-3")
    colonoscopy_id, colonoscopy_day = _newest(path, "Procedure", "code", "73761001")

    gaps = by_key(evaluate(patient.pk, now=timezone.now()))
    assert (gaps["lipids"].status, _evidence_id(gaps["lipids"])) == (Status.OPEN, lipid_id)
    assert gaps["lipids"].due_on == add_months(lipid_day, 12)
    assert (gaps["colorectal"].status, _evidence_id(gaps["colorectal"])) == (Status.CLOSED, colonoscopy_id)
    assert gaps["colorectal"].due_on == add_months(colonoscopy_day, 120)

    clock.move_to(_at(add_months(lipid_day, 3)))
    assert by_key(evaluate(patient.pk, now=timezone.now()))["lipids"].status == Status.CLOSED


@needs_shared
def test_prediabetes_is_not_diabetes_and_a_70_year_old_woman_is_due_for_colorectal_and_breast_screening(
    source: Organization, clock
) -> None:
    all_starters()
    patient = _import(source, _bundle("Zula_Beer"))  # female, born 1950-09-30; prediabetes; A1c results
    assert RecordItem.objects.filter(patient=patient, code="4548-4").exists()

    clock.move_to(_at(date(2021, 1, 15)))
    gaps = by_key(evaluate(patient.pk, now=timezone.now()))
    assert gaps["a1c"].status == Status.NOT_APPLICABLE
    assert gaps["colorectal"].status == Status.OPEN
    assert gaps["breast"].status == Status.OPEN
    assert gaps["cervical"].status == Status.NOT_APPLICABLE  # over 65


@needs_shared
def test_a1c_is_due_for_a_diabetic_from_a_synthea_3_export_with_no_a1c_on_record(
    source: Organization, tmp_path: Path
) -> None:
    all_starters()
    export = SHARED_BUNDLES.parent / "bulk-ndjson-us-core"  # type: ignore[union-attr]
    diabetic = _diabetic_patient_id(export)
    subset = tmp_path / "export"
    subset.mkdir()
    # Only that patient's lines, copied unchanged, so the test imports one patient and not thirteen.
    for name in ("Patient", "Condition", "Immunization", "MedicationRequest"):
        lines = (export / f"{name}.000.ndjson").read_text().splitlines()
        kept = [line for line in lines if diabetic in line]
        (subset / f"{name}.000.ndjson").write_text("\n".join(kept) + "\n")
    _import(source, subset)
    patient = SourcePatientLink.objects.get(source_patient_id=diabetic).patient

    gaps = by_key(evaluate(patient.pk, now=timezone.now()))
    assert (gaps["a1c"].status, gaps["a1c"].evidence, gaps["a1c"].due_on) == (
        Status.OPEN,
        None,
        timezone.localdate(timezone.now(), CLINIC_ZONE),
    )
    assert gaps["blood_pressure"].status == Status.OPEN  # essential hypertension, no reading in this export


def _diabetic_patient_id(export: Path) -> str:
    for line in (export / "Condition.000.ndjson").read_text().splitlines():
        condition: dict[str, Any] = json.loads(line)
        if condition["code"]["coding"][0]["code"] == "44054006":
            return condition["subject"]["reference"].split("/")[-1]
    raise AssertionError("the export has no type 2 diabetes")
