"""No double booking, ever: 50 patients at once for one time, each on its own connection to the
real database; exactly one gets it, the 49 others are told so (with other times), and the
database holds no overlap. And one patient cannot be in two places at once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from portal.access import Action, resolve
from portal.factories import PatientFactory
from portal.models import Patient
from portal.services.errors import ServiceError
from scheduling.models import OCCUPYING, Appointment
from scheduling.services.booking import SlotUnavailable, appointment_book
from tests.scheduling.conftest import NOW, Clinic, at

ATTEMPTS = 50
SLOT = at(2026, 3, 3, 10)


def race(clinic: Clinic, attempts: list[tuple[Patient, int]], starts_at: datetime) -> list[object]:
    """Every attempt in its own thread (its own connection), released together."""
    barrier = threading.Barrier(len(attempts))
    results: list[object] = [None] * len(attempts)

    def attempt(index: int, patient: Patient, provider_id: int) -> None:
        try:
            access = resolve(patient.user, patient, Action.SCHEDULING)
            assert access is not None
            barrier.wait(timeout=60)
            results[index] = appointment_book(
                access=access,
                actor=patient.user,
                visit_type_id=clinic.follow_up.pk,
                provider_id=provider_id,
                location_id=clinic.location.pk,
                starts_at=starts_at,
                now=NOW,
            )
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(index, patient, provider_id))
        for index, (patient, provider_id) in enumerate(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def overlapping_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
              ON a.id < b.id AND a.during && b.during AND (a.provider_id = b.provider_id OR a.patient_id = b.patient_id)
             WHERE a.status = ANY(%s) AND b.status = ANY(%s)
            """,
            [list(OCCUPYING), list(OCCUPYING)],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_fifty_patients_at_once_for_one_time_exactly_one_gets_it(clinic: Clinic) -> None:
    patients = [PatientFactory(home_organization=clinic.organization) for _ in range(ATTEMPTS)]

    results = race(clinic, [(patient, clinic.dr_kim.pk) for patient in patients], SLOT)

    booked = [result for result in results if isinstance(result, Appointment)]
    refused = [result for result in results if isinstance(result, SlotUnavailable)]
    assert Counter(type(result).__name__ for result in results) == {"Appointment": 1, "SlotUnavailable": 49}
    assert booked[0].starts_at == SLOT
    assert {error.message for error in refused} == {"Sorry, that time has just been taken. Please choose another time."}
    # Every loser is offered other times nearby, none of them the time they lost.
    assert all(len(error.alternatives) == 3 for error in refused)
    assert all(
        SLOT not in {slot.starts_at for slot in error.alternatives if slot.provider_id == clinic.dr_kim.pk}
        for error in refused
    )
    assert Appointment.objects.filter(provider=clinic.dr_kim, status__in=OCCUPYING).count() == 1
    assert overlapping_pairs() == 0


@pytest.mark.django_db(transaction=True)
def test_one_patient_at_once_with_two_providers_at_the_same_time_gets_one(clinic: Clinic) -> None:
    clinic.follow_up.max_active_bookings = 2
    clinic.follow_up.save()

    results = race(clinic, [(clinic.patient, clinic.dr_kim.pk), (clinic.patient, clinic.dr_lee.pk)], SLOT)

    assert sorted(type(result).__name__ for result in results) == ["Appointment", "ServiceError"]
    refused = next(result for result in results if isinstance(result, ServiceError))
    # The patient row is locked for the booking, so the second attempt sees the first visit.
    assert refused.message == "You already have a visit at that time. Please choose another time, or change that visit."
    assert Appointment.objects.filter(patient=clinic.patient, status__in=OCCUPYING).count() == 1
    assert overlapping_pairs() == 0


def test_the_database_itself_refuses_a_patient_in_two_places(clinic: Clinic) -> None:
    clinic.book(SLOT, provider=clinic.dr_kim)

    with pytest.raises(IntegrityError, match="appointment_no_patient_overlap"), transaction.atomic():
        Appointment.objects.create(
            organization=clinic.organization,
            patient=clinic.patient,
            provider=clinic.dr_lee,
            location=clinic.location,
            visit_type=clinic.follow_up,
            during=DateTimeTZRange(at(2026, 3, 3, 10, 15), at(2026, 3, 3, 10, 45)),
            status=Appointment.Status.BOOKED,
            source=Appointment.Source.STAFF,
            booked_at=NOW,
        )
