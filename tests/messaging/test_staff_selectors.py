"""Staff reads: the inboxes (who sees which, order, filters, constant queries, audit), quick
replies, colleagues, and the chart side panel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.http import Http404

from messaging.models import Category, QuickReply, Thread
from messaging.selectors import staff as staff_selectors
from messaging.selectors.staff import Filters, View
from messaging.services.threads import thread_reply, thread_start
from portal.access import Action
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory
from portal.models import AuditEvent, StaffRole
from records.factories import RecordItemFactory
from records.models import HomeReading, RecordItem
from records.services.readings import Level, reading_record
from tests.messaging.conftest import Clinic, at

pytestmark = pytest.mark.django_db


def page(clinic: Clinic, user, pool=None, **filters) -> staff_selectors.InboxPage:
    return staff_selectors.inbox_threads(actor=user, pool=pool, filters=Filters(**filters))


def test_a_pool_inbox_lists_waiting_threads_soonest_due_first(clinic: Clinic) -> None:
    later = clinic.start(subject="Later", now=at(2026, 3, 2, 9))
    urgent = clinic.start(subject="Urgent", urgency=Thread.Urgency.URGENT, now=at(2026, 3, 2, 11))
    earlier = clinic.start(subject="Earlier", now=at(2026, 3, 2, 8))
    clinic.start(category=Category.APPOINTMENT)  # another pool

    threads = page(clinic, clinic.nurse_ana.user, clinic.triage).threads

    # Urgent at 11:00 is due 13:00; the others 4 business hours after they came in.
    assert [t.subject for t in threads] == ["Earlier", "Later", "Urgent"]
    assert [t.first_response_due_at for t in threads] == [
        earlier.first_response_due_at,
        later.first_response_due_at,
        urgent.first_response_due_at,
    ]


def test_filters_and_views(clinic: Clinic) -> None:
    user = clinic.nurse_ana.user
    normal = clinic.start(subject="Normal")
    clinic.start(subject="Urgent", urgency=Thread.Urgency.URGENT)
    clinic.start(subject="Refill", category=Category.REFILL)  # no rule: the fallback pool
    Thread.objects.filter(pk=normal.pk).update(sla_state=Thread.SlaState.AT_RISK)
    answered = clinic.start(subject="Answered")
    thread_reply(access=clinic.access(user), actor=user, thread_id=answered.pk, body="Done")

    def subjects(**filters) -> list[str]:
        return [t.subject for t in page(clinic, user, clinic.triage, **filters).threads]

    assert subjects(urgency=Thread.Urgency.URGENT) == ["Urgent"]
    assert subjects(sla_state=Thread.SlaState.AT_RISK) == ["Normal"]
    assert subjects(category=Category.REFILL) == []
    assert subjects(view=View.ANSWERED) == ["Answered"]
    assert subjects(view=View.CLOSED) == []
    assert subjects() == ["Urgent", "Normal"]  # due in 2 business hours, and in 4


def test_mine_lists_the_threads_i_own_in_any_pool(clinic: Clinic) -> None:
    ana = clinic.nurse_ana
    first = clinic.start()  # ana: least busy, lowest id
    clinic.start()  # ben
    Thread.objects.filter(pk=clinic.start(category=Category.APPOINTMENT).pk).update(owner=ana)

    threads = page(clinic, ana.user).threads

    assert first.owner == ana
    assert [(t.pool, t.owner) for t in threads] == [(clinic.triage, ana), (clinic.front_desk, ana)]


def test_pools_are_seen_by_their_members_and_lead_only(clinic: Clinic) -> None:
    keys = {
        "ana": [i.key for i in staff_selectors.inboxes(clinic.nurse_ana.user)],
        "lead": [i.key for i in staff_selectors.inboxes(clinic.nurse_lead.user)],
        "desk": [i.key for i in staff_selectors.inboxes(clinic.receptionist.user)],
    }

    assert keys == {
        "ana": ["mine", str(clinic.triage.pk)],
        "lead": ["mine", str(clinic.triage.pk)],
        "desk": ["mine", str(clinic.front_desk.pk)],
    }
    assert staff_selectors.inbox_pool(clinic.nurse_lead.user, clinic.triage.pk) == clinic.triage
    with pytest.raises(Http404):
        staff_selectors.inbox_pool(clinic.receptionist.user, clinic.triage.pk)


def test_an_administrator_in_a_pool_sees_no_thread(clinic: Clinic) -> None:
    admin = StaffMemberFactory(organization=clinic.organization, role=StaffRole.ADMINISTRATOR)
    clinic.triage.members.add(admin)
    clinic.start()

    assert page(clinic, admin.user, clinic.triage).threads == []
    assert [i.waiting for i in staff_selectors.inboxes(admin.user)] == [0, 0]


def test_a_thread_of_a_patient_out_of_reach_never_shows(clinic: Clinic) -> None:
    thread = clinic.start()
    # The patient moved to another clinic: the access policy no longer lets this clinic's staff in.
    clinic.patient.home_organization = OrganizationFactory()
    clinic.patient.save()

    assert page(clinic, clinic.nurse_ana.user, clinic.triage).threads == []
    assert staff_selectors.waiting_count(clinic.nurse_ana.user) == 0
    assert thread.pool == clinic.triage


def test_inbox_counts(clinic: Clinic) -> None:
    clinic.start()  # ana
    clinic.start()  # ben
    clinic.start(category=Category.APPOINTMENT)
    ana = clinic.nurse_ana.user

    inboxes = staff_selectors.inboxes(ana)

    assert [(i.key, i.waiting) for i in inboxes] == [("mine", 1), (str(clinic.triage.pk), 2)]
    assert staff_selectors.waiting_count(ana) == 2
    assert staff_selectors.waiting_count(clinic.receptionist.user) == 1


def _threads(clinic: Clinic, n: int) -> None:
    """`n` threads, each from a different patient (so the audit writes `n` rows)."""
    for _number in range(n):
        _start_for(clinic, PatientFactory(home_organization=clinic.organization))


def _start_for(clinic: Clinic, patient) -> None:
    thread_start(
        access=clinic.access(patient.user, patient),
        actor=patient.user,
        category=Category.NEW_SYMPTOM,
        subject="A question",
        body="Details",
        idempotency_key=uuid4().hex,
        now=at(2026, 3, 2, 9),
    )


@pytest.mark.parametrize("threads", [1, 6])
def test_the_inbox_takes_the_same_queries_however_many_threads(
    clinic: Clinic, django_assert_num_queries, threads: int
) -> None:
    _threads(clinic, threads)
    ana = clinic.nurse_ana.user

    # The threads with their patients, owners and pools; the audit rows in one insert.
    with django_assert_num_queries(2):
        shown = page(clinic, ana, clinic.triage)
    assert len(shown.threads) == shown.total == threads
    # The pools, the waiting counts per pool, mine.
    with django_assert_num_queries(3):
        staff_selectors.inboxes(ana)


def test_a_full_page_counts_the_rest(clinic: Clinic, django_assert_num_queries) -> None:
    _threads(clinic, 3)

    with django_assert_num_queries(3):
        shown = staff_selectors.inbox_threads(
            actor=clinic.nurse_ana.user, pool=clinic.triage, filters=Filters(), limit=2
        )

    assert (len(shown.threads), shown.total) == (2, 3)


def test_each_patient_shown_is_audited_once(clinic: Clinic) -> None:
    clinic.start()
    clinic.start()
    other = PatientFactory(home_organization=clinic.organization)
    _start_for(clinic, other)

    page(clinic, clinic.nurse_lead.user, clinic.triage)

    events = AuditEvent.objects.filter(actor=clinic.nurse_lead.user)
    assert sorted((e.patient_id, e.object_type, e.action, e.acting_as, e.scope) for e in events) == sorted(
        (p.pk, "messaging.StaffInbox", "view", "staff", Action.MESSAGING) for p in (clinic.patient, other)
    )


# -- one thread ---------------------------------------------------------------------------------------------


def test_quick_replies_in_the_patients_language_first_for_the_category(clinic: Clinic) -> None:
    clinic.patient.preferred_language = "es"
    clinic.patient.save()
    org = clinic.organization
    QuickReply.objects.create(organization=org, title="Book a visit", body="Please book.", language="en")
    QuickReply.objects.create(organization=org, title="Pida una cita", body="Pida una cita.", language="es")
    QuickReply.objects.create(organization=org, title="Refill sent", body="Sent.", categories=[Category.REFILL])
    QuickReply.objects.create(organization=org, title="Old", body="Old.", is_active=False)
    QuickReply.objects.create(organization=OrganizationFactory(), title="Elsewhere", body="No.")
    thread = clinic.start()
    thread = Thread.objects.select_related("patient").get(pk=thread.pk)

    assert [r.title for r in staff_selectors.quick_replies(thread)] == ["Pida una cita", "Book a visit"]


def test_colleagues_are_the_clinics_answering_staff_except_the_owner(clinic: Clinic) -> None:
    StaffMemberFactory(organization=clinic.organization, role=StaffRole.ADMINISTRATOR)
    StaffMemberFactory(organization=clinic.organization, role=StaffRole.NURSE, is_active=False)
    StaffMemberFactory(role=StaffRole.NURSE)  # another clinic
    thread = clinic.start()

    names = [m.user.full_name for m in staff_selectors.colleagues(thread)]

    assert names == ["Ben Ortiz", "Grace Kim", "Jordan Reyes", "Nora Lead", "Sam Lee"]


def test_the_thread_page_read_is_audited_and_refused_to_the_patient(clinic: Clinic) -> None:
    thread = clinic.start()

    nurse = clinic.nurse_ana.user

    shown = staff_selectors.thread_for_staff(access=clinic.access(nurse), actor=nurse, thread_id=thread.pk)

    assert [m.body for m in shown.messages] == ["It started yesterday and itches."]
    assert AuditEvent.objects.filter(actor=nurse, object_type="messaging.Thread").count() == 1
    with pytest.raises(Http404):
        staff_selectors.thread_for_staff(
            access=clinic.access(clinic.patient.user), actor=clinic.patient.user, thread_id=thread.pk
        )


def test_the_chart_panel_shows_current_items_and_latest_results(clinic: Clinic) -> None:
    patient, source = clinic.patient, clinic.organization

    def item(kind: str, display: str, status: str = "active", **fields) -> RecordItem:
        return RecordItemFactory(patient=patient, source=source, kind=kind, display=display, status=status, **fields)

    item(RecordItem.Kind.PROBLEM, "Hypertension")
    item(RecordItem.Kind.PROBLEM, "Sprained ankle", status="resolved")
    item(RecordItem.Kind.MEDICATION, "Lisinopril 10 mg")
    item(RecordItem.Kind.MEDICATION, "Amoxicillin", status="completed")
    item(RecordItem.Kind.ALLERGY, "Penicillin")
    RecordItemFactory(patient=patient, source=source)  # a result
    nurse = clinic.nurse_ana.user
    access = clinic.access(nurse, action=Action.RECORDS)

    summary = staff_selectors.chart_summary(access=access, actor=nurse, now=at(2026, 3, 2, 9))

    assert [g.item.display for g in summary.problems] == ["Hypertension"]
    assert [g.item.display for g in summary.medications] == ["Lisinopril 10 mg"]
    assert [g.item.display for g in summary.allergies] == ["Penicillin"]
    assert len(summary.latest_results) == 1
    assert AuditEvent.objects.filter(actor=nurse, object_type="messaging.ChartPanel").count() == 1
    with pytest.raises(Http404):
        staff_selectors.chart_summary(
            access=clinic.access(nurse), actor=nurse, now=at(2026, 3, 2, 9)
        )  # granted for messaging only


def _home_reading(clinic: Clinic, taken_at, **values) -> None:
    patient = clinic.patient
    access = clinic.access(patient.user, action=Action.RECORDS)
    kind = values.pop("kind", HomeReading.Kind.BLOOD_PRESSURE)
    reading_record(access=access, actor=patient.user, kind=kind, taken_at=taken_at, **values)


def test_the_chart_panel_shows_recent_home_readings_judged_in_words(clinic: Clinic) -> None:
    now = at(2026, 3, 2, 9)
    _home_reading(clinic, now - timedelta(days=20), systolic=150, diastolic=95)  # too old for the panel
    _home_reading(clinic, now - timedelta(days=2), systolic=128, diastolic=82)
    _home_reading(clinic, now - timedelta(days=1), kind=HomeReading.Kind.GLUCOSE, value=Decimal(260))
    _home_reading(clinic, now - timedelta(minutes=1), systolic=182, diastolic=124)
    other = PatientFactory(home_organization=clinic.organization)
    HomeReading.objects.create(
        patient=other, kind="blood_pressure", systolic=200, diastolic=130, taken_at=now, entered_by=other.user
    )
    nurse = clinic.nurse_ana.user
    access = clinic.access(nurse, action=Action.RECORDS)

    summary = staff_selectors.chart_summary(access=access, actor=nurse, now=now)

    assert [(j.reading.kind, j.level) for j in summary.home_readings] == [
        ("blood_pressure", Level.EMERGENCY),
        ("glucose", Level.OUT_OF_RANGE),
        ("blood_pressure", Level.IN_RANGE),
    ]
    assert (
        AuditEvent.objects.filter(
            actor=nurse, patient=clinic.patient, object_type="records.HomeReadings", object_id="recent"
        ).count()
        == 1
    )
