"""factory-boy factories for scheduling (tests, benchmarks)."""

from __future__ import annotations

from datetime import date, time

import factory

from portal.factories import OrganizationFactory, StaffMemberFactory
from portal.models import StaffRole
from scheduling.models import AvailabilityTemplate, Location, ProviderOffering, VisitType


class LocationFactory(factory.django.DjangoModelFactory[Location]):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Clinic building {n}")
    address = "100 Lake Street, Chicago, IL 60601"


class VisitTypeFactory(factory.django.DjangoModelFactory[VisitType]):
    class Meta:
        model = VisitType

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Visit type {n}")
    duration_minutes = 30
    min_lead_minutes = 120
    max_horizon_days = 60
    max_active_bookings = 1
    cancel_cutoff_hours = 24


class ProviderFactory(StaffMemberFactory):
    role = StaffRole.PHYSICIAN
    credentials = "MD"


class ProviderOfferingFactory(factory.django.DjangoModelFactory[ProviderOffering]):
    class Meta:
        model = ProviderOffering

    provider = factory.SubFactory(ProviderFactory)
    visit_type = factory.SubFactory(VisitTypeFactory)
    location = factory.SubFactory(LocationFactory)


class AvailabilityTemplateFactory(factory.django.DjangoModelFactory[AvailabilityTemplate]):
    class Meta:
        model = AvailabilityTemplate

    provider = factory.SubFactory(ProviderFactory)
    location = factory.SubFactory(LocationFactory)
    weekday = 0
    starts = time(9)
    ends = time(12)
    effective_from = date(2026, 1, 1)
