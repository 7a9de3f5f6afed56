# ruff: noqa: F401, F811  (the records source fixture, imported, is the argument of the tests)
"""The clinician's pre-visit briefing: its content on a real imported Synthea patient (every line
opens the record row it names, for the clinician), the check-in answers, the home readings' trend and
open threads; the builds (on booking after the commit, the evening before, when opened unbuilt);
constant queries; and the schedule's link to it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messaging.factories import ThreadFactory
from portal.access import Action, resolve
from portal.factories import PatientFactory, StaffMemberFactory, UserFactory
from portal.models import AuditEvent, Patient, StaffRole
from records.factories import RecordItemFactory
from records.models import HomeReading, RecordItem
from records.selectors.visits import NOT_HELD
from records.services.readings import reading_record
from scheduling.models import Appointment
from scheduling.services import checkin
from scheduling.services.questionnaires import builtin_questionnaires
from summaries.models import PrevisitBriefing
from summaries.services import previsit, refresh
from summaries.tasks import build_previsit, previsit_for_patient
from tests.clock import CLINIC_ZONE
from tests.conftest import sign_in
from tests.records.conftest import BUNDLE, source
from tests.records.test_import import run_import
from tests.scheduling.checkin_fixtures import ask, booked_visit, phq9_answers
from tests.scheduling.conftest import Clinic, clinic
from tests.scheduling.staff_arrange import visit as staff_books

pytestmark = pytest.mark.django_db

CHANGE_KINDS = ("result", "problem", "medication", "visit", "document")


def _answer(visit: Appointment, key: str, answers: dict[str, int]) -> None:
    user = visit.patient.user
    access = resolve(user, visit.patient, Action.SCHEDULING)
    questionnaire = next(q for q in builtin_questionnaires() if q.builtin == key)
    checkin.answer(
        access=access, actor=user, appointment_id=visit.pk, questionnaire_id=questionnaire.pk, answers=answers
    )


def _reading(patient: Patient, taken_at: datetime, systolic: int, diastolic: int) -> HomeReading:
    access = resolve(patient.user, patient, Action.RECORDS)
    return reading_record(
        access=access,
        actor=patient.user,
        kind=HomeReading.Kind.BLOOD_PRESSURE,
        taken_at=taken_at,
        systolic=systolic,
        diastolic=diastolic,
    ).reading


def _book(clinic: Clinic, starts_at: datetime) -> Appointment:
    """A visit with Dr Kim, put in the calendar by the front desk (the booking path: it says the
    patient's briefing inputs changed)."""
    return staff_books(
        patient=clinic.patient,
        provider=clinic.dr_kim,
        visit_type=clinic.follow_up,
        starts_at=starts_at,
        actor=clinic.front_desk.user,
    )


def _clinician(patient: Patient) -> Any:
    return StaffMemberFactory(organization=patient.home_organization, role=StaffRole.PHYSICIAN).user


def _synthea_visit(source: Any, clock: Any) -> Appointment:
    """The Synthea patient imported, the clock a day after their newest record, a visit tomorrow."""
    run_import(source, BUNDLE)
    patient = Patient.objects.get()
    patient.user = UserFactory()
    patient.save(update_fields=["user"])
    newest = RecordItem.objects.filter(patient=patient).aggregate(newest=Max("effective_at"))["newest"]
    clock.move_to(newest.astimezone(CLINIC_ZONE).replace(hour=10, minute=30) + timedelta(days=1))
    return booked_visit(patient, timezone.now() + timedelta(days=1))


def test_a_synthea_patients_briefing_says_what_changed_since_the_last_visit_here_and_the_check_in(
    source: Any, clock: Any
) -> None:
    visit = _synthea_visit(source, clock)
    patient = visit.patient
    now = timezone.now()
    ask(visit.visit_type, "phq9", "gad7")
    _answer(visit, "phq9", phq9_answers(item9=0, others=2))
    _answer(visit, "gad7", {str(n): 1 for n in range(1, 8)})
    # The bundle has no medicines: one from the clinic, started long before the last visit.
    medicine = RecordItemFactory(
        patient=patient,
        source=source,
        kind="medication",
        status="active",
        display="Lisinopril 10 MG Oral Tablet",
        code="314076",
        category="",
        value_number=None,
        unit="",
        effective_at=now - timedelta(days=800),
    )
    access = resolve(patient.user, patient, Action.SCHEDULING)
    checkin.medicines_review(
        access=access,
        actor=patient.user,
        appointment_id=visit.pk,
        changes={medicine.pk: "I stopped taking this in the spring."},
        new_allergies="Latex",
    )
    for days, (systolic, diastolic) in [(2, (150, 95)), (10, (146, 91)), (40, (128, 82)), (50, (132, 84))]:
        _reading(patient, now - timedelta(days=days), systolic, diastolic)
    thread = ThreadFactory(patient=patient, subject="Dizzy in the mornings")

    assert previsit.build(visit.pk) == previsit.Outcome.BUILT

    row = PrevisitBriefing.objects.get(appointment=visit)
    content = row.content
    assert content["reason"]["visit_type"] == "Follow-up visit"
    # The last visit here is the newest held visit the record has from this clinic (the import's source).
    last_here = (
        RecordItem.objects.filter(patient=patient, kind="visit", source=source, effective_at__lt=now)
        .exclude(status__in=NOT_HELD)
        .aggregate(last=Max("effective_at"))["last"]
    )
    assert row.since == last_here
    assert content["last_visit_here"] == last_here.isoformat()
    # Every record item dated since then is named, once per group, and nothing older.
    expected = set(
        RecordItem.objects.filter(
            patient=patient, release="released", kind__in=CHANGE_KINDS, effective_at__gte=last_here
        ).values_list("display", flat=True)
    )
    assert content["changed"]
    assert {line["params"]["name"] for line in content["changed"]} == expected
    assert [(a["builtin"], a["score"], a["severity"], a["item_9"]) for a in content["check_in"]["questionnaires"]] == [
        ("phq9", 16, "moderately_severe", 0),
        ("gad7", 7, "mild", None),
    ]
    assert [(r["item_kind"], r["item"]) for r in content["check_in"]["reports"]] == [
        ("medication", medicine.display),
        ("", ""),
    ]
    assert "Latex" in content["check_in"]["reports"][1]["words"]
    [trend] = content["readings"]
    assert (trend["kind"], trend["count"], trend["recent"], trend["previous"]) == (
        "blood_pressure",
        2,
        [148.0, 93.0],
        [130.0, 83.0],
    )
    assert [t["id"] for t in content["threads"]] == [thread.pk]

    # The clinician reads it: said in words, every record line opens the row it names, and it is audited.
    clinician = _clinician(patient)
    client = sign_in(Client(), clinician, second_factor=True)
    page = client.get(reverse("staff_previsit", args=[visit.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    for words in ["PHQ-9", "score 16 of 27", "Moderately severe", "Item 9 (thoughts of self-harm): 0 of 3", "GAD-7"]:
        assert words in body, words
    assert "I stopped taking this in the spring." in body and "Dizzy in the mornings" in body
    assert "2 readings in the last 30 days, average 148/93 mmHg; higher than the 130/83 mmHg before" in body
    event = AuditEvent.objects.filter(actor=clinician, object_type="summaries.PrevisitBriefing").get()
    assert (event.patient_id, event.object_id, event.acting_as) == (patient.pk, str(row.pk), "staff")
    for line in content["changed"]:
        item = RecordItem.objects.get(pk=line["source"]["id"], patient=patient)
        target = reverse(line["source"]["url"], kwargs={"patient_id": patient.pk, **line["source"]["kwargs"]})
        opened = client.get(target)
        assert opened.status_code == 200, line
        assert item.display in opened.content.decode().replace("&#x27;", "'"), line


def test_item_9_above_0_shows_with_its_safety_conversation(clock: Any) -> None:
    patient = PatientFactory(birth_date=timezone.localdate() - timedelta(days=365 * 40))
    visit = booked_visit(patient, timezone.now() + timedelta(days=1))
    ask(visit.visit_type, "phq9")
    from messaging.factories import PoolFactory, RoutingRuleFactory
    from messaging.models import Category, Pool

    triage = PoolFactory(organization=visit.organization, name="Nurse triage", kind=Pool.Kind.NURSE_TRIAGE)
    RoutingRuleFactory(organization=visit.organization, category=Category.NEW_SYMPTOM, pool=triage)
    _answer(visit, "phq9", phq9_answers(item9=2, others=0))
    previsit.build(visit.pk)

    [answer] = PrevisitBriefing.objects.get(appointment=visit).content["check_in"]["questionnaires"]
    assert (answer["score"], answer["item_9"], answer["safety_follow_up"]) == (2, 2, True)
    client = sign_in(Client(), _clinician(patient), second_factor=True)
    body = client.get(reverse("staff_previsit", args=[visit.pk])).content.decode()
    assert 'class="previsit__alert">Item 9 (thoughts of self-harm): 2 of 3' in body
    assert reverse("staff_thread", args=[answer["alert_thread"]]) in body


# Session (read and saved), user, second factor, staff check, the header's patient, notices badge;
# then the page's own: the visit's patient, the access policy (patient, caregiver grant, staff role),
# the visit, its requests' notes, the stored briefing, the audit event (in its savepoint).
PAGE_QUERIES = 17


def test_the_build_and_the_page_cost_the_same_queries_for_a_full_record_as_for_an_empty_one(
    source: Any, clock: Any, django_assert_num_queries: Any
) -> None:
    full = _synthea_visit(source, clock)
    empty = Appointment.objects.create(
        organization=full.organization,
        patient=PatientFactory(home_organization=full.organization),
        provider=full.provider,
        location=full.location,
        visit_type=full.visit_type,
        during=(full.ends_at, full.ends_at + timedelta(minutes=30)),
        status=Appointment.Status.BOOKED,
        source=Appointment.Source.STAFF,
        booked_at=full.booked_at,
    )
    client = sign_in(Client(), _clinician(full.patient), second_factor=True)
    client.get(reverse("staff_previsit", args=[empty.pk]))  # the session's first page writes its own rows

    counts = []
    for visit in (full, empty):
        previsit.build(visit.pk)
        with CaptureQueriesContext(connection) as captured:
            previsit.build(visit.pk)
        counts.append(len(captured.captured_queries))
        with django_assert_num_queries(PAGE_QUERIES):
            assert client.get(reverse("staff_previsit", args=[visit.pk])).status_code == 200

    assert counts[0] == counts[1]


def test_booking_queues_the_build_after_the_commit_and_the_task_builds_it(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch.object(previsit, "queue_task") as queue_task, mock.patch.object(refresh, "_enqueue"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            visit = _book(clinic, datetime(2026, 12, 11, 9, 0, tzinfo=CLINIC_ZONE))
        assert queue_task.call_count == 0  # nothing before the commit
        for callback in callbacks:
            callback()
    queue_task.assert_called_once_with(
        previsit.PATIENT_TASK, str(clinic.patient.pk), countdown=refresh.debounce_seconds()
    )
    assert not PrevisitBriefing.objects.exists()

    assert previsit_for_patient(str(clinic.patient.pk)) == 1

    row = PrevisitBriefing.objects.get()
    assert (row.appointment_id, row.patient_id, row.version) == (visit.pk, clinic.patient.pk, 1)
    assert build_previsit(visit.pk) == previsit.Outcome.BUILT
    row.refresh_from_db()
    assert row.version == 2


def test_a_change_for_a_patient_with_no_upcoming_visit_queues_nothing() -> None:
    patient = PatientFactory()
    with mock.patch.object(previsit, "queue_task") as queue_task:
        previsit.patient_changed(patient.pk)
    queue_task.assert_not_called()


def test_the_evening_before_prepares_tomorrows_visits_once(clinic: Clinic, clock: Any) -> None:
    clock.move_to(datetime(2026, 12, 9, 16, 30, tzinfo=CLINIC_ZONE))
    _book(clinic, datetime(2026, 12, 9, 17, 0, tzinfo=CLINIC_ZONE))  # today
    tomorrow = _book(clinic, datetime(2026, 12, 10, 9, 0, tzinfo=CLINIC_ZONE))
    _book(clinic, datetime(2026, 12, 11, 9, 0, tzinfo=CLINIC_ZONE))  # the day after

    assert previsit.due_tomorrow(now=timezone.now()) == []  # not evening yet at the clinic

    clock.move_to(datetime(2026, 12, 9, 17, 30, tzinfo=CLINIC_ZONE))
    with mock.patch.object(previsit, "queue_task") as queue_task:
        assert previsit.prepare_tomorrow() == 1
    queue_task.assert_called_once_with(previsit.BUILD_TASK, tomorrow.pk)
    build_previsit(tomorrow.pk)

    clock.move_to(datetime(2026, 12, 9, 18, 30, tzinfo=CLINIC_ZONE))
    assert previsit.due_tomorrow(now=timezone.now()) == []  # built this evening: not again


def test_a_cancelled_visit_is_not_built() -> None:
    visit = booked_visit(PatientFactory(), timezone.now() + timedelta(days=1))
    Appointment.objects.filter(pk=visit.pk).update(status="cancelled", cancelled_at=timezone.now())

    assert previsit.build(visit.pk) == previsit.Outcome.GONE
    assert not PrevisitBriefing.objects.exists()


def test_an_unbuilt_briefing_is_asked_of_a_worker_and_the_page_says_it_is_being_prepared(
    django_capture_on_commit_callbacks: Any,
) -> None:
    visit = booked_visit(PatientFactory(), timezone.now() + timedelta(days=1))
    clinician = _clinician(visit.patient)
    client = sign_in(Client(), clinician, second_factor=True)

    with mock.patch.object(previsit, "queue_task") as queue_task, django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("staff_previsit", args=[visit.pk]))

    assert page.status_code == 200
    assert "This briefing is being prepared." in page.content.decode()
    queue_task.assert_called_once_with(previsit.BUILD_TASK, visit.pk)
    assert AuditEvent.objects.filter(actor=clinician, object_type="scheduling.Appointment").count() == 1


def test_the_schedule_links_each_visit_to_its_briefing_for_clinicians_not_the_front_desk(clinic: Clinic) -> None:
    visit = _book(clinic, datetime(2026, 12, 10, 9, 0, tzinfo=CLINIC_ZONE))
    previsit.build(visit.pk)
    other = _book(clinic, datetime(2026, 12, 10, 10, 0, tzinfo=CLINIC_ZONE))
    day = timezone.localdate(visit.starts_at, CLINIC_ZONE).isoformat()
    query = f"?provider={visit.provider_id}&day={day}"
    clinician = sign_in(Client(), _clinician(clinic.patient), second_factor=True)
    desk = sign_in(Client(), clinic.front_desk.user, second_factor=True)

    body = clinician.get(reverse("staff_schedule") + query).content.decode()
    desk_body = desk.get(reverse("staff_schedule") + query).content.decode()

    assert reverse("staff_previsit", args=[visit.pk]) in body
    assert reverse("staff_previsit", args=[other.pk]) in body
    assert body.count("(ready)") == 1 and body.count("(being prepared)") == 1
    assert "staff/summaries/" not in desk_body
