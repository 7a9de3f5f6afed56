"""A clinic set up for scheduling: a location, two physicians seeing patients weekday mornings,
a follow-up visit type anyone may book, and a patient of Dr Kim's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from portal.access import Access, Action, resolve
from portal.factories import CareTeamMembershipFactory, OrganizationFactory, PatientFactory, StaffMemberFactory
from portal.models import Organization, Patient, StaffMember, StaffRole, User
from scheduling.factories import (
    AvailabilityTemplateFactory,
    LocationFactory,
    ProviderFactory,
    ProviderOfferingFactory,
    VisitTypeFactory,
)
from scheduling.models import Appointment, Location, VisitType
from scheduling.services.booking import appointment_book

CHICAGO = ZoneInfo("America/Chicago")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Wall-clock time at the clinic (Chicago)."""
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


# Monday 2 March 2026, 07:00 at the clinic, before the morning's visits.
NOW = at(2026, 3, 2, 7)


@dataclass
class Clinic:
    organization: Organization
    location: Location
    follow_up: VisitType
    dr_kim: StaffMember
    dr_lee: StaffMember
    front_desk: StaffMember
    patient: Patient

    def access(self, user: User | None = None, patient: Patient | None = None) -> Access:
        patient = patient or self.patient
        access = resolve(user or patient.user, patient, Action.SCHEDULING)
        assert access is not None
        return access

    def staff_access(self, patient: Patient | None = None) -> Access:
        return self.access(self.front_desk.user, patient)

    def book(
        self,
        starts_at: datetime,
        *,
        patient: Patient | None = None,
        provider: StaffMember | None = None,
        visit_type: VisitType | None = None,
    ) -> Appointment:
        patient = patient or self.patient
        return appointment_book(
            access=self.access(patient=patient),
            actor=patient.user,
            visit_type_id=(visit_type or self.follow_up).pk,
            provider_id=(provider or self.dr_kim).pk,
            location_id=self.location.pk,
            starts_at=starts_at,
            now=NOW,
        )

    def new_patient(self) -> Patient:
        return PatientFactory(home_organization=self.organization)


def weekday_mornings(provider: StaffMember, location: Location) -> None:
    for weekday in range(5):
        AvailabilityTemplateFactory(
            provider=provider, location=location, weekday=weekday, starts=time(9), ends=time(12)
        )


@pytest.fixture
def clinic(db: None) -> Clinic:
    organization = OrganizationFactory(
        name="Lakeside Primary Care", phone="(312) 555-0100", time_zone="America/Chicago"
    )
    location = LocationFactory(organization=organization, name="Lakeside main clinic")
    follow_up = VisitTypeFactory(organization=organization, name="Follow-up visit", name_es="Visita de seguimiento")
    dr_kim = ProviderFactory(organization=organization, user__full_name="Grace Kim")
    dr_lee = ProviderFactory(organization=organization, user__full_name="Sam Lee")
    for provider in (dr_kim, dr_lee):
        ProviderOfferingFactory(provider=provider, visit_type=follow_up, location=location)
        weekday_mornings(provider, location)
    front_desk = StaffMemberFactory(organization=organization, role=StaffRole.FRONT_DESK, credentials="")
    patient = PatientFactory(home_organization=organization)
    CareTeamMembershipFactory(patient=patient, staff=dr_kim, is_primary=True)
    return Clinic(organization, location, follow_up, dr_kim, dr_lee, front_desk, patient)
