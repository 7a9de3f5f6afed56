"""Care gaps evaluated on small hand-made records: each starter rule open, closed, coming due and
not applicable; approval; idempotence; confidentiality; constant queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from portal.access import Action, resolve
from portal.factories import OrganizationFactory, PatientFactory, ProxyGrantFactory, born_years_ago
from portal.models import Patient, Scope
from records.factories import RecordItemFactory
from records.models import RecordItem
from summaries.models import CareGap
from summaries.selectors.care_gaps import gaps_for_briefing, visible_gaps
from summaries.services.care_gaps import add_months, evaluate
from tests.clock import CLINIC_ZONE
from tests.summaries.care_gaps import all_starters, by_key, starter

pytestmark = pytest.mark.django_db

Kind = RecordItem.Kind
Status = CareGap.Status
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"


def _now() -> datetime:
    return timezone.now()


def _today() -> date:
    return timezone.localdate(timezone.now(), CLINIC_ZONE)


def _item(patient: Patient, kind: str, system: str, code: str, *, days_ago: int = 0, **fields: Any) -> RecordItem:
    fields.setdefault("display", code)
    fields.setdefault("status", "final" if kind in (Kind.RESULT, Kind.VITAL) else "")
    return RecordItemFactory(
        patient=patient,
        kind=kind,
        code_system=system,
        code=code,
        effective_at=_now() - timedelta(days=days_ago),
        **fields,
    )


def _diabetic(**patient_fields: Any) -> Patient:
    patient = PatientFactory(**patient_fields)
    _item(patient, Kind.PROBLEM, SNOMED, "44054006", days_ago=2000, status="active", display="Diabetes type 2")
    return patient


def _gap(patient: Patient, key: str) -> CareGap:
    return by_key(evaluate(patient.pk, now=_now()))[key]


# A1c for diabetes ---------------------------------------------------------------------------


def test_a1c_is_open_for_a_diabetic_without_one_and_due_today() -> None:
    starter("a1c")
    gap = _gap(_diabetic(), "a1c")
    assert (gap.status, gap.due_on, gap.as_of, gap.evidence) == (Status.OPEN, _today(), _today(), None)


def test_a1c_is_closed_after_a_recent_test_and_names_it_as_evidence() -> None:
    starter("a1c")
    patient = _diabetic()
    old = _item(patient, Kind.RESULT, LOINC, "4548-4", days_ago=400)
    recent = _item(patient, Kind.RESULT, LOINC, "4548-4", days_ago=40)
    gap = _gap(patient, "a1c")
    assert gap.status == Status.CLOSED
    assert gap.evidence == recent and gap.evidence != old
    assert gap.as_of == timezone.localdate(recent.effective_at, CLINIC_ZONE)
    assert gap.due_on == add_months(gap.as_of, 6)


def test_a1c_is_coming_due_within_the_window_and_open_after_six_months() -> None:
    starter("a1c")
    coming, overdue = _diabetic(), _diabetic()
    _item(coming, Kind.RESULT, LOINC, "4548-4", days_ago=170)  # due in about 12 days, window 30
    _item(overdue, Kind.RESULT, LOINC, "4548-4", days_ago=200)
    assert _gap(coming, "a1c").status == Status.COMING_DUE
    assert _gap(overdue, "a1c").status == Status.OPEN


def test_a1c_does_not_apply_without_diabetes_nor_once_it_resolved() -> None:
    starter("a1c")
    none = PatientFactory()
    _item(none, Kind.RESULT, LOINC, "4548-4", days_ago=10)
    resolved = PatientFactory()
    _item(resolved, Kind.PROBLEM, SNOMED, "44054006", days_ago=900, status="resolved")
    assert _gap(none, "a1c").status == Status.NOT_APPLICABLE
    assert _gap(resolved, "a1c").status == Status.NOT_APPLICABLE


def test_a1c_applies_to_an_icd10_diabetes_code_by_prefix() -> None:
    starter("a1c")
    patient = PatientFactory()
    _item(patient, Kind.PROBLEM, "http://hl7.org/fhir/sid/icd-10-cm", "E11.9", days_ago=100, status="active")
    assert _gap(patient, "a1c").status == Status.OPEN


# Blood pressure for hypertension --------------------------------------------------------------


def test_blood_pressure_open_closed_and_not_applicable() -> None:
    starter("blood_pressure")
    checked, unchecked, healthy = PatientFactory(), PatientFactory(), PatientFactory()
    for patient in (checked, unchecked):
        _item(patient, Kind.PROBLEM, SNOMED, "38341003", days_ago=3000, status="active")
    _item(checked, Kind.VITAL, LOINC, "85354-9", days_ago=100)
    _item(unchecked, Kind.VITAL, LOINC, "85354-9", days_ago=400)
    assert _gap(checked, "blood_pressure").status == Status.CLOSED
    assert _gap(unchecked, "blood_pressure").status == Status.OPEN
    assert _gap(healthy, "blood_pressure").status == Status.NOT_APPLICABLE


# Colorectal, cervical and breast screening by age and sex ------------------------------------


def test_colorectal_screening_applies_from_45_to_75() -> None:
    starter("colorectal")
    young = PatientFactory(birth_date=born_years_ago(44))
    due = PatientFactory(birth_date=born_years_ago(45))
    screened = PatientFactory(birth_date=born_years_ago(60))
    _item(screened, Kind.PROCEDURE, SNOMED, "73761001", days_ago=365 * 3, status="completed")
    old = PatientFactory(birth_date=born_years_ago(76))
    assert _gap(young, "colorectal").status == Status.NOT_APPLICABLE
    assert _gap(due, "colorectal").status == Status.OPEN
    assert _gap(screened, "colorectal").status == Status.CLOSED
    assert _gap(old, "colorectal").status == Status.NOT_APPLICABLE


def test_a_procedure_not_done_does_not_close_a_gap() -> None:
    starter("colorectal")
    patient = PatientFactory(birth_date=born_years_ago(50))
    _item(patient, Kind.PROCEDURE, SNOMED, "73761001", days_ago=30, status="not-done")
    assert _gap(patient, "colorectal").status == Status.OPEN


def test_cervical_and_breast_screening_by_age_and_sex() -> None:
    starter("cervical")
    starter("breast")
    woman_30 = PatientFactory(birth_date=born_years_ago(30), gender=Patient.Gender.FEMALE)
    woman_55 = PatientFactory(birth_date=born_years_ago(55), gender=Patient.Gender.FEMALE)
    man_55 = PatientFactory(birth_date=born_years_ago(55), gender=Patient.Gender.MALE)
    _item(woman_55, Kind.PROCEDURE, SNOMED, "24623002", days_ago=700, status="completed")  # mammogram
    _item(woman_55, Kind.RESULT, LOINC, "10524-7", days_ago=200)  # cervical cytology

    young = by_key(evaluate(woman_30.pk, now=_now()))
    assert young["cervical"].status == Status.OPEN
    assert young["breast"].status == Status.NOT_APPLICABLE
    middle = by_key(evaluate(woman_55.pk, now=_now()))
    assert middle["cervical"].status == Status.CLOSED
    assert middle["breast"].status == Status.COMING_DUE  # two years less 700 days: within 60 days
    man = by_key(evaluate(man_55.pk, now=_now()))
    assert (man["cervical"].status, man["breast"].status) == (Status.NOT_APPLICABLE, Status.NOT_APPLICABLE)


# Flu each season ------------------------------------------------------------------------------


def test_flu_is_closed_by_a_shot_this_season_and_open_with_last_seasons(clock) -> None:
    starter("flu")
    this_season, last_season = PatientFactory(), PatientFactory()
    # The pinned day is 9 December 2026: this season began 1 August 2026.
    _item(this_season, Kind.IMMUNIZATION, CVX, "140", days_ago=60, status="completed")
    _item(last_season, Kind.IMMUNIZATION, CVX, "140", days_ago=300, status="completed")
    got = _gap(this_season, "flu")
    assert (got.status, got.due_on) == (Status.CLOSED, date(2027, 8, 1))
    missed = _gap(last_season, "flu")
    assert (missed.status, missed.due_on) == (Status.OPEN, date(2026, 8, 1))


def test_flu_turns_coming_due_before_next_season(clock) -> None:
    starter("flu")
    patient = PatientFactory()
    _item(patient, Kind.IMMUNIZATION, CVX, "150", days_ago=60, status="completed")
    clock.move_to(datetime(2027, 7, 15, 10, tzinfo=CLINIC_ZONE))
    gap = _gap(patient, "flu")
    assert (gap.status, gap.due_on) == (Status.COMING_DUE, date(2027, 8, 1))


def test_flu_does_not_apply_to_a_baby_and_an_immunization_not_done_does_not_count() -> None:
    starter("flu")
    baby = PatientFactory(birth_date=_today() - timedelta(days=100))
    refused = PatientFactory()
    _item(refused, Kind.IMMUNIZATION, CVX, "140", days_ago=10, status="not-done")
    assert _gap(baby, "flu").status == Status.NOT_APPLICABLE
    assert _gap(refused, "flu").status == Status.OPEN


# Lipid panel for statin users -----------------------------------------------------------------


def test_lipids_apply_to_a_statin_by_code_or_by_ingredient_name_while_taken() -> None:
    starter("lipids")
    by_code, by_name, stopped = PatientFactory(), PatientFactory(), PatientFactory()
    _item(by_code, Kind.MEDICATION, RXNORM, "316672", days_ago=100, status="active", display="Simvistatin 10 MG")
    _item(by_name, Kind.MEDICATION, RXNORM, "617311", days_ago=100, status="active", display="Atorvastatin 20 MG Tab")
    _item(stopped, Kind.MEDICATION, RXNORM, "314231", days_ago=900, status="stopped")
    _item(by_name, Kind.RESULT, LOINC, "57698-3", days_ago=30)
    assert _gap(by_code, "lipids").status == Status.OPEN
    assert _gap(by_name, "lipids").status == Status.CLOSED
    assert _gap(stopped, "lipids").status == Status.NOT_APPLICABLE


# Across sources, approval, idempotence --------------------------------------------------------


def test_evidence_from_another_source_closes_the_gap_and_names_that_organization() -> None:
    starter("a1c")
    patient = _diabetic()
    lab = OrganizationFactory(name="Valley Lab", slug="valley-lab")
    _item(patient, Kind.RESULT, LOINC, "4548-4", days_ago=20, source=lab)
    evaluate(patient.pk, now=_now())
    (gap,) = gaps_for_briefing(patient.pk, now=_now())
    assert (gap.status, gap.organization) == (Status.CLOSED, lab)


def test_unapproved_and_inactive_rules_are_not_evaluated_and_their_old_gaps_go() -> None:
    rule = starter("a1c")
    starter("blood_pressure", approved=False)
    starter("colorectal", is_active=False)
    patient = _diabetic(birth_date=born_years_ago(50))
    assert [gap.rule.key for gap in evaluate(patient.pk, now=_now())] == ["a1c"]

    rule.approved_by, rule.approved_on = "", None
    rule.save()
    assert evaluate(patient.pk, now=_now()) == []
    assert not CareGap.objects.filter(patient=patient).exists()


def test_evaluation_is_idempotent_one_row_per_patient_and_rule() -> None:
    all_starters()
    patient = _diabetic()
    first = {(g.rule_id, g.status, g.due_on) for g in evaluate(patient.pk, now=_now())}
    ids = set(CareGap.objects.filter(patient=patient).values_list("pk", flat=True))
    _item(patient, Kind.RESULT, LOINC, "4548-4", days_ago=5)
    evaluate(patient.pk, now=_now())
    again = {(g.rule_id, g.status, g.due_on) for g in evaluate(patient.pk, now=_now())}
    assert set(CareGap.objects.filter(patient=patient).values_list("pk", flat=True)) == ids
    assert CareGap.objects.filter(patient=patient).count() == 7
    assert first != again and CareGap.objects.get(patient=patient, rule__key="a1c").status == Status.CLOSED


def test_a_held_result_does_not_close_a_gap_until_released() -> None:
    starter("a1c")
    patient = _diabetic()
    _item(patient, Kind.RESULT, LOINC, "4548-4", days_ago=5, release=RecordItem.Release.HELD)
    assert _gap(patient, "a1c").status == Status.OPEN


def test_evaluation_takes_a_constant_number_of_queries() -> None:
    all_starters()
    small, large = _diabetic(), _diabetic()
    for days in range(0, 400, 10):
        _item(large, Kind.RESULT, LOINC, "4548-4", days_ago=days)
        _item(large, Kind.IMMUNIZATION, CVX, "140", days_ago=days, status="completed")
        _item(large, Kind.MEDICATION, RXNORM, "314231", days_ago=days, status="active")
    counts = []
    for patient in (small, large, large):
        with CaptureQueriesContext(connection) as queries:
            evaluate(patient.pk, now=_now())
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2] <= 8


# The briefing's interface and the viewer ------------------------------------------------------


def test_gaps_for_briefing_names_the_rule_in_the_active_language_and_leaves_out_what_does_not_apply() -> None:
    starter("a1c")
    starter("cervical")
    patient = _diabetic(gender=Patient.Gender.MALE)
    evidence = _item(patient, Kind.RESULT, LOINC, "4548-4", days_ago=170)
    evaluate(patient.pk, now=_now())
    (gap,) = gaps_for_briefing(patient.pk, now=_now())
    assert gap.rule_name.startswith("Hemoglobin A1c")
    assert (gap.status, gap.source, gap.confidential) == (Status.COMING_DUE, evidence.pk, False)
    assert gap.as_of == timezone.localdate(evidence.effective_at, CLINIC_ZONE)
    with override("es"):
        assert gaps_for_briefing(patient.pk, now=_now())[0].rule_name.startswith("Prueba de hemoglobina A1c")


def test_gaps_for_briefing_reads_the_status_again_on_a_later_day() -> None:
    starter("a1c")
    patient = _diabetic()
    _item(patient, Kind.RESULT, LOINC, "4548-4", days_ago=100)
    evaluate(patient.pk, now=_now())
    assert gaps_for_briefing(patient.pk, now=_now())[0].status == Status.CLOSED
    assert gaps_for_briefing(patient.pk, now=_now() + timedelta(days=70))[0].status == Status.COMING_DUE
    assert gaps_for_briefing(patient.pk, now=_now() + timedelta(days=90))[0].status == Status.OPEN


def _teen_with_a_parent(*, confidential_diagnosis: bool, confidential_test: bool) -> tuple[Patient, Any]:
    teen = PatientFactory(birth_date=born_years_ago(15))
    _item(teen, Kind.PROBLEM, SNOMED, "44054006", days_ago=300, status="active", confidential=confidential_diagnosis)
    _item(teen, Kind.RESULT, LOINC, "4548-4", days_ago=20, confidential=confidential_test)
    grant = ProxyGrantFactory(patient=teen, relationship="mother", made_on_minor=True)
    return teen, grant


@pytest.mark.parametrize(("diagnosis", "test"), [(True, False), (False, True)])
def test_a_gap_derived_from_a_confidential_item_is_hidden_from_a_teens_parent(diagnosis: bool, test: bool) -> None:
    starter("a1c")
    teen, grant = _teen_with_a_parent(confidential_diagnosis=diagnosis, confidential_test=test)
    (stored,) = evaluate(teen.pk, now=_now())
    assert stored.confidential is True

    parent = resolve(grant.grantee, teen, Action.RECORDS)
    assert parent is not None and parent.hides_confidential
    assert visible_gaps(parent, now=_now()) == []
    own = resolve(teen.user, teen, Action.RECORDS)
    assert own is not None
    assert [gap.rule_name for gap in visible_gaps(own, now=_now())] == [stored.rule.name]


def test_a_parent_sees_a_gap_derived_from_nothing_confidential() -> None:
    starter("a1c")
    teen, grant = _teen_with_a_parent(confidential_diagnosis=False, confidential_test=False)
    evaluate(teen.pk, now=_now())
    parent = resolve(grant.grantee, teen, Action.RECORDS)
    assert parent is not None
    assert [gap.status for gap in visible_gaps(parent, now=_now())] == [Status.CLOSED]


def test_an_evidence_marked_confidential_after_the_evaluation_is_hidden_at_once() -> None:
    starter("a1c")
    teen, grant = _teen_with_a_parent(confidential_diagnosis=False, confidential_test=False)
    evaluate(teen.pk, now=_now())
    RecordItem.objects.filter(patient=teen, kind=Kind.RESULT).update(confidential=True, confidential_by="staff")
    parent = resolve(grant.grantee, teen, Action.RECORDS)
    assert parent is not None and visible_gaps(parent, now=_now()) == []


def test_a_caregiver_without_the_records_scope_sees_no_gaps() -> None:
    starter("a1c")
    patient = _diabetic()
    grant = ProxyGrantFactory(patient=patient, scopes=[Scope.SCHEDULING.value])
    evaluate(patient.pk, now=_now())
    access = resolve(grant.grantee, patient, Action.PROFILE)
    assert access is not None and visible_gaps(access, now=_now()) == []
