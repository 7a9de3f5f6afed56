"""SLA compliance metrics: exact numbers on a hand-built week of threads, percentiles, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messaging.factories import ThreadFactory
from messaging.models import Category, Thread
from messaging.selectors.staff_metrics import Compliance, metrics_organizations, sla_compliance
from messaging.services.sla import sla_sweep
from messaging.services.threads import thread_close, thread_reassign, thread_reply
from messaging.templatetags.messaging_staff import duration
from portal.factories import OrganizationFactory, StaffMemberFactory
from portal.models import StaffMember
from tests.messaging.conftest import Clinic, at

pytestmark = pytest.mark.django_db

# Friday 6 March 2026, 17:00 at the clinic: the end of a week of messages (Monday 2 to Friday 6).
NOW = at(2026, 3, 6, 17)


def reply(clinic: Clinic, staff: StaffMember, thread: Thread, when, *, note: bool = False) -> None:
    thread_reply(
        access=clinic.access(staff.user),
        actor=staff.user,
        thread_id=thread.pk,
        body="Noted." if note else "Here is our answer.",
        internal_note=note,
        now=when,
    )


@pytest.fixture
def week(clinic: Clinic) -> dict[str, Thread]:
    """Six threads in the week, answered fast, late, after a reassignment, never, and not yet due."""
    # Nurse triage (new symptoms: 240 business minutes); weekdays 08:00-17:00.
    t1 = clinic.start(now=at(2026, 3, 2, 9))  # Ana (least busy, longest serving); due 13:00
    t2 = clinic.start(now=at(2026, 3, 2, 9, 30))  # Ben (Ana has one waiting); due 13:30
    reply(clinic, clinic.nurse_ben, t1, at(2026, 3, 2, 9, 30), note=True)  # a note is not an answer
    reply(clinic, clinic.nurse_ana, t1, at(2026, 3, 2, 10))  # 60 business minutes, on time
    reply(clinic, clinic.nurse_ben, t2, at(2026, 3, 2, 16))  # 390 minutes: late, the breach is recorded
    t3 = clinic.start(now=at(2026, 3, 2, 16))  # Ana; due Tuesday 11:00
    thread_reassign(
        access=clinic.access(clinic.nurse_ana.user),
        actor=clinic.nurse_ana.user,
        thread_id=t3.pk,
        to_staff_id=clinic.dr_lee.pk,
        note="Needs a physician.",
        now=at(2026, 3, 2, 16, 30),
    )
    reply(clinic, clinic.dr_lee, t3, at(2026, 3, 3, 9))  # 60 + 60 = 120 business minutes, 17 hours
    t4 = clinic.start(now=at(2026, 3, 3, 9))  # Ana; due 13:00; never answered
    sla_sweep(now=at(2026, 3, 4, 9))  # breached and handed to the lead, Nora
    # Front desk (appointments: one business day).
    t5 = clinic.start(category=Category.APPOINTMENT, now=at(2026, 3, 5, 9))
    reply(clinic, clinic.receptionist, t5, at(2026, 3, 5, 10, 30))  # 90 minutes
    # Physicians (test results: one business day): due Monday 09:00, so not decided yet.
    t6 = clinic.start(category=Category.TEST_RESULT, now=at(2026, 3, 6, 10))
    # Neither counts: started before the period, and at another organization.
    ThreadFactory(patient=clinic.patient, pool=clinic.triage, created_at=NOW - timedelta(days=8))
    ThreadFactory(created_at=NOW - timedelta(days=1))
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6}


def test_per_pool(clinic: Clinic, week: dict[str, Thread]) -> None:
    metrics = sla_compliance(organization=clinic.organization, days=7, now=NOW)

    front_desk, triage, physicians = metrics.pools
    assert front_desk == Compliance(
        key=clinic.front_desk.pk,
        name="Front desk",
        threads=1,
        answered=1,
        decided=1,
        on_time=1,
        median_business_minutes=90.0,
        p90_business_minutes=90.0,
        median_hours=1.5,
        p90_hours=1.5,
    )
    assert triage == Compliance(
        key=clinic.triage.pk,
        name="Nurse triage",
        threads=4,
        answered=3,
        decided=4,  # the unanswered one fell due
        on_time=2,
        breaches=2,
        escalations=1,
        reached_physician=1,
        waiting=1,
        late_now=1,
        # [60, 120, 390] minutes; percentile_cont(0.9) = 120 + 0.8 * 270.
        median_business_minutes=120.0,
        p90_business_minutes=pytest.approx(336.0),
        # [1, 6.5, 17] hours; 6.5 + 0.8 * 10.5.
        median_hours=6.5,
        p90_hours=pytest.approx(14.9),
    )
    assert triage.on_time_percent == 50.0
    assert physicians == Compliance(
        key=clinic.physicians.pk, name="Physicians", threads=1, reached_physician=1, waiting=1
    )
    assert physicians.on_time_percent is None  # nothing decided yet


def test_per_staff_member_who_gave_the_first_answer_or_holds_the_thread(
    clinic: Clinic, week: dict[str, Thread]
) -> None:
    metrics = sla_compliance(organization=clinic.organization, days=7, now=NOW)

    rows = {row.name: row for row in metrics.staff}
    assert list(rows) == [
        "Ana Lopez, RN",
        "Ben Ortiz, RN",
        "Grace Kim, MD",
        "Jordan Reyes",
        "Nora Lead, RN",
        "Sam Lee, MD",
    ]
    assert rows["Ana Lopez, RN"] == Compliance(
        key=clinic.nurse_ana.pk,
        name="Ana Lopez, RN",
        threads=1,
        answered=1,
        decided=1,
        on_time=1,
        median_business_minutes=60.0,
        p90_business_minutes=60.0,
        median_hours=1.0,
        p90_hours=1.0,
    )
    ben = rows["Ben Ortiz, RN"]
    assert (ben.threads, ben.answered, ben.on_time, ben.breaches, ben.median_business_minutes) == (1, 1, 0, 1, 390.0)
    # Ana owned t3 when it was routed, but Dr Lee gave the first answer.
    lee = rows["Sam Lee, MD"]
    assert (lee.threads, lee.on_time, lee.reached_physician, lee.median_business_minutes, lee.median_hours) == (
        1,
        1,
        1,
        120.0,
        17.0,
    )
    # The late thread the sweep handed to the lead, still waiting.
    nora = rows["Nora Lead, RN"]
    assert (nora.threads, nora.answered, nora.decided, nora.breaches, nora.escalations, nora.late_now) == (
        1,
        0,
        1,
        1,
        1,
        1,
    )
    assert (rows["Grace Kim, MD"].waiting, rows["Grace Kim, MD"].late_now) == (1, 0)


def test_total(clinic: Clinic, week: dict[str, Thread]) -> None:
    total = sla_compliance(organization=clinic.organization, days=7, now=NOW).total

    assert (total.threads, total.answered, total.decided, total.on_time, total.on_time_percent) == (6, 4, 5, 3, 60.0)
    counts = (total.breaches, total.escalations, total.reached_physician, total.waiting, total.late_now)
    assert counts == (2, 1, 2, 2, 1)
    # [60, 90, 120, 390] minutes and [1, 1.5, 6.5, 17] hours.
    assert (total.median_business_minutes, total.p90_business_minutes) == (105.0, pytest.approx(309.0))
    assert (total.median_hours, total.p90_hours) == (4.0, pytest.approx(13.85))
    assert total.physician_percent == pytest.approx(100 * 2 / 6)


def test_the_period_is_by_when_threads_started(clinic: Clinic, week: dict[str, Thread]) -> None:
    # The last two days: only the front desk's Thursday thread and the physicians' Friday one.
    metrics = sla_compliance(organization=clinic.organization, days=2, now=NOW)

    assert [(row.name, row.threads) for row in metrics.pools] == [
        ("Front desk", 1),
        ("Nurse triage", 0),
        ("Physicians", 1),
    ]
    assert metrics.total.threads == 2


def test_a_thread_closed_unanswered_before_it_was_due_is_not_decided(clinic: Clinic) -> None:
    thread = clinic.start(now=at(2026, 3, 2, 9))
    user = clinic.patient.user
    thread_close(access=clinic.access(user), actor=user, thread_id=thread.pk, now=at(2026, 3, 2, 10))

    total = sla_compliance(organization=clinic.organization, days=7, now=NOW).total

    assert (total.threads, total.answered, total.decided, total.waiting, total.on_time_percent) == (1, 0, 0, 0, None)


def test_an_organization_without_threads_lists_its_pools_with_zeros(clinic: Clinic) -> None:
    metrics = sla_compliance(organization=clinic.organization, days=30, now=NOW)

    assert [row.threads for row in metrics.pools] == [0, 0, 0]
    assert (metrics.total, metrics.staff) == (Compliance(key=None, name=""), [])


def test_business_minutes_follow_the_calendar_across_a_weekend(clinic: Clinic) -> None:
    # Friday 16:00 to Monday 09:00: one business hour on Friday, one on Monday; 64 hours of waiting
    # (not 65: the clocks sprang forward on Sunday 8 March).
    thread = clinic.start(now=at(2026, 3, 6, 16))
    reply(clinic, clinic.nurse_ana, thread, at(2026, 3, 9, 9))

    total = sla_compliance(organization=clinic.organization, days=7, now=at(2026, 3, 9, 12)).total

    assert (total.median_business_minutes, total.median_hours) == (120.0, 64.0)


def test_the_cost_is_constant(clinic: Clinic, week: dict[str, Thread], django_assert_num_queries) -> None:
    # Calendar hours and holidays, the aggregate, pool names, staff names.
    with django_assert_num_queries(5):
        sla_compliance(organization=clinic.organization, days=7, now=NOW)
    for hour in range(9, 15):
        clinic.start(now=at(2026, 3, 6, hour), category=Category.APPOINTMENT)
    with django_assert_num_queries(5):
        assert sla_compliance(organization=clinic.organization, days=7, now=NOW).total.threads == 12


def test_the_organizations_a_user_may_see_are_those_they_work_at(clinic: Clinic) -> None:
    elsewhere = OrganizationFactory(name="Another clinic")
    StaffMemberFactory(user=clinic.nurse_ana.user, organization=elsewhere)
    StaffMemberFactory(user=clinic.nurse_ana.user, organization=OrganizationFactory(), is_active=False)

    assert metrics_organizations(clinic.nurse_ana.user) == [elsewhere, clinic.organization]
    assert metrics_organizations(clinic.patient.user) == []


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(None, ""), (0.4, "0 min"), (45, "45 min"), (120, "2 h"), (130, "2 h 10 min"), (935.6, "15 h 36 min")],
)
def test_a_duration_reads_in_hours_and_minutes(minutes: float | None, words: str) -> None:
    assert duration(minutes) == words
