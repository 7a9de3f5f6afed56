"""factory-boy factories for messaging (tests, demo and scale data)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any, cast
from uuid import uuid4

import factory
from django.utils import timezone

from messaging.models import (
    BusinessCalendar,
    BusinessHours,
    Category,
    Holiday,
    Message,
    Pool,
    RoutingRule,
    SlaPolicy,
    Thread,
)
from portal.choices import Weekday
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory

WEEKDAYS = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)


class BusinessCalendarFactory(factory.django.DjangoModelFactory[BusinessCalendar]):
    """Open Monday to Friday, 08:00-17:00, unless `hours` says otherwise: a list of
    (weekday, opens, closes), or [] for none."""

    class Meta:
        model = BusinessCalendar
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)

    @factory.post_generation
    def hours(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        rows = extracted if extracted is not None else [(day, time(8), time(17)) for day in WEEKDAYS]
        calendar = cast(BusinessCalendar, self)  # factory-boy passes the object built
        BusinessHours.objects.bulk_create(
            BusinessHours(calendar=calendar, weekday=day, opens=opens, closes=closes) for day, opens, closes in rows
        )


class BusinessHoursFactory(factory.django.DjangoModelFactory[BusinessHours]):
    class Meta:
        model = BusinessHours

    calendar = factory.SubFactory(BusinessCalendarFactory, hours=[])
    weekday = Weekday.MONDAY
    opens = time(8)
    closes = time(17)


class HolidayFactory(factory.django.DjangoModelFactory[Holiday]):
    class Meta:
        model = Holiday

    calendar = factory.SubFactory(BusinessCalendarFactory)
    date = factory.LazyFunction(timezone.localdate)
    name = "Holiday"


class PoolFactory(factory.django.DjangoModelFactory[Pool]):
    """A nurse triage pool; pass `members=[...]` to staff it."""

    class Meta:
        model = Pool
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Pool {n}")
    kind = Pool.Kind.NURSE_TRIAGE

    @factory.post_generation
    def members(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.members.set(extracted)


class RoutingRuleFactory(factory.django.DjangoModelFactory[RoutingRule]):
    class Meta:
        model = RoutingRule

    pool = factory.SubFactory(PoolFactory)
    organization = factory.SelfAttribute("pool.organization")
    category = Category.NEW_SYMPTOM


class SlaPolicyFactory(factory.django.DjangoModelFactory[SlaPolicy]):
    """The organization's default for normal urgency: one 8-hour business day."""

    class Meta:
        model = SlaPolicy

    organization = factory.SubFactory(OrganizationFactory)
    category = None
    urgency = Thread.Urgency.NORMAL
    first_response_minutes = 480


class ThreadFactory(factory.django.DjangoModelFactory[Thread]):
    """An open thread due in a day, in a pool of the patient's clinic. For a routed thread with
    its first message, use `messaging.services.threads.thread_start`."""

    class Meta:
        model = Thread

    patient = factory.SubFactory(PatientFactory)
    organization = factory.SelfAttribute("patient.home_organization")
    pool = factory.SubFactory(PoolFactory, organization=factory.SelfAttribute("..organization"))
    category = Category.NEW_SYMPTOM
    subject = "A question"
    created_at = factory.LazyFunction(timezone.now)
    last_message_at = factory.SelfAttribute("created_at")
    first_response_due_at = factory.LazyAttribute(lambda thread: thread.created_at + timedelta(days=1))
    at_risk_at = factory.LazyAttribute(lambda thread: thread.created_at + timedelta(hours=18))
    idempotency_key = factory.LazyFunction(lambda: uuid4().hex)


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    """The patient writing in their own thread."""

    class Meta:
        model = Message

    thread = factory.SubFactory(ThreadFactory)
    author = factory.LazyAttribute(lambda message: message.thread.patient.user)
    acting_as = Message.ActingAs.SELF
    body = "How should I take this?"


class StaffReplyFactory(MessageFactory):
    author_staff = factory.SubFactory(StaffMemberFactory, organization=factory.SelfAttribute("..thread.organization"))
    author = factory.LazyAttribute(lambda message: message.author_staff.user)
    acting_as = Message.ActingAs.STAFF
    body = "Take it with food."
