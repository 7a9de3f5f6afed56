"""A clinic set up for messaging: a calendar, pools with staff, routing rules and SLA policies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from messaging.factories import BusinessCalendarFactory, PoolFactory, RoutingRuleFactory, SlaPolicyFactory
from messaging.models import Category, Pool, Thread
from messaging.services.threads import thread_start
from portal.access import Access, Action, resolve
from portal.factories import OrganizationFactory, PatientFactory, StaffMemberFactory
from portal.models import Organization, Patient, StaffMember, StaffRole, User

CHICAGO = ZoneInfo("America/Chicago")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Wall-clock time at the clinic (Chicago)."""
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


# Monday 2 March 2026, 09:00 at the clinic: a plain business morning.
MONDAY_9AM = at(2026, 3, 2, 9)


@dataclass
class Clinic:
    organization: Organization
    triage: Pool
    physicians: Pool
    front_desk: Pool
    nurse_lead: StaffMember
    nurse_ana: StaffMember
    nurse_ben: StaffMember
    dr_kim: StaffMember
    dr_lee: StaffMember
    receptionist: StaffMember
    patient: Patient

    def access(self, user: User, patient: Patient | None = None, action: str = Action.MESSAGING) -> Access:
        access = resolve(user, patient or self.patient, action)
        assert access is not None
        return access

    def start(self, user: User | None = None, **fields: Any) -> Thread:
        """The patient (or `user`) starts a thread, Monday 09:00 unless told otherwise."""
        user = user or self.patient.user
        values: dict[str, Any] = {
            "category": Category.NEW_SYMPTOM,
            "subject": "Rash on my arm",
            "body": "It started yesterday and itches.",
            "idempotency_key": uuid4().hex,
            "now": MONDAY_9AM,
        }
        values.update(fields)
        return thread_start(access=self.access(user), actor=user, **values)


@pytest.fixture
def clinic(db: None) -> Clinic:
    organization = OrganizationFactory(name="Lakeside Primary Care", time_zone="America/Chicago")
    BusinessCalendarFactory(organization=organization)  # weekdays 08:00-17:00

    def staff(role: str, credentials: str, name: str) -> StaffMember:
        return StaffMemberFactory(organization=organization, role=role, credentials=credentials, user__full_name=name)

    nurse_lead = staff(StaffRole.NURSE, "RN", "Nora Lead")
    nurse_ana = staff(StaffRole.NURSE, "RN", "Ana Lopez")
    nurse_ben = staff(StaffRole.NURSE, "RN", "Ben Ortiz")
    dr_kim = staff(StaffRole.PHYSICIAN, "MD", "Grace Kim")
    dr_lee = staff(StaffRole.PHYSICIAN, "MD", "Sam Lee")
    receptionist = staff(StaffRole.FRONT_DESK, "", "Jordan Reyes")
    triage = PoolFactory(
        organization=organization,
        name="Nurse triage",
        kind=Pool.Kind.NURSE_TRIAGE,
        lead=nurse_lead,
        members=[nurse_ana, nurse_ben],
    )
    physicians = PoolFactory(
        organization=organization,
        name="Physicians",
        kind=Pool.Kind.PHYSICIAN_INBOX,
        lead=dr_kim,
        members=[dr_kim, dr_lee],
    )
    front_desk = PoolFactory(
        organization=organization, name="Front desk", kind=Pool.Kind.FRONT_DESK, lead=None, members=[receptionist]
    )
    RoutingRuleFactory(organization=organization, category=Category.NEW_SYMPTOM, pool=triage)
    RoutingRuleFactory(organization=organization, category=Category.TEST_RESULT, pool=physicians)
    RoutingRuleFactory(organization=organization, category=Category.APPOINTMENT, pool=front_desk)
    # Default: one business day; urgent: two business hours; new symptoms: half a day.
    SlaPolicyFactory(
        organization=organization, category=None, urgency=Thread.Urgency.NORMAL, first_response_minutes=480
    )
    SlaPolicyFactory(
        organization=organization, category=None, urgency=Thread.Urgency.URGENT, first_response_minutes=120
    )
    SlaPolicyFactory(
        organization=organization,
        category=Category.NEW_SYMPTOM,
        urgency=Thread.Urgency.NORMAL,
        first_response_minutes=240,
    )
    patient = PatientFactory(home_organization=organization)
    return Clinic(
        organization=organization,
        triage=triage,
        physicians=physicians,
        front_desk=front_desk,
        nurse_lead=nurse_lead,
        nurse_ana=nurse_ana,
        nurse_ben=nurse_ben,
        dr_kim=dr_kim,
        dr_lee=dr_lee,
        receptionist=receptionist,
        patient=patient,
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
