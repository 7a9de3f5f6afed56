"""The demo clinic's records: every patient has a believable record from the home clinic and at least one
outside source, imported through the real importer, shown once when two sources say the same, and a
second run writes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Count

from portal.access import Action, resolve
from portal.models import CareTeamMembership, Organization, Patient, User
from records.demo import STORIES, bundles_for
from records.models import ImportRun, MatchReview, RecordItem, SourceRecord, SourceRecordVersion
from records.selectors.patient import Filters, deduplicated, trend, visible_items

pytestmark = pytest.mark.django_db

HOME = "lakeside"
DORIS_MRN, LUCIA_MRN, JAMES_MRN, EMMA_MRN = "LPC-100006", "LPC-100002", "LPC-100008", "LPC-100004"


@pytest.fixture
def demo() -> None:
    call_command("demo_data", quiet=True)


def test_every_patient_has_records_from_home_and_an_outside_source(demo: None) -> None:
    sources_by_patient: dict[object, set[str]] = {}
    for patient_id, slug in RecordItem.objects.values_list("patient_id", "source__slug").distinct():
        sources_by_patient.setdefault(patient_id, set()).add(slug)

    patients = list(Patient.objects.all())
    assert len(patients) == len(STORIES) == 20
    for patient in patients:
        sources = sources_by_patient.get(patient.pk, set())
        assert HOME in sources, patient.mrn
        assert sources - {HOME}, patient.mrn
    assert {slug for sources in sources_by_patient.values() for slug in sources} == {
        "lakeside",
        "northgate-labs",
        "riverside-cardiology",
        "st-marys-regional",
    }


def test_every_resource_imports_and_links_to_its_patient(demo: None) -> None:
    runs = list(ImportRun.objects.all())

    assert runs and all(run.status == ImportRun.Status.DONE for run in runs)
    assert sum(run.total("failed") for run in runs) == 0
    assert not SourceRecord.objects.filter(patient__isnull=True).exists()
    assert not MatchReview.objects.exists()
    # The home clinic's bundle matches by MRN; the outside sources by name, birth date and sex.
    # (Billing's demo adds one file of claims through the home clinic.)
    lakeside_runs = [run for run in runs if run.source.slug == HOME and not run.filename.startswith("demo-claims-")]
    assert len(lakeside_runs) == 20


def test_the_same_problem_from_two_sources_is_listed_once_naming_both(demo: None) -> None:
    dorothy = Patient.objects.get(mrn=DORIS_MRN)
    caregiver = User.objects.get(email="karen.mitchell@example.com")
    access = resolve(caregiver, dorothy, Action.RECORDS)
    assert access is not None

    problems = deduplicated(access=access, actor=caregiver, kind=RecordItem.Kind.PROBLEM, filters=Filters())

    atrial_fibrillation = [row for row in problems if row.item.code == "49436004"]
    assert len(atrial_fibrillation) == 1
    assert atrial_fibrillation[0].sources == ["Lakeside Primary Care", "Riverside Cardiology"]
    assert RecordItem.objects.filter(patient=dorothy, kind=RecordItem.Kind.PROBLEM, code="49436004").count() == 2


def test_the_same_dose_from_the_hospital_and_the_clinic_is_listed_once(demo: None) -> None:
    james = Patient.objects.get(mrn=JAMES_MRN)
    duplicated = (
        RecordItem.objects.filter(patient=james, kind=RecordItem.Kind.IMMUNIZATION)
        .values("dedup_key")
        .annotate(sources=Count("source", distinct=True))
        .filter(sources=2)
    )

    assert [row["dedup_key"].split("|")[1] for row in duplicated] == ["115"]  # Tdap, CVX 115


def test_a_diabetic_patients_a1c_rises_then_improves(demo: None) -> None:
    lucia = Patient.objects.get(mrn=LUCIA_MRN)
    assert lucia.user is not None
    access = resolve(lucia.user, lucia, Action.RECORDS)
    assert access is not None

    points = [line.item for line in trend(access=access, actor=lucia.user, code="4548-4")]

    values = [point.value_number for point in points]
    assert len(values) >= 3
    peak = values.index(max(values))
    assert 0 < peak < len(values) - 1
    assert all(point.interpretation == "H" and point.report_id for point in points)


def test_emmas_anxiety_care_is_hidden_from_her_father_and_shown_to_her_and_her_clinicians(demo: None) -> None:
    emma = Patient.objects.get(mrn=EMMA_MRN)
    father = User.objects.get(email="michael.thompson@example.com")
    doctor = CareTeamMembership.objects.select_related("staff__user").get(patient=emma, is_primary=True).staff.user

    def seen_by(user: User) -> tuple[set[str], int]:
        access = resolve(user, emma, Action.RECORDS)
        assert access is not None
        items = visible_items(access)
        shown = set(
            items.filter(kind__in=[RecordItem.Kind.PROBLEM, RecordItem.Kind.MEDICATION]).values_list(
                "display", flat=True
            )
        )
        counselling = items.filter(kind=RecordItem.Kind.DOCUMENT, body__contains="counseling").count()
        return shown, counselling

    assert seen_by(father) == ({"Seasonal allergic rhinitis", "cetirizine hydrochloride 10 MG Oral Tablet"}, 0)
    for allowed in (emma.user, doctor):
        shown, counselling = seen_by(allowed)
        assert {"Anxiety disorder", "sertraline 50 MG Oral Tablet"} <= shown
        assert counselling == 1


def test_a_second_run_creates_and_updates_nothing(demo: None) -> None:
    records, items = SourceRecord.objects.count(), RecordItem.objects.count()
    first_runs = ImportRun.objects.count()

    call_command("demo_data", quiet=True)

    latest = ImportRun.objects.order_by("-pk")[: ImportRun.objects.count() - first_runs]
    assert len(latest) == first_runs
    assert all(run.total("created") == run.total("updated") == run.total("failed") == 0 for run in latest)
    assert (SourceRecord.objects.count(), RecordItem.objects.count()) == (records, items)
    assert not SourceRecordVersion.objects.exists()


def test_bundles_are_the_same_all_week() -> None:
    """Pure generation: the same patient on any day of one week gets identical bundles; a week later,
    the dates move with it."""
    patient = Patient(
        mrn="LPC-100019", given_name="Harold", family_name="Jenkins", gender="male", birth_date=date(1938, 4, 30)
    )
    sources = {
        slug: Organization(slug=slug, name=slug, kind=kind, mrn_system=f"urn:demo:{slug}")
        for slug, kind in [
            ("lakeside", Organization.Kind.HOME_CLINIC),
            ("northgate-labs", Organization.Kind.LAB),
            ("riverside-cardiology", Organization.Kind.SPECIALTY),
            ("st-marys-regional", Organization.Kind.HOSPITAL),
        ]
    }
    clinicians = {"lakeside": "Samuel Okafor, MD", "riverside-cardiology": "David Kim, MD"}

    tuesday = bundles_for(patient, date(2026, 3, 3), clinicians, sources)
    sunday = bundles_for(patient, date(2026, 3, 8), clinicians, sources)
    next_week = bundles_for(patient, date(2026, 3, 9), clinicians, sources)

    assert json.dumps(tuesday, sort_keys=True) == json.dumps(sunday, sort_keys=True)
    assert set(tuesday) == {"lakeside", "northgate-labs", "riverside-cardiology"}
    assert next_week != tuesday
