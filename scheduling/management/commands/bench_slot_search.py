"""Benchmark: slot search for a 4-week horizon over 20 providers (issue 5).

Builds, inside a transaction that is rolled back, an organization with `--providers` providers
offering one 30-minute visit type, weekday hours 08:00-12:00 and 13:00-17:00, one day of leave
each, and `--booked` booked visits per provider spread over the four weeks; then runs the search
`--runs` times, printing the number of queries (the same whatever the size) and the timings.
"""

from __future__ import annotations

import statistics
import time as clock
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Organization, Patient, StaffMember, StaffRole, User
from scheduling.models import (
    Appointment,
    AvailabilityException,
    AvailabilityTemplate,
    Location,
    ProviderOffering,
    VisitType,
)
from scheduling.services.slots import find_slots

HORIZON_DAYS = 28


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time slot search over a 4-week horizon and N providers; everything is rolled back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--providers", type=int, default=20)
        parser.add_argument("--booked", type=int, default=40, help="Booked visits per provider.")
        parser.add_argument("--runs", type=int, default=5)

    def handle(self, *args: Any, providers: int, booked: int, runs: int, **options: Any) -> None:
        try:
            with transaction.atomic():
                visit_type = self.load(providers, booked)
                self.measure(visit_type, runs)
                raise Rollback
        except Rollback:
            self.stdout.write("Rolled back.")

    def load(self, providers: int, booked: int) -> VisitType:
        zone = ZoneInfo("America/Chicago")
        organization = Organization.objects.create(
            name="Bench clinic", kind=Organization.Kind.HOME_CLINIC, slug="bench-slot-search", time_zone=zone.key
        )
        location = Location.objects.create(organization=organization, name="Bench", address="1 Bench Street")
        visit_type = VisitType.objects.create(
            organization=organization, name="Bench visit", duration_minutes=30, max_horizon_days=HORIZON_DAYS
        )
        patient = Patient.objects.create(
            home_organization=organization, mrn="BENCH", given_name="B", family_name="Ench", birth_date=date(1980, 1, 1)
        )
        today = timezone.localdate()
        for index in range(providers):
            user = User.objects.create_user(f"bench-provider-{index}@bench.example")
            provider = StaffMember.objects.create(user=user, organization=organization, role=StaffRole.PHYSICIAN)
            ProviderOffering.objects.create(provider=provider, visit_type=visit_type, location=location)
            AvailabilityTemplate.objects.bulk_create(
                AvailabilityTemplate(
                    provider=provider,
                    location=location,
                    weekday=weekday,
                    starts=starts,
                    ends=ends,
                    effective_from=today,
                )
                for weekday in range(5)
                for starts, ends in ((time(8), time(12)), (time(13), time(17)))
            )
            leave = timezone.now() + timedelta(days=7 + index % 7)
            AvailabilityException.objects.create(provider=provider, starts_at=leave, ends_at=leave + timedelta(days=1))
            visits = []
            for number in range(booked):
                starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(
                    days=1 + number % HORIZON_DAYS, hours=number // HORIZON_DAYS
                )
                visits.append(
                    Appointment(
                        organization=organization,
                        patient=Patient.objects.create(
                            home_organization=organization,
                            mrn=f"BENCH-{index}-{number}",
                            given_name="B",
                            family_name="Ench",
                            birth_date=date(1980, 1, 1),
                        ),
                        provider=provider,
                        location=location,
                        visit_type=visit_type,
                        during=DateTimeTZRange(starts_at, starts_at + timedelta(minutes=30)),
                        status=Appointment.Status.BOOKED,
                        source=Appointment.Source.STAFF,
                        booked_at=timezone.now(),
                    )
                )
            Appointment.objects.bulk_create(visits)
        self.patient = patient
        self.stdout.write(f"Loaded {providers} providers, {providers * booked} booked visits.")
        return VisitType.objects.select_related("organization").get(pk=visit_type.pk)

    def measure(self, visit_type: VisitType, runs: int) -> None:
        timings = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = clock.perf_counter()
                search = find_slots(visit_type=visit_type, now=timezone.now(), patient=self.patient)
                timings.append((clock.perf_counter() - started) * 1000)
        self.stdout.write(
            f"{len(search.slots)} open slots on {len(search.days)} days from {len(search.providers)} providers; "
            f"{len(queries)} queries per search."
        )
        self.stdout.write(
            f"Search time over {runs} runs: median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms."
        )
