"""Slot search over 20 providers and four weeks runs the same four queries as over one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.factories import PatientFactory
from scheduling.factories import ProviderFactory, ProviderOfferingFactory
from scheduling.models import Appointment, AvailabilityException, VisitType
from scheduling.services.slots import find_slots
from tests.scheduling.conftest import NOW, Clinic, at, weekday_mornings


def add_providers(clinic: Clinic, count: int) -> None:
    for index in range(count):
        provider = ProviderFactory(organization=clinic.organization)
        ProviderOfferingFactory(provider=provider, visit_type=clinic.follow_up, location=clinic.location)
        weekday_mornings(provider, clinic.location)
        AvailabilityException.objects.create(
            provider=provider, starts_at=at(2026, 3, 10, 9), ends_at=at(2026, 3, 10, 12)
        )
        Appointment.objects.create(
            organization=clinic.organization,
            patient=PatientFactory(home_organization=clinic.organization),
            provider=provider,
            location=clinic.location,
            visit_type=clinic.follow_up,
            during=(at(2026, 3, 3, 9 + index % 3), at(2026, 3, 3, 9 + index % 3, 30)),
            status=Appointment.Status.BOOKED,
            source=Appointment.Source.STAFF,
            booked_at=NOW,
        )


@pytest.mark.parametrize("providers", [0, 18])
def test_four_weeks_over_twenty_providers_take_four_queries(
    clinic: Clinic, providers: int, django_assert_num_queries
) -> None:
    add_providers(clinic, providers)
    visit_type = VisitType.objects.select_related("organization").get(pk=clinic.follow_up.pk)

    with django_assert_num_queries(4):
        search = find_slots(
            visit_type=visit_type, now=NOW, patient=clinic.patient, last_day=(NOW + timedelta(days=27)).date()
        )

    # 20 weekdays of 6 slots per provider, less the first Tuesday's one booked slot and the second
    # Tuesday's leave for each added provider.
    total = 2 + providers
    assert len(search.slots) == total * 20 * 6 - providers * (1 + 6)
    assert len(search.days) == 20
