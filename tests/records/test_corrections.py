"""Reported mistakes and the staff care-task queue: a correction never edits the imported record;
the queue shows only patients the staff member may see, oldest first, in a constant number of
queries; a task is closed with a note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from portal.factories import (
    CareTeamMembershipFactory,
    OrganizationFactory,
    PatientFactory,
    ProxyGrantFactory,
    StaffMemberFactory,
    born_years_ago,
)
from portal.models import AuditEvent, Scope, StaffRole
from records.factories import RecordItemFactory
from records.models import CareTask, HomeReading, RecordItem, SourceRecord
from tests.authz import ACTORS, CARE_TEAM_STAFF, CLINIC_STAFF, STRANGERS, build_world
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
Kind = RecordItem.Kind
QUEUE = "/staff/records/tasks/"


def _allergy(patient, **fields) -> RecordItem:
    return RecordItemFactory(
        patient=patient,
        source=patient.home_organization,
        kind=Kind.ALLERGY,
        display="Penicillin",
        code="7980",
        status="active",
        **fields,
    )


def _correction_url(patient, item) -> str:
    return f"/p/{patient.pk}/record/items/{item.pk}/correction/"


def _reading_task(patient, *, created_at=None, systolic: int = 170) -> CareTask:
    reading = HomeReading.objects.create(
        patient=patient,
        kind=HomeReading.Kind.BLOOD_PRESSURE,
        systolic=systolic,
        diastolic=95,
        taken_at=timezone.now(),
        entered_by=patient.user,
    )
    return CareTask.objects.create(
        patient=patient,
        kind=CareTask.Kind.READING,
        reading=reading,
        created_by=patient.user,
        created_at=created_at or timezone.now(),
    )


def _correction_task(patient, *, created_at=None, text: str = "Not allergic") -> CareTask:
    return CareTask.objects.create(
        patient=patient,
        kind=CareTask.Kind.CORRECTION,
        item=_allergy(patient),
        text=text,
        created_by=patient.user,
        created_at=created_at or timezone.now(),
    )


# --- Reporting a mistake -----------------------------------------------------------------------


def test_each_problem_medication_allergy_and_immunization_offers_report_a_mistake(client, patient) -> None:
    allergy = _allergy(patient)
    sign_in(client, patient.user)

    page = client.get(f"/p/{patient.pk}/record/allergies/").content.decode()

    assert f'href="{_correction_url(patient, allergy)}"' in page
    assert "Report a mistake" in page


def test_staff_do_not_see_report_a_mistake(client, patient, nurse) -> None:
    allergy = _allergy(patient)
    sign_in(client, nurse.user, second_factor=True)

    page = client.get(f"/p/{patient.pk}/record/allergies/").content.decode()

    assert "Penicillin" in page
    assert "Report a mistake" not in page
    assert client.get(_correction_url(patient, allergy)).status_code == 404


def test_a_correction_becomes_a_task_and_the_imported_item_is_unchanged(client, patient) -> None:
    allergy = _allergy(patient)
    item_before = model_to_dict(allergy)
    raw_before = SourceRecord.objects.get(pk=allergy.record_id).raw
    sign_in(client, patient.user)

    response = client.post(_correction_url(patient, allergy), {"text": "  I am not allergic to penicillin.  "})

    task = CareTask.objects.get()
    assert (task.kind, task.status, task.patient, task.item, task.text, task.created_by) == (
        CareTask.Kind.CORRECTION,
        CareTask.Status.OPEN,
        patient,
        allergy,
        "I am not allergic to penicillin.",
        patient.user,
    )
    assert response["Location"] == f"/p/{patient.pk}/record/corrections/{task.pk}/"
    allergy.refresh_from_db()
    assert model_to_dict(allergy) == item_before
    assert SourceRecord.objects.get(pk=allergy.record_id).raw == raw_before
    assert AuditEvent.objects.filter(
        actor=patient.user, patient=patient, action=AuditEvent.Action.CREATE, object_type="records.CareTask"
    ).exists()
    confirmation = client.get(response["Location"]).content.decode()
    assert "Sent to your care team" in confirmation
    assert "I am not allergic to penicillin." in confirmation
    assert "Penicillin" in confirmation


def test_a_caregiver_with_the_records_scope_can_report_a_mistake(client, patient) -> None:
    allergy = _allergy(patient)
    carer = ProxyGrantFactory(patient=patient, scopes=[Scope.RECORDS]).grantee
    sign_in(client, carer)

    client.post(_correction_url(patient, allergy), {"text": "Mum stopped this in May."})

    assert CareTask.objects.get().created_by == carer


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Tell us what is wrong, in your own words."),
        ("   ", "Tell us what is wrong, in your own words."),
        ("x" * 2001, "Please keep it to 2000 characters or fewer (you wrote 2001)."),
    ],
)
def test_the_note_is_required_and_at_most_2000_characters(client, patient, text: str, message: str) -> None:
    allergy = _allergy(patient)
    sign_in(client, patient.user)

    response = client.post(_correction_url(patient, allergy), {"text": text})

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    if text.strip():
        assert text in page  # what was typed is kept
    assert CareTask.objects.count() == 0


def test_only_list_items_the_person_may_see_can_be_reported(client, patient) -> None:
    result = RecordItemFactory(patient=patient, source=patient.home_organization)
    held = _allergy(patient, release=RecordItem.Release.HELD)
    someone_elses = _allergy(PatientFactory())
    sign_in(client, patient.user)

    answers = [client.get(_correction_url(patient, item)).status_code for item in (result, held, someone_elses)]

    assert answers == [404, 404, 404]


def test_a_teens_caregiver_cannot_report_a_confidential_item(client) -> None:
    teen = PatientFactory(birth_date=born_years_ago(15))
    secret = _allergy(teen, confidential=True)
    guardian = ProxyGrantFactory(patient=teen, is_guardian=True, scopes=list(Scope.values)).grantee
    sign_in(client, guardian)

    assert client.get(_correction_url(teen, secret)).status_code == 404
    assert client.post(_correction_url(teen, secret), {"text": "wrong"}).status_code == 404
    assert CareTask.objects.count() == 0


# --- The staff queue ---------------------------------------------------------------------------


def test_the_queue_lists_open_tasks_of_my_patients_oldest_first(client, patient, nurse) -> None:
    now = timezone.now()
    newer = _correction_task(patient, created_at=now - timedelta(hours=1), text="Wrong dose listed")
    older = _reading_task(patient, created_at=now - timedelta(days=1), systolic=186)
    done = _reading_task(patient, created_at=now - timedelta(days=2))
    done.status, done.resolved_at, done.resolved_by = CareTask.Status.DONE, now, nurse.user
    done.save()
    _reading_task(PatientFactory(home_organization=OrganizationFactory()))  # another clinic's patient
    sign_in(client, nurse.user, second_factor=True)

    response = client.get(QUEUE)

    assert [task.pk for task, *_ in response.context["rows"]] == [older.pk, newer.pk]
    page = response.content.decode()
    assert patient.family_name in page
    assert "186/95 mmHg" in page
    assert "Emergency level" in page
    assert "Wrong dose listed" in page
    assert "Penicillin" in page


def test_staff_of_another_clinic_see_nothing_and_cannot_close_a_task(client, patient) -> None:
    task = _reading_task(patient)
    elsewhere = StaffMemberFactory(organization=OrganizationFactory())
    sign_in(client, elsewhere.user, second_factor=True)

    page = client.get(QUEUE).content.decode()
    refused = client.post(f"{QUEUE}{task.pk}/done/", {f"task-{task.pk}-resolution": "Done"})

    assert patient.family_name not in page
    assert "No open tasks for your patients." in page
    assert refused.status_code == 404
    task.refresh_from_db()
    assert task.status == CareTask.Status.OPEN


def test_a_care_team_member_elsewhere_sees_the_patients_tasks(client, patient) -> None:
    task = _reading_task(patient)
    specialist = StaffMemberFactory(organization=OrganizationFactory(), role=StaffRole.PHYSICIAN)
    CareTeamMembershipFactory(patient=patient, staff=specialist)
    front_desk = StaffMemberFactory(organization=patient.home_organization, role=StaffRole.FRONT_DESK)

    sign_in(client, specialist.user, second_factor=True)
    seen_by_specialist = [t.pk for t, *_ in client.get(QUEUE).context["rows"]]
    sign_in(client, front_desk.user, second_factor=True)
    seen_by_front_desk = [t.pk for t, *_ in client.get(QUEUE).context["rows"]]

    assert (seen_by_specialist, seen_by_front_desk) == ([task.pk], [])


@pytest.mark.parametrize("actor", ACTORS)
def test_the_queue_answers_every_actor_without_leaking(client, actor: str) -> None:
    world = build_world(Scope.RECORDS)
    _reading_task(world.patient)
    client = world.client_for(actor)

    response = client.get(QUEUE)

    staff_users = {"clinic_staff", "care_team_staff", "other_org_staff", "administrator"}
    expected = 302 if actor == "anonymous" else 200 if actor in staff_users else 404
    assert response.status_code == expected
    shows_patient = world.patient.family_name in response.content.decode()
    if actor in {CLINIC_STAFF, CARE_TEAM_STAFF}:
        assert shows_patient
    elif actor in STRANGERS:
        assert not shows_patient
    audited = AuditEvent.objects.filter(patient=world.patient, object_type="records.CareTaskQueue")
    assert list(audited.values_list("actor", flat=True)) == (
        [world.users[actor].pk] if actor in {CLINIC_STAFF, CARE_TEAM_STAFF} else []
    )


def test_the_queue_costs_the_same_queries_however_many_tasks(client, patient, nurse, django_assert_num_queries) -> None:
    _reading_task(patient)
    sign_in(client, nurse.user, second_factor=True)
    client.get(QUEUE)

    # session, user, device, staff role, tasks (with patient, reading, item, who), count, audit insert,
    # the header's people lookup, the staff nav's unread notices, session save (3 with savepoints)
    with django_assert_num_queries(12):
        client.get(QUEUE)
    for n in range(6):
        _correction_task(PatientFactory(home_organization=patient.home_organization), text=f"Wrong {n}")
        _reading_task(patient)
    with django_assert_num_queries(12):
        response = client.get(QUEUE)

    assert response.context["total"] == 13
    # One event per patient shown, per visit: one patient twice, then seven.
    assert AuditEvent.objects.filter(object_type="records.CareTaskQueue").count() == 1 + 1 + 7


def test_marking_done_needs_a_note_and_then_closes_the_task(client, patient, nurse) -> None:
    task = _reading_task(patient)
    sign_in(client, nurse.user, second_factor=True)
    url = f"{QUEUE}{task.pk}/done/"
    field = f"task-{task.pk}-resolution"

    empty = client.post(url, {field: "  "})
    task.refresh_from_db()
    assert empty.status_code == 400
    assert "Write what was done before marking the task done." in empty.content.decode()
    assert task.status == CareTask.Status.OPEN

    done = client.post(url, {field: "Called; rechecked at 138/84."})

    task.refresh_from_db()
    assert done["Location"] == QUEUE
    assert (task.status, task.resolution, task.resolved_by) == (
        CareTask.Status.DONE,
        "Called; rechecked at 138/84.",
        nurse.user,
    )
    assert task.resolved_at is not None
    assert AuditEvent.objects.filter(
        actor=nurse.user, patient=patient, action=AuditEvent.Action.UPDATE, object_type="records.CareTask"
    ).exists()
    assert client.get(QUEUE).context["rows"] == []

    again = client.post(url, {field: "Twice"}, follow=True)

    assert "Someone has already marked this task done." in again.content.decode()
    task.refresh_from_db()
    assert task.resolution == "Called; rechecked at 138/84."


def test_the_patient_sees_when_the_care_team_has_reviewed_a_reading(client, patient, nurse) -> None:
    task = _reading_task(patient)
    sign_in(client, nurse.user, second_factor=True)
    client.post(f"{QUEUE}{task.pk}/done/", {f"task-{task.pk}-resolution": "Called the patient."})
    sign_in(client, patient.user)

    page = client.get(f"/p/{patient.pk}/record/readings/{task.reading_id}/").content.decode()
    history = client.get(f"/p/{patient.pk}/record/readings/blood-pressure/").content.decode()

    assert "Your care team looked at it on" in page
    assert "Your care team looked at it" in history
    assert "Called the patient." not in page + history  # the note is for the care team


def test_the_staff_home_card_counts_open_tasks(client, patient, nurse) -> None:
    _reading_task(patient)
    _correction_task(patient)
    _reading_task(PatientFactory(home_organization=OrganizationFactory()))
    sign_in(client, nurse.user, second_factor=True)

    home = client.get("/staff/").content.decode()
    count = client.get(f"{QUEUE}count/").content.decode()

    assert f'href="{QUEUE}"' in home
    assert f'hx-get="{QUEUE}count/"' in home
    assert "2 tasks wait." in count
