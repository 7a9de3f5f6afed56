"""Result release: rules hold results up to a limit, the sweep keeps the promise, clinicians
release with a comment, and patients may choose to see sensitive results only after review."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.factories import (
    CareTeamMembershipFactory,
    PatientFactory,
    ProxyGrantFactory,
    StaffMemberFactory,
)
from portal.models import AuditEvent, Organization, Patient, Scope, StaffRole
from records import tasks
from records.admin import ReleaseRuleForm
from records.factories import RecordItemFactory
from records.models import RecordItem, ReleaseHold, ReleasePreference, ReleaseRule, SourcePatientLink
from records.services import release
from records.services.imports import import_run_create, import_run_execute
from tests.authz import ACTORS, ADMINISTRATOR, ANONYMOUS, OTHER_ORG_STAFF, STAFF, STRANGERS, build_world
from tests.conftest import sign_in
from tests.records.conftest import bundle_of, write_json

pytestmark = pytest.mark.django_db

Release = RecordItem.Release
LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


# -- arranging ---------------------------------------------------------------------------------------


def observation(resource_id: str, code: str, display: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": {"reference": "Patient/src-1"},
        "effectiveDateTime": "2026-03-02T09:30:00Z",
        "valueQuantity": {"value": value, "unit": unit},
    }


def pathology_report(resource_id: str) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [{"system": V2_0074, "code": "SP"}]}],
        "code": {"coding": [{"system": LOINC, "code": "60568-3", "display": "Pathology Synoptic report"}]},
        "subject": {"reference": "Patient/src-1"},
        "effectiveDateTime": "2026-03-02T09:30:00Z",
    }


PSA = ("2857-1", "Prostate specific Ag", 5.2, "ng/mL")
HIV = ("75622-1", "HIV 1 and 2 Ag+Ab", 0, "{index}")
A1C = ("4548-4", "Hemoglobin A1c", 6.1, "%")


@pytest.fixture
def linked(patient: Patient, source: Organization) -> Patient:
    """The portal patient is already known to the source as "src-1"."""
    SourcePatientLink.objects.create(source=source, source_patient_id="src-1", patient=patient, matched_by="identifier")
    return patient


def run_import(source: Organization, tmp_path: Path, *resources: dict[str, Any]) -> None:
    path = write_json(tmp_path, f"bundle-{len(list(tmp_path.iterdir()))}.json", bundle_of(*resources))
    run = import_run_create(source=source, path=path)
    import_run_execute(run_id=run.pk, path=path)


def item_of(resource_id: str) -> RecordItem:
    return RecordItem.objects.select_related("hold").get(record__resource_id=resource_id)


def rule(**fields: Any) -> ReleaseRule:
    return ReleaseRule.objects.create(**{"name": "Hold", "hold_hours": 72, **fields})


def held_item(patient: Patient, *, due_in: timedelta | None = timedelta(hours=72), **fields: Any) -> RecordItem:
    item = RecordItemFactory(
        patient=patient, source=patient.home_organization, release=Release.HELD, **{"code": "2857-1", **fields}
    )
    ReleaseHold.objects.create(
        item=item,
        release_due_at=timezone.now() + due_in if due_in is not None else None,
        by_patient_choice=due_in is None,
    )
    return item


def release_url(item: RecordItem) -> str:
    return reverse("records_release", kwargs={"patient_id": item.patient_id, "item_id": item.pk})


def results_page(client: Any, patient: Patient) -> str:
    return client.get(reverse("record_results", kwargs={"patient_id": patient.pk})).content.decode()


def staff_of(patient: Patient, role: str = StaffRole.PHYSICIAN) -> Any:
    return StaffMemberFactory(organization=patient.home_organization, role=role).user


# -- the default, and rules applied by the importer ----------------------------------------------------------


def test_with_no_rule_a_new_result_is_released_at_once(linked, source, tmp_path, client) -> None:
    run_import(source, tmp_path, observation("o-1", *PSA))

    item = item_of("o-1")
    assert item.release == Release.RELEASED
    assert ReleaseHold.objects.count() == 0
    sign_in(client, linked.user)
    assert "Prostate specific Ag" in results_page(client, linked)


def test_a_category_rule_holds_a_new_report_until_its_limit(linked, source, tmp_path) -> None:
    pathology = rule(name="New cancer pathology", category="SP", hold_hours=72)
    before = timezone.now()

    run_import(source, tmp_path, pathology_report("r-1"), observation("o-1", *A1C))

    report = item_of("r-1")
    assert report.release == Release.HELD
    assert report.hold.rule == pathology
    assert report.hold.by_patient_choice is False
    assert before + timedelta(hours=72) <= report.hold.release_due_at <= timezone.now() + timedelta(hours=72)
    assert item_of("o-1").release == Release.RELEASED


def test_a_code_rule_matches_only_its_code_system(linked, source, tmp_path) -> None:
    rule(code_system=LOINC, code="2857-1")
    rule(code_system="http://example.org/local-codes", code="4548-4")

    run_import(source, tmp_path, observation("o-psa", *PSA), observation("o-a1c", *A1C))

    assert item_of("o-psa").release == Release.HELD
    assert item_of("o-a1c").release == Release.RELEASED


def test_the_most_specific_rule_decides_how_long_and_inactive_rules_do_nothing(linked, source, tmp_path) -> None:
    rule(category="laboratory", hold_hours=24)
    psa = rule(code="2857-1", hold_hours=96)
    rule(code="2857-1", code_system=LOINC, category="laboratory", hold_hours=300, is_active=False)
    start = timezone.now()

    run_import(source, tmp_path, observation("o-psa", *PSA))

    hold = item_of("o-psa").hold
    assert hold.rule == psa
    assert start + timedelta(hours=96) <= hold.release_due_at <= timezone.now() + timedelta(hours=96)


def test_reimporting_a_held_result_keeps_the_hold_and_adds_none(linked, source, tmp_path) -> None:
    rule(code="2857-1")
    run_import(source, tmp_path, observation("o-psa", *PSA))
    changed = observation("o-psa", *PSA)
    changed["valueQuantity"]["value"] = 5.4

    run_import(source, tmp_path, changed)

    assert item_of("o-psa").release == Release.HELD
    assert ReleaseHold.objects.count() == 1


def test_results_of_a_held_report_wait_with_it(linked, source, tmp_path) -> None:
    rule(name="New cancer pathology", category="SP", hold_hours=72)
    report = pathology_report("r-1") | {"result": [{"reference": "Observation/o-1"}]}

    run_import(source, tmp_path, report, observation("o-1", *A1C))

    report_hold, result = item_of("r-1").hold, item_of("o-1")
    assert result.report_id == report_hold.item_id
    assert result.release == Release.HELD
    assert (result.hold.rule_id, result.hold.release_due_at, result.hold.by_patient_choice) == (
        report_hold.rule_id,
        report_hold.release_due_at,
        False,
    )


def test_a_result_already_in_the_record_is_not_held_by_a_later_report(linked, source, tmp_path) -> None:
    rule(category="SP", hold_hours=72)
    run_import(source, tmp_path, observation("o-1", *A1C))

    run_import(source, tmp_path, pathology_report("r-1") | {"result": [{"reference": "Observation/o-1"}]})

    assert item_of("r-1").release == Release.HELD
    assert item_of("o-1").release == Release.RELEASED


def test_releasing_a_report_releases_the_results_that_waited_with_it(linked, source, tmp_path, client) -> None:
    rule(category="SP", hold_hours=72)
    run_import(
        source,
        tmp_path,
        pathology_report("r-1") | {"result": [{"reference": "Observation/o-1"}]},
        observation("o-1", *A1C),
    )
    report = item_of("r-1")
    doctor = staff_of(linked)
    sign_in(client, doctor, second_factor=True)

    client.post(release_url(report), {"comment": "Benign. No further treatment needed."})

    result = item_of("o-1")
    assert result.release == Release.RELEASED
    assert (result.hold.released_by, result.hold.comment) == (doctor, "")
    assert set(
        AuditEvent.objects.filter(actor=doctor, action=AuditEvent.Action.UPDATE).values_list("object_id", flat=True)
    ) == {str(report.pk), str(result.pk)}
    patient_client = sign_in(type(client)(), linked.user)
    page = results_page(patient_client, linked)
    assert "Pathology Synoptic report" in page
    assert "Benign. No further treatment needed." in page


def test_results_waiting_with_a_chosen_report_stay_held_when_choices_are_saved(
    client, linked, source, tmp_path
) -> None:
    ReleasePreference.objects.create(patient=linked, category="pathology")
    report = pathology_report("r-1") | {"result": [{"reference": "Observation/o-1"}]}
    run_import(source, tmp_path, report, observation("o-1", *A1C))
    assert item_of("o-1").hold.by_patient_choice is True
    sign_in(client, linked.user)

    client.post(preferences_url(linked), {"after_review": ["pathology", "genetic"]})

    assert item_of("o-1").release == Release.HELD
    client.post(preferences_url(linked), {"after_review": []})
    assert (item_of("r-1").release, item_of("o-1").release) == (Release.RELEASED, Release.RELEASED)


def test_applying_rules_costs_the_same_queries_for_any_batch(patient, django_assert_num_queries) -> None:
    rule(code="2857-1")
    ReleasePreference.objects.create(patient=patient, category="hiv_sti")

    def batch(n: int) -> list[RecordItem]:
        items = RecordItemFactory.create_batch(n, patient=patient, code="2857-1")
        items += RecordItemFactory.create_batch(n, patient=patient, code="75622-1")
        return items

    small, large = batch(2), batch(20)
    with django_assert_num_queries(4):  # rules, preferences, one UPDATE, one INSERT
        assert release.release_apply_rules(items=small) == 4
    with django_assert_num_queries(4):
        assert release.release_apply_rules(items=large) == 40


def test_vitals_medications_and_problems_are_never_held(patient) -> None:
    rule(category="vital-signs")
    rule(code="2857-1")
    items = [
        RecordItemFactory(patient=patient, kind=RecordItem.Kind.VITAL, category="vital-signs"),
        RecordItemFactory(patient=patient, kind=RecordItem.Kind.MEDICATION, code="2857-1", category=""),
    ]

    assert release.release_apply_rules(items=items) == 0
    assert set(RecordItem.objects.values_list("release", flat=True)) == {Release.RELEASED}


# -- the sweep keeps the promise ------------------------------------------------------------------------------


def test_the_sweep_releases_a_hold_once_its_deadline_has_passed(linked, source, tmp_path, client) -> None:
    rule(code="2857-1", hold_hours=48)
    run_import(source, tmp_path, observation("o-psa", *PSA))
    sign_in(client, linked.user)
    assert release.release_sweep() == 0
    assert "Prostate specific Ag" not in results_page(client, linked)

    ReleaseHold.objects.update(release_due_at=timezone.now() - timedelta(minutes=1))
    released = release.release_sweep()

    item = item_of("o-psa")
    assert released == 1
    assert item.release == Release.RELEASED
    assert item.hold.released_at is not None
    assert item.hold.released_by is None
    event = AuditEvent.objects.get(object_type="records.RecordItem", object_id=str(item.pk))
    assert (event.actor_id, event.acting_as, event.patient_id, event.action, event.scope) == (
        None,
        AuditEvent.ActingAs.SYSTEM,
        linked.pk,
        AuditEvent.Action.UPDATE,
        Scope.RECORDS,
    )
    assert "Prostate specific Ag" in results_page(client, linked)


def test_the_sweep_is_idempotent(patient) -> None:
    due = [held_item(patient, due_in=-timedelta(hours=h)) for h in (1, 2, 3)]
    later = held_item(patient, due_in=timedelta(hours=5))
    chosen = held_item(patient, due_in=None)

    first, second = release.release_sweep(), release.release_sweep()

    assert (first, second) == (3, 0)
    assert {i.pk for i in RecordItem.objects.filter(release=Release.RELEASED)} == {i.pk for i in due}
    assert {i.pk for i in RecordItem.objects.filter(release=Release.HELD)} == {later.pk, chosen.pk}
    assert AuditEvent.objects.filter(acting_as=AuditEvent.ActingAs.SYSTEM).count() == 3


def test_the_sweep_releases_more_than_one_chunk(patient, monkeypatch) -> None:
    monkeypatch.setattr(release, "SWEEP_CHUNK", 2)
    for hours in range(1, 6):
        held_item(patient, due_in=-timedelta(hours=hours))

    assert release.release_sweep() == 5
    assert ReleaseHold.objects.filter(released_at__isnull=True).count() == 0


def test_the_sweep_task_has_a_stable_name_and_a_beat_entry(patient) -> None:
    held_item(patient, due_in=-timedelta(hours=1))

    assert tasks.release_sweep.name == "records.release_sweep"
    assert tasks.release_sweep.apply().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["records-release-sweep"] == {
        "task": "records.release_sweep",
        "schedule": 300,
    }


# -- clinicians release from the review queue ----------------------------------------------------------------


def test_staff_release_with_a_comment_the_patient_then_sees(client, patient) -> None:
    item = held_item(patient, display="Prostate specific Ag")
    doctor = staff_of(patient)
    sign_in(client, doctor, second_factor=True)

    response = client.post(release_url(item), {"comment": "Slightly high; we will repeat it in 3 months."})

    assert response.status_code == 302
    assert response["Location"] == reverse("records_review_queue")
    item.refresh_from_db()
    hold = ReleaseHold.objects.get(item=item)
    assert (item.release, hold.released_by, hold.comment) == (
        Release.RELEASED,
        doctor,
        "Slightly high; we will repeat it in 3 months.",
    )
    event = AuditEvent.objects.get(actor=doctor, action=AuditEvent.Action.UPDATE)
    assert (event.patient_id, event.acting_as, event.object_id) == (patient.pk, AuditEvent.ActingAs.STAFF, str(item.pk))
    patient_client = sign_in(type(client)(), patient.user)
    page = results_page(patient_client, patient)
    assert "Prostate specific Ag" in page
    assert "Note from your care team" in page
    assert "Slightly high; we will repeat it in 3 months." in page


def test_a_medical_assistant_may_release(client, patient) -> None:
    item = held_item(patient)
    sign_in(client, staff_of(patient, StaffRole.MEDICAL_ASSISTANT), second_factor=True)

    assert client.post(release_url(item), {"comment": ""}).status_code == 302
    item.refresh_from_db()
    assert item.release == Release.RELEASED


@pytest.mark.parametrize("role", [StaffRole.FRONT_DESK, StaffRole.BILLING, StaffRole.ADMINISTRATOR])
def test_roles_that_may_not_see_records_cannot_release(client, patient, role: str) -> None:
    item = held_item(patient)
    sign_in(client, staff_of(patient, role), second_factor=True)

    response = client.post(release_url(item), {"comment": "Fine."})

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.release == Release.HELD
    assert AuditEvent.objects.count() == 0


def test_staff_cannot_release_their_own_held_result(client, patient) -> None:
    StaffMemberFactory(user=patient.user, organization=patient.home_organization, role=StaffRole.PHYSICIAN)
    item = held_item(patient)
    sign_in(client, patient.user, second_factor=True)

    assert client.post(release_url(item), {"comment": ""}).status_code == 404
    assert client.get(reverse("records_review_queue")).context["holds"] == []
    item.refresh_from_db()
    assert item.release == Release.HELD


def test_an_item_of_another_patient_answers_404(client, patient) -> None:
    other = held_item(PatientFactory(home_organization=patient.home_organization))
    sign_in(client, staff_of(patient), second_factor=True)
    url = reverse("records_release", kwargs={"patient_id": patient.pk, "item_id": other.pk})

    assert client.post(url, {"comment": ""}).status_code == 404
    other.refresh_from_db()
    assert other.release == Release.HELD


def test_releasing_twice_changes_nothing_the_second_time(client, patient) -> None:
    item = held_item(patient)
    sign_in(client, staff_of(patient), second_factor=True)
    client.post(release_url(item), {"comment": "First."})

    response = client.post(release_url(item), {"comment": "Second."}, follow=True)

    assert "already released" in response.content.decode()
    assert ReleaseHold.objects.get(item=item).comment == "First."
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).count() == 1


def test_a_too_long_comment_releases_nothing(client, patient) -> None:
    item = held_item(patient)
    sign_in(client, staff_of(patient), second_factor=True)

    response = client.post(release_url(item), {"comment": "x" * 2001}, follow=True)

    assert "The comment is too long" in response.content.decode()
    item.refresh_from_db()
    assert item.release == Release.HELD


def test_release_by_htmx_answers_with_the_released_line(client, patient) -> None:
    item = held_item(patient, display="Prostate specific Ag")
    sign_in(client, staff_of(patient), second_factor=True)

    response = client.post(release_url(item), {"comment": "Fine."}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert f'id="hold-{item.hold.pk}"' in response.content.decode()
    assert "Released to the patient" in response.content.decode()


def test_the_queue_lists_reachable_held_results_by_deadline(client, patient) -> None:
    doctor = staff_of(patient)
    specialist_patient = PatientFactory()
    CareTeamMembershipFactory(patient=specialist_patient, staff=doctor.staff_roles.get())
    chosen = held_item(patient, due_in=None, display="HIV screen")
    late = held_item(patient, due_in=timedelta(hours=60), display="CA 125")
    soon = held_item(specialist_patient, due_in=timedelta(hours=2), display="PSA")
    held_item(PatientFactory(), due_in=timedelta(hours=1), display="Not ours")
    RecordItemFactory(patient=patient, display="Released already")
    sign_in(client, doctor, second_factor=True)

    response = client.get(reverse("records_review_queue"))

    assert [hold.item_id for hold in response.context["holds"]] == [soon.pk, late.pk, chosen.pk]
    assert response.context["total"] == 3
    page = response.content.decode()
    assert "Not ours" not in page and "Released already" not in page
    assert "The patient asked to see this only after a clinician has reviewed it." in page
    assert patient.family_name in page and specialist_patient.family_name in page
    events = AuditEvent.objects.filter(object_type="records.ReviewQueue")
    assert sorted(str(e.patient_id) for e in events) == sorted([str(patient.pk), str(specialist_patient.pk)])
    assert {(e.actor_id, e.acting_as, e.scope) for e in events} == {
        (doctor.pk, AuditEvent.ActingAs.STAFF, Scope.RECORDS)
    }


def test_front_desk_sees_an_empty_queue(client, patient) -> None:
    held_item(patient, display="Prostate specific Ag")
    sign_in(client, staff_of(patient, StaffRole.FRONT_DESK), second_factor=True)

    response = client.get(reverse("records_review_queue"))

    assert response.status_code == 200
    assert response.context["holds"] == []
    assert "Prostate specific Ag" not in response.content.decode()
    assert AuditEvent.objects.count() == 0


def test_the_queue_costs_the_same_queries_however_many_results(client, patient, django_assert_num_queries) -> None:
    doctor = staff_of(patient)
    sign_in(client, doctor, second_factor=True)
    client.get(reverse("records_review_queue"))  # the first request of a session also records the session

    def add(n: int) -> None:
        for _ in range(n):
            held_item(PatientFactory(home_organization=patient.home_organization))

    add(2)
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("records_review_queue")).status_code == 200
    add(18)
    with django_assert_num_queries(len(two)):
        response = client.get(reverse("records_review_queue"))
    assert len(response.context["holds"]) == 20


def test_the_staff_home_card_counts_results_waiting(client, patient) -> None:
    held_item(patient)
    held_item(patient, due_in=None)
    held_item(PatientFactory())  # another clinic's
    sign_in(client, staff_of(patient), second_factor=True)

    home = client.get(reverse("staff_home")).content.decode()
    count = client.get(reverse("records_review_count"), HTTP_HX_REQUEST="true").content.decode()

    assert reverse("records_review_queue") in home
    assert reverse("records_review_count") in home
    assert "2 results wait for review." in count


def test_the_queue_and_count_are_for_staff_only(client, patient) -> None:
    sign_in(client, patient.user)

    assert client.get(reverse("records_review_queue")).status_code == 404
    assert client.get(reverse("records_review_count")).status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
def test_queue_authorization_matrix(actor: str) -> None:
    """The queue has no patient in its URL: staff who may see the patient's records get the
    held result; other staff get an empty queue; everyone else gets 404 (anonymous: sign in)."""
    world = build_world(Scope.RECORDS)
    held_item(world.patient, display="Prostate specific Ag")
    client = world.client_for(actor)

    response = client.get(reverse("records_review_queue"))

    body = response.content.decode()
    if actor in STAFF:
        assert response.status_code == 200
        assert "Prostate specific Ag" in body and world.patient.family_name in body
        assert AuditEvent.objects.filter(patient=world.patient, actor=world.users[actor]).count() == 1
        return
    if actor == ANONYMOUS:
        assert response.status_code == 302
    elif actor in (OTHER_ORG_STAFF, ADMINISTRATOR):
        assert response.status_code == 200  # other staff and administrators: an empty queue
        assert response.context["holds"] == []
    else:
        assert response.status_code == 404
    assert "Prostate specific Ag" not in body
    if actor in STRANGERS:
        assert world.patient.family_name not in body
    assert AuditEvent.objects.count() == 0


# -- the patient's choice ----------------------------------------------------------------------------------------


def preferences_url(patient: Patient) -> str:
    return reverse("record_release_preferences", kwargs={"patient_id": patient.pk})


def test_the_preference_page_explains_the_choice(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.get(preferences_url(patient))

    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Pathology and cytology reports",
        "Genetic tests",
        "HIV and sexually transmitted infection tests",
        "Cancer marker blood tests",
        "Imaging reports",
        "usually within 3 days",
        "By law you can always ask for your results sooner.",
    ):
        assert text in page
    assert AuditEvent.objects.filter(
        patient=patient, object_type="records.ReleasePreference", action=AuditEvent.Action.VIEW
    ).exists()


def test_a_chosen_category_holds_new_results_with_no_deadline(client, linked, source, tmp_path) -> None:
    rule(code="75622-1", hold_hours=24)  # a rule as well: the patient's choice still wins
    sign_in(client, linked.user)
    response = client.post(preferences_url(linked), {"after_review": ["hiv_sti"]})
    assert response.status_code == 302

    run_import(source, tmp_path, observation("o-hiv", *HIV), observation("o-a1c", *A1C))

    hiv = item_of("o-hiv")
    assert hiv.release == Release.HELD
    assert (hiv.hold.by_patient_choice, hiv.hold.release_due_at) == (True, None)
    assert item_of("o-a1c").release == Release.RELEASED
    assert release.release_sweep() == 0
    assert "HIV 1 and 2" not in results_page(client, linked)
    assert "1 result is waiting for your clinician" in client.get(preferences_url(linked)).content.decode()


def test_a_clinician_releases_a_result_held_by_the_patients_choice(client, patient) -> None:
    item = held_item(patient, due_in=None, code="75622-1")
    sign_in(client, staff_of(patient), second_factor=True)

    assert client.post(release_url(item), {"comment": "Negative."}).status_code == 302
    item.refresh_from_db()
    assert item.release == Release.RELEASED


def test_dropping_a_choice_releases_what_it_held(client, patient) -> None:
    ReleasePreference.objects.create(patient=patient, category="hiv_sti")
    ReleasePreference.objects.create(patient=patient, category="genetic")
    hiv = held_item(patient, due_in=None, code="75622-1", code_system=LOINC)
    genetic = held_item(patient, due_in=None, code="51969-4", code_system=LOINC, kind=RecordItem.Kind.REPORT)
    sign_in(client, patient.user)

    response = client.post(preferences_url(patient), {"after_review": ["genetic"]}, follow=True)

    assert "1 result that was waiting for review is now in your record." in response.content.decode()
    hiv.refresh_from_db()
    genetic.refresh_from_db()
    assert (hiv.release, genetic.release) == (Release.RELEASED, Release.HELD)
    assert dict(ReleasePreference.objects.filter(patient=patient).values_list("category", "after_review")) == {
        "pathology": False,
        "genetic": True,
        "hiv_sti": False,
        "cancer_markers": False,
        "imaging": False,
    }
    event = AuditEvent.objects.get(object_type="records.RecordItem", object_id=str(hiv.pk))
    assert (event.actor_id, event.acting_as) == (patient.user.pk, AuditEvent.ActingAs.SELF)


def test_dropping_a_choice_leaves_a_rules_hold_to_run_to_its_limit(client, patient) -> None:
    hiv_rule = rule(code="75622-1", hold_hours=48)
    item = held_item(patient, due_in=None, code="75622-1")
    ReleaseHold.objects.filter(item=item).update(rule=hiv_rule)
    ReleasePreference.objects.create(patient=patient, category="hiv_sti")
    arrived = item.record.first_imported_at
    sign_in(client, patient.user)

    client.post(preferences_url(patient), {})

    hold = ReleaseHold.objects.get(item=item)
    assert (hold.by_patient_choice, hold.release_due_at, hold.released_at) == (
        False,
        arrived + timedelta(hours=48),
        None,
    )


def test_choosing_a_category_turns_a_rules_hold_into_a_wait_for_the_clinician(client, patient) -> None:
    item = held_item(patient, due_in=timedelta(hours=10), code="2857-1", code_system=LOINC)
    sign_in(client, patient.user)

    client.post(preferences_url(patient), {"after_review": ["cancer_markers"]})

    hold = ReleaseHold.objects.get(item=item)
    assert (hold.by_patient_choice, hold.release_due_at) == (True, None)


def test_an_unknown_choice_is_refused(client, patient) -> None:
    sign_in(client, patient.user)

    response = client.post(preferences_url(patient), {"after_review": ["everything"]})

    assert response.status_code == 400
    assert ReleasePreference.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_caregiver_cannot_see_or_change_the_patients_choices(client, patient, method: str) -> None:
    grant = ProxyGrantFactory(patient=patient, scopes=list(Scope.values))
    ReleasePreference.objects.create(patient=patient, category="hiv_sti")
    item = held_item(patient, due_in=None, code="75622-1")
    sign_in(client, grant.grantee)

    response = getattr(client, method)(preferences_url(patient), {"after_review": []})

    assert response.status_code == 404
    assert ReleasePreference.objects.get().after_review is True
    item.refresh_from_db()
    assert item.release == Release.HELD


def test_staff_cannot_change_the_patients_choices(client, patient) -> None:
    sign_in(client, staff_of(patient), second_factor=True)

    assert client.post(preferences_url(patient), {"after_review": ["genetic"]}).status_code == 404
    assert ReleasePreference.objects.count() == 0


# -- administrators' configuration ---------------------------------------------------------------------------


def test_a_rule_needs_a_code_or_a_category() -> None:
    form = ReleaseRuleForm({"name": "Everything", "code_system": "", "code": "", "category": "", "hold_hours": 24})

    assert not form.is_valid()
    assert form.errors == {
        "code": ["Give a test code, a category, or both: a rule that matches everything would hold every result."]
    }


def test_a_rule_holds_for_at_most_fourteen_days() -> None:
    form = ReleaseRuleForm({"name": "Long", "category": "SP", "hold_hours": 24 * 14 + 1})

    assert not form.is_valid()
    assert form.errors == {"hold_hours": ["Hold a result for 0 to 336 hours (14 days)."]}


def test_a_rule_with_no_hold_must_mark_confidential() -> None:
    form = ReleaseRuleForm({"name": "Nothing", "category": "SP", "hold_hours": 0})

    assert not form.is_valid()
    assert form.errors == {"hold_hours": ["A rule must hold results, mark them confidential, or both."]}


def test_a_valid_rule_saves() -> None:
    form = ReleaseRuleForm({"name": "Pathology", "category": "SP", "hold_hours": 72, "is_active": True})

    assert form.is_valid(), form.errors
    assert form.save().category == "SP"


def test_the_rule_admin_page_opens(client) -> None:
    from portal.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in(client, admin, second_factor=True)

    assert client.get(reverse("admin:records_releaserule_add")).status_code == 200


def test_every_sensitive_category_has_a_distinct_key() -> None:
    keys = [category.key for category in release.SENSITIVE_CATEGORIES]

    assert len(keys) == len(set(keys)) == 5
    assert all(len(key) <= ReleasePreference._meta.get_field("category").max_length for key in keys)


def test_a_rule_may_mark_results_confidential_without_holding_them(linked, source, tmp_path) -> None:
    rule(name="HIV tests stay confidential", code_system=LOINC, code=HIV[0], hold_hours=0, marks_confidential=True)

    run_import(source, tmp_path, observation("o-hiv", *HIV), observation("o-a1c", *A1C))

    hiv, a1c = item_of("o-hiv"), item_of("o-a1c")
    assert (hiv.release, hiv.confidential) == (Release.RELEASED, True)
    assert (a1c.release, a1c.confidential) == (Release.RELEASED, False)


def test_a_rule_that_neither_holds_nor_marks_is_refused_by_the_database() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        rule(name="Does nothing", category="laboratory", hold_hours=0)
