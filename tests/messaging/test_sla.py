"""The SLA sweep: warns at risk, breaches and escalates to the pool lead, once, with indexed queries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from messaging import notifications
from messaging.factories import ThreadFactory
from messaging.models import OwnershipChange, SetupAlert, SlaEvent, Thread
from messaging.services import sla
from messaging.services.sla import at_risk_candidates, breach_candidates, sla_sweep
from portal.access import Action
from portal.factories import StaffMemberFactory
from portal.models import AuditEvent, Notice
from tests.messaging.conftest import MONDAY_9AM, Clinic, at

pytestmark = pytest.mark.django_db

State = Thread.SlaState
NOW = at(2026, 3, 2, 12)


def waiting(clinic: Clinic, *, at_risk_in: timedelta, due_in: timedelta, **fields) -> Thread:
    """A thread in the triage pool owned by Ana, waiting for its first answer, relative to NOW."""
    values = {
        "patient": clinic.patient,
        "pool": clinic.triage,
        "owner": clinic.nurse_ana,
        "owner_reason": Thread.OwnerReason.POOL,
        "created_at": MONDAY_9AM,
        "at_risk_at": NOW + at_risk_in,
        "first_response_due_at": NOW + due_in,
    }
    values.update(fields)
    return ThreadFactory(**values)


def on_track(clinic: Clinic, **fields) -> Thread:
    return waiting(clinic, at_risk_in=timedelta(minutes=1), due_in=timedelta(hours=1), **fields)


def at_risk(clinic: Clinic, **fields) -> Thread:
    return waiting(clinic, at_risk_in=timedelta(minutes=-1), due_in=timedelta(hours=1), **fields)


def late(clinic: Clinic, **fields) -> Thread:
    return waiting(clinic, at_risk_in=timedelta(hours=-2), due_in=timedelta(minutes=-1), **fields)


def refreshed(thread: Thread) -> Thread:
    thread.refresh_from_db()
    return thread


# -- at risk --------------------------------------------------------------------------------------------


def test_a_thread_past_its_at_risk_time_is_marked_and_recorded_once(clinic: Clinic) -> None:
    thread = at_risk(clinic)
    untouched = on_track(clinic)

    assert sla_sweep(now=NOW) == {"breached": 0, "escalated": 0, "at_risk": 1}

    assert (refreshed(thread).sla_state, refreshed(thread).owner, refreshed(untouched).sla_state) == (
        State.AT_RISK,
        clinic.nurse_ana,
        State.ON_TRACK,
    )
    assert list(SlaEvent.objects.values_list("thread", "kind", "at", "pool", "owner")) == [
        (thread.pk, SlaEvent.Kind.AT_RISK, NOW, clinic.triage.pk, clinic.nurse_ana.pk)
    ]


def test_the_owner_is_warned_in_the_portal_by_a_notice_written_with_the_mark(clinic: Clinic) -> None:
    thread = at_risk(clinic)

    sla_sweep(now=NOW)

    assert list(Notice.objects.values_list("target_id", "user", "kind", "channel")) == [
        (thread.pk, clinic.nurse_ana.user.pk, notifications.Kind.AT_RISK, Notice.Channel.IN_APP)
    ]


# -- breached and escalated -------------------------------------------------------------------------


def test_a_late_thread_is_breached_and_handed_to_the_pool_lead(clinic: Clinic) -> None:
    thread = late(clinic)

    assert sla_sweep(now=NOW) == {"breached": 1, "escalated": 1, "at_risk": 0}

    thread = refreshed(thread)
    assert (thread.sla_state, thread.owner, thread.owner_reason, thread.status) == (
        State.BREACHED,
        clinic.nurse_lead,
        Thread.OwnerReason.BREACH,
        Thread.Status.OPEN,
    )
    assert list(SlaEvent.objects.order_by("pk").values_list("kind", "at", "pool", "owner")) == [
        (SlaEvent.Kind.BREACHED, NOW, clinic.triage.pk, clinic.nurse_ana.pk),  # whose promise it was
        (SlaEvent.Kind.ESCALATED, NOW, clinic.triage.pk, clinic.nurse_lead.pk),  # who has it now
    ]
    change = OwnershipChange.objects.get(thread=thread)
    assert (change.from_owner, change.to_owner, change.reason, change.changed_by, change.at) == (
        clinic.nurse_ana,
        clinic.nurse_lead,
        Thread.OwnerReason.BREACH,
        None,
        NOW,
    )
    event = AuditEvent.objects.get()
    assert (
        event.actor,
        event.acting_as,
        event.patient,
        event.action,
        event.object_type,
        event.object_id,
        event.scope,
    ) == (
        None,
        AuditEvent.ActingAs.SYSTEM,
        clinic.patient,
        AuditEvent.Action.UPDATE,
        "messaging.Thread",
        str(thread.pk),
        Action.MESSAGING,
    )


def test_a_thread_at_risk_then_late_has_both_milestones(clinic: Clinic) -> None:
    thread = waiting(clinic, at_risk_in=timedelta(minutes=-1), due_in=timedelta(minutes=30))
    sla_sweep(now=NOW)

    assert sla_sweep(now=NOW + timedelta(minutes=30)) == {"breached": 1, "escalated": 1, "at_risk": 0}

    assert refreshed(thread).sla_state == State.BREACHED
    assert list(SlaEvent.objects.order_by("pk").values_list("kind", flat=True)) == ["at_risk", "breached", "escalated"]


def test_a_thread_found_late_is_not_also_marked_at_risk(clinic: Clinic) -> None:
    late(clinic)

    sla_sweep(now=NOW)

    assert SlaEvent.objects.filter(kind=SlaEvent.Kind.AT_RISK).count() == 0


def test_when_the_lead_already_owns_it_nothing_moves(clinic: Clinic) -> None:
    thread = late(clinic, owner=clinic.nurse_lead)

    assert sla_sweep(now=NOW) == {"breached": 1, "escalated": 0, "at_risk": 0}

    assert (refreshed(thread).owner, OwnershipChange.objects.count(), SetupAlert.objects.count()) == (
        clinic.nurse_lead,
        0,
        0,
    )


@pytest.mark.parametrize("lead", ["none", "inactive"])
def test_a_late_thread_with_no_lead_to_take_it_raises_an_alert(clinic: Clinic, lead: str) -> None:
    clinic.triage.lead = (
        None if lead == "none" else StaffMemberFactory(organization=clinic.organization, is_active=False)
    )
    clinic.triage.save()
    thread = late(clinic)

    assert sla_sweep(now=NOW) == {"breached": 1, "escalated": 0, "at_risk": 0}

    assert (refreshed(thread).sla_state, refreshed(thread).owner) == (State.BREACHED, clinic.nurse_ana)
    assert list(SetupAlert.objects.values_list("kind", "thread", "pool")) == [
        (SetupAlert.Kind.NO_LEAD, thread.pk, clinic.triage.pk)
    ]


def test_the_new_owner_hears_of_the_breach_in_the_portal(clinic: Clinic) -> None:
    thread = late(clinic)

    sla_sweep(now=NOW)

    assert list(
        Notice.objects.filter(kind=notifications.Kind.BREACHED).values_list("target_id", "user", "channel")
    ) == [(thread.pk, clinic.nurse_lead.user.pk, Notice.Channel.IN_APP)]


# -- what the sweep leaves alone, and running twice ------------------------------------------------------


def test_answered_closed_and_on_track_threads_are_left_alone(clinic: Clinic) -> None:
    answered = late(clinic, status=Thread.Status.ANSWERED, first_responded_at=MONDAY_9AM)
    # Answered, then the patient wrote again: it waits for the clinic, but the first answer was given.
    followed_up = late(clinic, first_responded_at=MONDAY_9AM)
    closed = late(clinic, status=Thread.Status.CLOSED, closed_at=MONDAY_9AM)
    fine = on_track(clinic)

    assert sla_sweep(now=NOW) == {"breached": 0, "escalated": 0, "at_risk": 0}

    assert [refreshed(t).sla_state for t in (answered, followed_up, closed, fine)] == [State.ON_TRACK] * 4
    assert (SlaEvent.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_the_sweep_is_idempotent(clinic: Clinic) -> None:
    late(clinic)
    at_risk(clinic)
    first = sla_sweep(now=NOW)
    rows = (SlaEvent.objects.count(), OwnershipChange.objects.count(), AuditEvent.objects.count())

    second = sla_sweep(now=NOW)

    assert (first, second) == (
        {"breached": 1, "escalated": 1, "at_risk": 1},
        {"breached": 0, "escalated": 0, "at_risk": 0},
    )
    assert (SlaEvent.objects.count(), OwnershipChange.objects.count(), AuditEvent.objects.count()) == rows == (3, 1, 1)


def test_a_milestone_already_recorded_is_not_recorded_again(clinic: Clinic) -> None:
    # As if a sweep had recorded the breach and died before the thread row said so.
    thread = late(clinic)
    SlaEvent.objects.create(
        thread=thread, kind=SlaEvent.Kind.BREACHED, at=NOW, pool=clinic.triage, owner=clinic.nurse_ana
    )

    sla_sweep(now=NOW)

    assert SlaEvent.objects.filter(thread=thread, kind=SlaEvent.Kind.BREACHED).count() == 1
    assert refreshed(thread).sla_state == State.BREACHED


def test_the_sweep_works_in_chunks_until_done(clinic: Clinic, monkeypatch) -> None:
    monkeypatch.setattr(sla, "SWEEP_CHUNK", 2)
    for _ in range(5):
        late(clinic)
    for _ in range(3):
        at_risk(clinic)

    assert sla_sweep(now=NOW) == {"breached": 5, "escalated": 5, "at_risk": 3}
    assert Thread.objects.filter(sla_state=State.ON_TRACK).count() == 0


def test_the_sweep_costs_the_same_queries_however_many_threads(clinic: Clinic, django_assert_num_queries) -> None:
    late(clinic)
    at_risk(clinic)
    late(clinic, pool=clinic.front_desk, owner=clinic.receptionist)  # no lead: an alert as well
    with django_assert_num_queries(8):
        # Each chunk is one set-based statement (select, update, events, ownership changes, audit
        # and alerts in data-modifying CTEs) and one for the owners' in-app notices, between a
        # savepoint and its release.
        assert sla_sweep(now=NOW) == {"breached": 2, "escalated": 1, "at_risk": 1}

    for _ in range(6):
        late(clinic)
        at_risk(clinic)
        late(clinic, pool=clinic.front_desk, owner=clinic.receptionist)
    with django_assert_num_queries(8):
        assert sla_sweep(now=NOW) == {"breached": 12, "escalated": 6, "at_risk": 6}


def test_an_empty_sweep_is_two_statements_and_two_savepoints(db: None, django_assert_num_queries) -> None:
    with django_assert_num_queries(6):
        assert sla_sweep() == {"breached": 0, "escalated": 0, "at_risk": 0}


# -- the indexes answer the sweep's questions -------------------------------------------------------------


def explain(sql: str, params: tuple) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        # On a tiny table the planner rightly prefers a scan; forbidding it shows the index can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("query", "index"),
    [(breach_candidates, "thread_sla_breach_due"), (at_risk_candidates, "thread_sla_at_risk_due")],
)
def test_each_sweep_query_is_answered_by_its_partial_index(clinic: Clinic, query, index: str) -> None:
    on_track(clinic)
    sql, params = query(NOW)[: sla.SWEEP_CHUNK].query.sql_with_params()

    plan = explain(sql, params)

    assert f"Index Scan using {index} on messaging_thread" in plan, plan


# -- concurrent sweeps share the work ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_thread_locked_by_another_transaction_is_skipped_not_waited_for(clinic: Clinic) -> None:
    busy = late(clinic)
    free = late(clinic)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                Thread.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=hold_lock)
    other.start()
    assert locked.wait(10)
    try:
        first = sla_sweep(now=NOW)
    finally:
        release.set()
        other.join()

    assert first == {"breached": 1, "escalated": 1, "at_risk": 0}
    assert (refreshed(free).sla_state, refreshed(busy).sla_state) == (State.BREACHED, State.ON_TRACK)
    assert sla_sweep(now=NOW) == {"breached": 1, "escalated": 1, "at_risk": 0}  # the next run picks it up
