"""Arranging the staff scheduling pages' data on the pinned clock (the pages ask timezone.now()):
visits today and in the past through the booking path, and requests made as the patient."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from portal.access import Action, resolve
from portal.models import Patient, StaffMember, User
from scheduling.models import Appointment, AppointmentRequest, VisitType
from scheduling.services.booking import insert_appointment
from scheduling.services.changes import visit_request
from tests.scheduling.conftest import CHICAGO


def soon(minutes: int) -> datetime:
    """A time `minutes` from now, on a five-minute mark (negative: in the past)."""
    moment = timezone.now() + timedelta(minutes=minutes)
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def today_at(hour: int, minute: int = 0) -> datetime:
    """A time today at the clinic (Chicago), past or future."""
    today = timezone.localdate(timezone.now(), CHICAGO)
    return datetime.combine(today, time(hour), tzinfo=CHICAGO) + timedelta(minutes=minute)


def visit(
    *, patient: Patient, provider: StaffMember, visit_type: VisitType, starts_at: datetime, actor: User
) -> Appointment:
    """A booked visit at any time, past or future, as staff put it in the calendar."""
    location = provider.offerings.get(visit_type=visit_type).location
    with transaction.atomic():  # browser tests run outside the test's transaction
        return insert_appointment(
            patient=patient,
            visit_type=visit_type,
            provider_id=provider.pk,
            location_id=location.pk,
            starts_at=starts_at,
            status=Appointment.Status.BOOKED,
            source=Appointment.Source.STAFF,
            actor=actor,
            now=min(starts_at, timezone.now()) - timedelta(days=1),
        )


def ask_for(patient: Patient, visit_type: VisitType, note: str = "Mornings please") -> AppointmentRequest:
    """The patient asks for a visit of a type staff book."""
    access = resolve(patient.user, patient, Action.SCHEDULING)
    assert access is not None
    return visit_request(access=access, actor=patient.user, visit_type_id=visit_type.pk, note=note)
