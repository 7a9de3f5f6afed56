"""Helpers of the patient scheduling page tests: open times from the pinned clock (the pages read
it, tests/clock.py), booking one, and a waitlist offer with the link that was sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import Patient
from scheduling.forms.patient import slot_value
from scheduling.models import Appointment, WaitlistOffer
from scheduling.services.booking import appointment_book
from scheduling.services.changes import appointment_cancel
from scheduling.services.slots import Slot, find_slots, local_date
from scheduling.services.waitlist import offers_sweep, waitlist_join
from tests.conftest import sign_in
from tests.scheduling.conftest import Clinic


def url(name: str, clinic: Clinic, **kwargs: Any) -> str:
    return reverse(name, kwargs={"patient_id": clinic.patient.pk, **kwargs})


def client_for(user: Any) -> Client:
    return sign_in(Client(), user)


def open_slots(clinic: Clinic, *, days_ahead: int = 0, patient: Patient | None = None) -> list[Slot]:
    """Open follow-up times from `days_ahead` days after today on (at the clinic)."""
    now = timezone.now()
    first = local_date(clinic.follow_up, now) + timedelta(days=days_ahead)
    search = find_slots(visit_type=clinic.follow_up, now=now, patient=patient or clinic.patient, first_day=first)
    return search.slots


def value(slot: Slot) -> str:
    return slot_value(slot.provider_id, slot.location_id, slot.starts_at)


def book(clinic: Clinic, slot: Slot, patient: Patient | None = None) -> Appointment:
    patient = patient or clinic.patient
    return appointment_book(
        access=clinic.access(patient=patient),
        actor=patient.user,
        visit_type_id=clinic.follow_up.pk,
        provider_id=slot.provider_id,
        location_id=slot.location_id,
        starts_at=slot.starts_at,
    )


def offered(clinic: Clinic, waiting: list[Patient]) -> tuple[Appointment, list[tuple[WaitlistOffer, str]]]:
    """`waiting` join the waitlist; the clinic's patient cancels a visit three days ahead, so the
    time is offered to them all: each offer with the accept link mailed to its patient."""
    today = local_date(clinic.follow_up, timezone.now())
    for patient in waiting:
        waitlist_join(
            access=clinic.access(patient=patient),
            actor=patient.user,
            visit_type_id=clinic.follow_up.pk,
            earliest=today,
            latest=today + timedelta(days=30),
        )
    visit = book(clinic, open_slots(clinic, days_ahead=3)[0])
    appointment_cancel(access=clinic.access(), actor=clinic.patient.user, appointment_id=visit.pk)
    offers_sweep()
    found = []
    for offer in WaitlistOffer.objects.select_related("entry__patient__user").order_by("pk"):
        message = next(m for m in mail.outbox if m.to == [offer.entry.patient.user.email])
        found.append((offer, message.body.split("/appointments/offers/")[1].split("/accept/")[0]))
    return visit, found
