"""A refill request's answer time is two business days by default: the data migration gives every
configured clinic a "refill" policy (an ordinary row administrators can change), and the demo too."""

from __future__ import annotations

import importlib
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from messaging.calendar import ClinicCalendar, add_business_minutes, business_day_minutes
from messaging.factories import SlaPolicyFactory
from messaging.models import BusinessCalendar, BusinessHours, Category, SlaPolicy, Thread
from portal.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("messaging.migrations.0010_refill_sla_two_business_days")


def test_every_configured_clinic_gets_a_two_business_day_refill_policy_once() -> None:
    clinic = OrganizationFactory()
    SlaPolicyFactory(organization=clinic, category=None, urgency=Thread.Urgency.NORMAL, first_response_minutes=480)
    decided = OrganizationFactory()
    SlaPolicyFactory(organization=decided, category=None, urgency=Thread.Urgency.NORMAL, first_response_minutes=480)
    SlaPolicyFactory(
        organization=decided, category=Category.REFILL, urgency=Thread.Urgency.NORMAL, first_response_minutes=240
    )

    migration.add_refill_policies(apps, None)
    migration.add_refill_policies(apps, None)

    refill = SlaPolicy.objects.filter(category=Category.REFILL)
    assert dict(refill.values_list("organization_id", "first_response_minutes")) == {clinic.pk: 960, decided.pk: 240}


clinic_days = importlib.import_module("messaging.migrations.0011_refill_sla_clinic_business_days")


def test_two_business_days_are_two_of_the_clinics_days_due_at_the_close_of_the_second() -> None:
    clinic = OrganizationFactory()
    calendar = BusinessCalendar.objects.create(organization=clinic)
    for weekday in range(5):
        BusinessHours.objects.create(calendar=calendar, weekday=weekday, opens=time(8), closes=time(17))
    SlaPolicyFactory(
        organization=clinic, category=Category.REFILL, urgency=Thread.Urgency.NORMAL, first_response_minutes=960
    )
    changed = OrganizationFactory()
    SlaPolicyFactory(
        organization=changed, category=Category.REFILL, urgency=Thread.Urgency.NORMAL, first_response_minutes=240
    )
    no_hours = OrganizationFactory()
    SlaPolicyFactory(
        organization=no_hours, category=Category.REFILL, urgency=Thread.Urgency.NORMAL, first_response_minutes=960
    )

    clinic_days.to_clinic_days(apps, None)
    clinic_days.to_clinic_days(apps, None)

    refill = SlaPolicy.objects.filter(category=Category.REFILL)
    minutes = dict(refill.values_list("organization_id", "first_response_minutes"))
    assert minutes == {clinic.pk: 1080, changed.pk: 240, no_hours.pk: 960}
    zone = ZoneInfo("America/Chicago")
    week = ClinicCalendar.build(time_zone=zone, hours=[(day, time(8), time(17)) for day in range(5)])
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=zone)  # a Monday
    assert add_business_minutes(week, monday, minutes[clinic.pk]) == datetime(2026, 12, 8, 17, 0, tzinfo=zone)
    assert business_day_minutes([(0, time(8), time(12)), (0, time(13), time(17)), (4, time(8), time(17))]) == 540
