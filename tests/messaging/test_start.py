"""Starting a thread: routed to a pool, a named owner, a committed answer time, written once."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError
from django.http import Http404

from messaging import notifications
from messaging.factories import BusinessHoursFactory, HolidayFactory, PoolFactory, ThreadFactory
from messaging.models import (
    BusinessCalendar,
    Category,
    Holiday,
    Message,
    OwnershipChange,
    Pool,
    RoutingRule,
    SetupAlert,
    SlaPolicy,
    Thread,
)
from messaging.services import threads
from messaging.services.routing import NoTimeToAnswer, plan_thread
from portal.access import Action, resolve
from portal.factories import CareTeamMembershipFactory, PatientFactory, ProxyGrantFactory, StaffMemberFactory
from portal.models import AuditEvent, Notice, Scope, StaffRole
from portal.services.errors import ServiceError
from tests.messaging.conftest import MONDAY_9AM, Clinic, at

pytestmark = pytest.mark.django_db

OwnerReason = Thread.OwnerReason


# -- routing ------------------------------------------------------------------------------------------


def test_a_category_goes_to_the_pool_its_rule_names(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.NEW_SYMPTOM)

    assert (thread.pool, thread.organization, thread.status, thread.sla_state) == (
        clinic.triage,
        clinic.organization,
        Thread.Status.OPEN,
        Thread.SlaState.ON_TRACK,
    )
    assert SetupAlert.objects.count() == 0


def test_a_category_without_a_rule_goes_to_the_fallback_pool_and_raises_an_alert(clinic: Clinic, caplog) -> None:
    fallback = PoolFactory(
        organization=clinic.organization, name="Anything else", kind=Pool.Kind.FALLBACK, members=[clinic.nurse_ben]
    )

    with caplog.at_level(logging.WARNING, logger="messaging"):
        thread = clinic.start(category=Category.FORM_LETTER)

    assert (thread.pool, thread.owner, thread.owner_reason) == (fallback, clinic.nurse_ben, OwnerReason.POOL)
    alert = SetupAlert.objects.get()
    assert (alert.organization, alert.kind, alert.thread, alert.pool, alert.category) == (
        clinic.organization,
        SetupAlert.Kind.UNROUTED,
        thread,
        fallback,
        Category.FORM_LETTER,
    )
    [warning] = [record for record in caplog.records if record.name == "messaging.services.routing"]
    assert (warning.alert, warning.thread_id, warning.organization_id, warning.category) == (
        "unrouted",
        thread.pk,
        clinic.organization.pk,
        "form_letter",
    )
    # Ids, never content: the subject and body are nowhere in the log.
    assert "Rash" not in caplog.text and "itches" not in caplog.text


def test_an_organization_without_a_fallback_pool_gets_one_rather_than_losing_the_message(clinic: Clinic) -> None:
    thread = clinic.start(category=Category.BILLING)

    assert (thread.pool.kind, thread.pool.name, thread.owner) == (Pool.Kind.FALLBACK, "Fallback", None)
    assert set(SetupAlert.objects.values_list("kind", flat=True)) == {
        SetupAlert.Kind.UNROUTED,
        SetupAlert.Kind.UNSTAFFED_POOL,
        SetupAlert.Kind.NO_OWNER,
    }
    assert clinic.start(category=Category.OTHER).pool == thread.pool  # made once, then reused


# -- the owner -------------------------------------------------------------------------------------------


def test_the_owner_is_the_member_with_the_fewest_threads_waiting(clinic: Clinic) -> None:
    ThreadFactory(patient=clinic.patient, pool=clinic.triage, owner=clinic.nurse_ana)
    ThreadFactory(patient=clinic.patient, pool=clinic.triage, owner=clinic.nurse_ana)
    ThreadFactory(patient=clinic.patient, pool=clinic.triage, owner=clinic.nurse_ben)
    # Answered and closed threads are not waiting for anyone.
    ThreadFactory(
        patient=clinic.patient, pool=clinic.triage, owner=clinic.nurse_ben, status=Thread.Status.ANSWERED,
        first_responded_at=MONDAY_9AM,
    )  # fmt: skip

    thread = clinic.start()

    assert (thread.owner, thread.owner_reason) == (clinic.nurse_ben, OwnerReason.POOL)


def test_between_equally_busy_members_the_longest_serving_answers(clinic: Clinic) -> None:
    assert clinic.start().owner == clinic.nurse_ana
    assert clinic.start().owner == clinic.nurse_ben
    assert clinic.start().owner == clinic.nurse_ana


def test_inactive_members_and_roles_that_do_not_answer_messages_are_passed_over(clinic: Clinic) -> None:
    clinic.nurse_ana.is_active = False
    clinic.nurse_ana.save()
    administrator = StaffMemberFactory(organization=clinic.organization, role=StaffRole.ADMINISTRATOR)
    clinic.triage.members.add(administrator)

    assert [clinic.start().owner for _ in range(2)] == [clinic.nurse_ben, clinic.nurse_ben]


def test_in_the_physician_inbox_the_patients_primary_care_physician_answers(clinic: Clinic) -> None:
    CareTeamMembershipFactory(patient=clinic.patient, staff=clinic.dr_lee, is_primary=True)
    ThreadFactory(patient=clinic.patient, pool=clinic.physicians, owner=clinic.dr_lee)  # busier, all the same

    thread = clinic.start(category=Category.TEST_RESULT)

    assert (thread.pool, thread.owner, thread.owner_reason) == (
        clinic.physicians,
        clinic.dr_lee,
        OwnerReason.PRIMARY_CARE,
    )


def test_a_primary_care_physician_outside_the_pool_does_not_take_it(clinic: Clinic) -> None:
    elsewhere = StaffMemberFactory(role=StaffRole.PHYSICIAN)
    CareTeamMembershipFactory(patient=clinic.patient, staff=elsewhere, is_primary=True)

    thread = clinic.start(category=Category.TEST_RESULT)

    assert (thread.owner, thread.owner_reason) == (clinic.dr_kim, OwnerReason.POOL)


def test_another_patients_primary_care_physician_is_not_chosen(clinic: Clinic) -> None:
    CareTeamMembershipFactory(
        patient=PatientFactory(home_organization=clinic.organization), staff=clinic.dr_lee, is_primary=True
    )

    assert clinic.start(category=Category.TEST_RESULT).owner == clinic.dr_kim


def test_a_pool_with_nobody_in_it_falls_to_its_lead_and_raises_an_alert(clinic: Clinic) -> None:
    clinic.triage.members.clear()

    thread = clinic.start()

    assert (thread.owner, thread.owner_reason) == (clinic.nurse_lead, OwnerReason.POOL_LEAD)
    assert list(SetupAlert.objects.values_list("kind", "pool")) == [(SetupAlert.Kind.UNSTAFFED_POOL, clinic.triage.pk)]


def test_the_first_owner_is_recorded_in_the_ownership_history(clinic: Clinic) -> None:
    thread = clinic.start()

    change = OwnershipChange.objects.get(thread=thread)
    assert (change.from_owner, change.to_owner, change.reason, change.changed_by, change.at) == (
        None,
        clinic.nurse_ana,
        OwnerReason.POOL,
        None,
        MONDAY_9AM,
    )


# -- the promise --------------------------------------------------------------------------------------------


def test_due_and_at_risk_times_come_from_the_category_policy_on_the_calendar(clinic: Clinic) -> None:
    # New symptoms: 240 business minutes from Monday 09:00; at risk after 75% (180 minutes).
    thread = clinic.start(category=Category.NEW_SYMPTOM, now=at(2026, 3, 2, 15))

    assert (thread.first_response_due_at, thread.at_risk_at) == (at(2026, 3, 3, 10), at(2026, 3, 3, 9))


def test_a_category_without_its_own_policy_uses_the_organization_default(clinic: Clinic) -> None:
    # Test results: the default of 480 business minutes, from Friday 13:00: 4 hours Friday, 4 Monday.
    thread = clinic.start(category=Category.TEST_RESULT, now=at(2026, 3, 6, 13))

    assert (thread.first_response_due_at, thread.at_risk_at) == (at(2026, 3, 9, 12), at(2026, 3, 9, 10))


def test_urgent_threads_use_the_urgent_policy(clinic: Clinic) -> None:
    thread = clinic.start(urgency=Thread.Urgency.URGENT, now=at(2026, 3, 2, 16, 30))

    assert (thread.urgency, thread.first_response_due_at, thread.at_risk_at) == (
        Thread.Urgency.URGENT,
        at(2026, 3, 3, 9, 30),
        at(2026, 3, 3, 9),
    )


def test_the_at_risk_fraction_is_the_policys(clinic: Clinic) -> None:
    SlaPolicy.objects.filter(category=Category.NEW_SYMPTOM).update(at_risk_fraction="0.50")

    thread = clinic.start(now=at(2026, 3, 2, 9))

    assert (thread.first_response_due_at, thread.at_risk_at) == (at(2026, 3, 2, 13), at(2026, 3, 2, 11))


def test_a_message_sent_after_hours_is_due_counted_from_the_next_opening(clinic: Clinic) -> None:
    thread = clinic.start(now=at(2026, 3, 6, 22))  # Friday night

    assert thread.first_response_due_at == at(2026, 3, 9, 12)


def test_holidays_and_split_shifts_of_the_organization_count(clinic: Clinic) -> None:
    calendar = BusinessCalendar.objects.get(organization=clinic.organization)
    HolidayFactory(calendar=calendar, date=at(2026, 3, 3).date(), name="Closed for training")
    calendar.hours.filter(weekday=2).delete()
    BusinessHoursFactory(calendar=calendar, weekday=2, opens=time(8), closes=time(10))
    BusinessHoursFactory(calendar=calendar, weekday=2, opens=time(14), closes=time(17))

    # Monday 15:00: 2 hours Monday, Tuesday closed, Wednesday 08:00-10:00.
    thread = clinic.start(now=at(2026, 3, 2, 15))

    assert thread.first_response_due_at == at(2026, 3, 4, 10)


def test_a_cap_shortens_the_promise_and_its_at_risk_time(clinic: Clinic) -> None:
    # New symptoms would be due Monday 13:00; the cap is 10:00, so 60 business minutes, at risk after 45.
    plan = plan_thread(
        organization=clinic.organization,
        patient=clinic.patient,
        category=Category.NEW_SYMPTOM,
        urgency=Thread.Urgency.NORMAL,
        now=at(2026, 3, 2, 9),
        due_by=at(2026, 3, 2, 10),
    )

    assert (plan.first_response_due_at, plan.at_risk_at) == (at(2026, 3, 2, 10), at(2026, 3, 2, 9, 45))


def test_a_cap_later_than_the_promise_changes_nothing(clinic: Clinic) -> None:
    plan = plan_thread(
        organization=clinic.organization,
        patient=clinic.patient,
        category=Category.NEW_SYMPTOM,
        urgency=Thread.Urgency.NORMAL,
        now=at(2026, 3, 2, 9),
        due_by=at(2026, 3, 5, 9),
    )

    assert (plan.first_response_due_at, plan.at_risk_at) == (at(2026, 3, 2, 13), at(2026, 3, 2, 12))


@pytest.mark.parametrize(
    ("now", "due_by"),
    [
        (at(2026, 3, 2, 9), at(2026, 3, 2, 8, 30)),  # already past
        (at(2026, 3, 6, 17, 30), at(2026, 3, 7, 10)),  # Friday after closing, for Saturday morning
    ],
)
def test_a_cap_with_no_business_time_before_it_makes_no_promise(clinic: Clinic, now, due_by) -> None:
    with pytest.raises(NoTimeToAnswer):
        plan_thread(
            organization=clinic.organization,
            patient=clinic.patient,
            category=Category.NEW_SYMPTOM,
            urgency=Thread.Urgency.NORMAL,
            now=now,
            due_by=due_by,
        )


def test_without_a_policy_the_built_in_time_is_used_and_an_alert_raised(clinic: Clinic) -> None:
    SlaPolicy.objects.all().delete()

    thread = clinic.start(now=at(2026, 3, 2, 9), urgency=Thread.Urgency.URGENT)

    assert (thread.first_response_due_at, thread.at_risk_at) == (at(2026, 3, 2, 11), at(2026, 3, 2, 10, 30))
    assert list(SetupAlert.objects.values_list("kind", flat=True)) == [SetupAlert.Kind.NO_SLA_POLICY]


def test_without_a_calendar_weekday_office_hours_are_assumed_and_an_alert_raised(clinic: Clinic) -> None:
    BusinessCalendar.objects.all().delete()

    thread = clinic.start(now=at(2026, 3, 6, 16))

    assert thread.first_response_due_at == at(2026, 3, 9, 11)
    assert list(SetupAlert.objects.values_list("kind", flat=True)) == [SetupAlert.Kind.NO_CALENDAR]


def test_a_calendar_closed_for_a_year_is_treated_as_missing(clinic: Clinic) -> None:
    calendar = BusinessCalendar.objects.get(organization=clinic.organization)
    first = at(2026, 3, 2).date()
    Holiday.objects.bulk_create(
        Holiday(calendar=calendar, date=first + timedelta(days=n), name="Closed") for n in range(400)
    )

    thread = clinic.start(now=at(2026, 3, 6, 16))

    assert thread.first_response_due_at == at(2026, 3, 9, 11)
    assert list(SetupAlert.objects.values_list("kind", flat=True)) == [SetupAlert.Kind.NO_CALENDAR]


def test_the_calendar_is_the_organizations_own_time_zone(clinic: Clinic) -> None:
    clinic.organization.time_zone = "America/New_York"
    clinic.organization.save()
    clinic.patient.refresh_from_db()

    # 16:00 in Chicago is 17:00 in New York: closed; due Tuesday 12:00 New York time (11:00 Chicago).
    thread = clinic.start(now=at(2026, 3, 2, 16))

    assert thread.first_response_due_at == at(2026, 3, 3, 11)


# -- what is written -----------------------------------------------------------------------------------------


def test_the_first_message_is_the_patients_and_the_send_is_audited(clinic: Clinic) -> None:
    thread = clinic.start(subject="  Rash  ", body="  It itches.  ")

    message = Message.objects.get(thread=thread)
    assert (thread.subject, message.body, message.author, message.acting_as, message.author_staff) == (
        "Rash",
        "It itches.",
        clinic.patient.user,
        Message.ActingAs.SELF,
        None,
    )
    event = AuditEvent.objects.get()
    assert (
        event.actor,
        event.patient,
        event.action,
        event.object_type,
        event.object_id,
        event.acting_as,
        event.scope,
    ) == (
        clinic.patient.user,
        clinic.patient,
        AuditEvent.Action.SEND,
        "messaging.Message",
        str(message.pk),
        AuditEvent.ActingAs.SELF,
        Scope.MESSAGING,
    )


def test_a_caregiver_with_the_messaging_scope_may_start_a_thread(clinic: Clinic) -> None:
    carer = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.MESSAGING]).grantee

    thread = clinic.start(user=carer)

    message = Message.objects.get(thread=thread)
    assert (thread.patient, message.author, message.acting_as) == (clinic.patient, carer, Message.ActingAs.PROXY)
    assert AuditEvent.objects.get().acting_as == AuditEvent.ActingAs.PROXY


def test_the_pool_hears_of_a_new_thread_in_the_portal(clinic: Clinic) -> None:
    thread = clinic.start()

    assert sorted(Notice.objects.values_list("target_id", "user", "kind", "channel")) == sorted(
        (thread.pk, staff.user.pk, notifications.Kind.NEW_THREAD, Notice.Channel.IN_APP)
        for staff in (clinic.nurse_ana, clinic.nurse_ben)
    )


# -- written once ---------------------------------------------------------------------------------------------------


def test_the_same_form_sent_twice_makes_one_thread_and_writes_nothing_more(
    clinic: Clinic, django_assert_num_queries
) -> None:
    first = clinic.start(idempotency_key="form-123")

    with django_assert_num_queries(3):  # savepoint, the lookup by key, release
        again = clinic.start(idempotency_key="form-123", body="A different body (a retry after an edit)")

    assert again == first
    assert (Thread.objects.count(), Message.objects.count(), AuditEvent.objects.count()) == (1, 1, 1)


def test_losing_a_race_on_the_key_returns_the_thread_the_other_request_made(clinic: Clinic, monkeypatch) -> None:
    first = clinic.start(idempotency_key="form-123")
    # The other request committed between our look-up and our insert.
    monkeypatch.setattr(threads, "_existing", mock.Mock(side_effect=[None, first]))

    again = clinic.start(idempotency_key="form-123")

    assert again == first
    assert (Thread.objects.count(), Message.objects.count(), AuditEvent.objects.count()) == (1, 1, 1)


def test_an_integrity_error_that_is_not_the_key_is_not_swallowed(clinic: Clinic, monkeypatch) -> None:
    monkeypatch.setattr(Thread.objects, "create", mock.Mock(side_effect=IntegrityError("another constraint")))

    with pytest.raises(IntegrityError):
        clinic.start(idempotency_key="form-123")


def test_the_same_key_for_another_patient_is_another_thread(clinic: Clinic) -> None:
    other = PatientFactory(home_organization=clinic.organization)

    first = clinic.start(idempotency_key="form-123")
    second = threads.thread_start(
        access=clinic.access(other.user, other),
        actor=other.user,
        category=Category.OTHER,
        subject="Hello",
        body="Hi",
        idempotency_key="form-123",
    )

    assert first != second


# -- refused --------------------------------------------------------------------------------------------------------


def test_a_caregiver_without_the_messaging_scope_cannot_start_a_thread(clinic: Clinic) -> None:
    carer = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.RECORDS, Scope.SCHEDULING]).grantee

    # The policy gives no messaging access; an access granted for records does not stand in for it.
    assert resolve(carer, clinic.patient, Action.MESSAGING) is None
    with pytest.raises(Http404):
        threads.thread_start(
            access=clinic.access(carer, action=Action.RECORDS),
            actor=carer,
            category=Category.OTHER,
            subject="Hello",
            body="Hi",
            idempotency_key="k",
        )
    assert (Thread.objects.count(), Message.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_staff_cannot_start_a_thread_as_if_they_were_the_patient(clinic: Clinic) -> None:
    with pytest.raises(Http404):
        clinic.start(user=clinic.nurse_ana.user)

    assert Thread.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"urgency": "whenever"}, "urgency"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": ""}, "body"),
        ({"idempotency_key": ""}, None),
    ],
)
def test_what_a_thread_needs_is_checked_with_a_message_for_the_field(clinic: Clinic, fields, field) -> None:
    with pytest.raises(ServiceError) as refused:
        clinic.start(**fields)

    assert refused.value.field == field
    assert (Thread.objects.count(), SetupAlert.objects.count()) == (0, 0)


def test_routing_reads_only_the_patients_own_organization(clinic: Clinic) -> None:
    other = PatientFactory()  # another clinic, which has set nothing up
    RoutingRule.objects.update()  # (the clinic's rules exist, and must not be used)

    thread = threads.thread_start(
        access=clinic.access(other.user, other),
        actor=other.user,
        category=Category.NEW_SYMPTOM,
        subject="Hello",
        body="Hi",
        idempotency_key="k",
    )

    assert (thread.organization, thread.pool.organization, thread.pool.kind) == (
        other.home_organization,
        other.home_organization,
        Pool.Kind.FALLBACK,
    )


def test_a_new_thread_costs_a_fixed_number_of_queries(clinic: Clinic, django_assert_num_queries) -> None:
    ThreadFactory.create_batch(3, patient=clinic.patient, pool=clinic.triage, owner=clinic.nurse_ben)
    clinic.start()  # warm: content types and the like

    # ... and two for the pool's notices (who is in it, one insert).
    with django_assert_num_queries(16):
        clinic.start()
