"""The database keeps messaging's invariants, whatever the code above it does."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from messaging.factories import (
    BusinessCalendarFactory,
    BusinessHoursFactory,
    MessageFactory,
    PoolFactory,
    RoutingRuleFactory,
    SlaPolicyFactory,
    StaffReplyFactory,
    ThreadFactory,
)
from messaging.models import BusinessHours, Category, Message, Pool, SlaEvent, SlaPolicy, Thread
from portal.factories import OrganizationFactory
from tests.messaging.conftest import MONDAY_9AM

pytestmark = pytest.mark.django_db

MON, TUE = 0, 1


def refused(**kwargs):
    """Expect the database to refuse what the block writes."""
    return pytest.raises(IntegrityError, **kwargs)


# -- opening hours ---------------------------------------------------------------------------------------


@pytest.fixture
def calendar():
    return BusinessCalendarFactory(hours=[(MON, time(8), time(12)), (MON, time(20), time(0))])


def test_overlapping_hours_on_one_day_are_refused(calendar) -> None:
    with refused(match="business_hours_no_overlap"):
        BusinessHoursFactory(calendar=calendar, weekday=MON, opens=time(11), closes=time(14))


def test_hours_overlapping_a_period_that_runs_to_midnight_are_refused(calendar) -> None:
    with refused(match="business_hours_no_overlap"):
        BusinessHoursFactory(calendar=calendar, weekday=MON, opens=time(23), closes=time(23, 30))


def test_touching_periods_other_days_and_other_calendars_are_fine(calendar) -> None:
    BusinessHoursFactory(calendar=calendar, weekday=MON, opens=time(12), closes=time(13))
    BusinessHoursFactory(calendar=calendar, weekday=TUE, opens=time(8), closes=time(17))
    BusinessHoursFactory(weekday=MON, opens=time(8), closes=time(17))

    assert BusinessHours.objects.count() == 5


def test_model_validation_says_the_hours_overlap_in_words(calendar) -> None:
    hours = BusinessHours(calendar=calendar, weekday=MON, opens=time(9), closes=time(10))

    with pytest.raises(ValidationError) as invalid:
        hours.full_clean()

    assert invalid.value.messages == ["These hours overlap other hours on the same day."]
    BusinessHours(calendar=calendar, weekday=MON, opens=time(13), closes=time(17)).full_clean()


@pytest.mark.parametrize(("opens", "closes"), [(time(17), time(8)), (time(9), time(9))])
def test_hours_must_close_after_they_open(calendar, opens: time, closes: time) -> None:
    with refused(match="business_hours_close_after_open"):
        BusinessHoursFactory(calendar=calendar, weekday=TUE, opens=opens, closes=closes)


def test_a_whole_day_is_00_00_to_00_00() -> None:
    BusinessHoursFactory(weekday=TUE, opens=time(0), closes=time(0))


def test_a_weekday_is_0_to_6() -> None:
    with refused(match="business_hours_weekday_valid"):
        BusinessHoursFactory(weekday=7)


# -- pools, rules, policies ------------------------------------------------------------------------------------


def test_an_organization_has_at_most_one_fallback_pool() -> None:
    organization = OrganizationFactory()
    PoolFactory(organization=organization, kind=Pool.Kind.FALLBACK)
    PoolFactory(organization=organization, kind=Pool.Kind.NURSE_TRIAGE)
    PoolFactory(kind=Pool.Kind.FALLBACK)  # another organization's

    with refused(match="pool_one_fallback_per_org"):
        PoolFactory(organization=organization, kind=Pool.Kind.FALLBACK)


def test_a_category_has_one_rule_per_organization() -> None:
    rule = RoutingRuleFactory(category=Category.REFILL)

    with refused(match="routing_rule_one_per_category"):
        RoutingRuleFactory(pool=rule.pool, category=Category.REFILL)


def test_an_organization_has_one_default_policy_per_urgency() -> None:
    organization = OrganizationFactory()
    SlaPolicyFactory(organization=organization, category=None)
    SlaPolicyFactory(organization=organization, category=None, urgency=Thread.Urgency.URGENT)
    SlaPolicyFactory(organization=organization, category=Category.REFILL)

    with refused(match="sla_policy_one_per_category_urgency"):
        SlaPolicyFactory(organization=organization, category=None)


def test_a_second_default_policy_is_explained_by_model_validation() -> None:
    organization = OrganizationFactory()
    SlaPolicyFactory(organization=organization, category=None)

    with pytest.raises(ValidationError) as invalid:
        SlaPolicy(organization=organization, category=None, urgency="normal", first_response_minutes=60).full_clean()

    assert invalid.value.messages == ["There is already a policy for this category and urgency."]


@pytest.mark.parametrize(("minutes", "fraction"), [(0, "0.75"), (60, "0"), (60, "1")])
def test_a_policy_needs_time_and_a_warning_inside_it(minutes: int, fraction: str) -> None:
    with refused(match="sla_policy_"):
        SlaPolicyFactory(first_response_minutes=minutes, at_risk_fraction=fraction)


# -- threads and messages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"status": "answered"}, "thread_answered_has_response"),
        ({"status": "closed"}, "thread_closed_has_time"),
        ({"closed_at": MONDAY_9AM}, "thread_closed_has_time"),
        ({"status": "waiting"}, "thread_status_valid"),
        ({"sla_state": "fine"}, "thread_sla_state_valid"),
        ({"idempotency_key": ""}, "thread_idempotency_key_given"),
        ({"at_risk_at": MONDAY_9AM, "first_response_due_at": MONDAY_9AM.replace(hour=8)}, "thread_at_risk_before_due"),
    ],
)
def test_a_thread_in_an_impossible_state_is_refused(fields, constraint: str) -> None:
    with refused(match=constraint):
        ThreadFactory(**fields)


def test_an_idempotency_key_is_unique_per_patient() -> None:
    thread = ThreadFactory(idempotency_key="form-1")
    ThreadFactory(idempotency_key="form-1")  # another patient

    with refused(match="thread_idempotency_key_unique"):
        ThreadFactory(patient=thread.patient, pool=thread.pool, idempotency_key="form-1")


def test_internal_notes_are_written_by_staff_only() -> None:
    with refused(match="message_internal_note_by_staff"):
        MessageFactory(is_internal_note=True)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"acting_as": "staff"}, "message_staff_has_role"),
        ({"acting_as": "robot"}, "message_acting_as_valid"),
        ({"patient_read_at": MONDAY_9AM}, "message_read_receipt_on_staff_reply"),
        ({"body": ""}, "message_body_given"),
    ],
)
def test_a_message_in_an_impossible_state_is_refused(fields, constraint: str) -> None:
    with refused(match=constraint):
        MessageFactory(**fields)


def test_read_receipts_go_on_staff_replies_and_never_on_notes() -> None:
    StaffReplyFactory(patient_read_at=MONDAY_9AM)

    with refused(match="message_read_receipt_on_staff_reply"), transaction.atomic():
        StaffReplyFactory(is_internal_note=True, patient_read_at=MONDAY_9AM)
    assert Message.objects.count() == 1


def test_a_milestone_is_recorded_once_per_thread() -> None:
    thread = ThreadFactory()
    SlaEvent.objects.create(thread=thread, kind=SlaEvent.Kind.BREACHED, pool=thread.pool)

    with refused(match="sla_event_once_per_kind"), transaction.atomic():
        SlaEvent.objects.create(thread=thread, kind=SlaEvent.Kind.BREACHED, pool=thread.pool)


def test_every_category_has_a_line_of_guidance() -> None:
    assert [str(category.guidance) for category in Category][:2] == [
        "A visit you have booked, or want to book, change or cancel.",
        "More of a medicine you already take. For a new problem, choose a new symptom.",
    ]
    assert all(str(category.guidance) for category in Category)
    assert Thread.Category is Category


def test_the_promise_state_shown_is_never_behind_the_clock(db: None) -> None:
    """Between two sweeps a page must not call a late answer "on track"."""
    from datetime import timedelta

    from django.utils import timezone

    from messaging.factories import ThreadFactory
    from messaging.models import Thread

    now = timezone.now()
    late = ThreadFactory(first_response_due_at=now - timedelta(minutes=1), at_risk_at=now - timedelta(hours=1))
    soon = ThreadFactory(first_response_due_at=now + timedelta(hours=1), at_risk_at=now - timedelta(minutes=1))
    fine = ThreadFactory(first_response_due_at=now + timedelta(hours=2), at_risk_at=now + timedelta(hours=1))
    answered = ThreadFactory(
        first_response_due_at=now - timedelta(minutes=1),
        at_risk_at=now - timedelta(hours=1),
        status=Thread.Status.ANSWERED,
        first_responded_at=now - timedelta(hours=2),
    )

    assert [t.sla_state_now for t in (late, soon, fine, answered)] == ["breached", "at_risk", "on_track", "on_track"]
    assert late.sla_state_now_label == "Late"
