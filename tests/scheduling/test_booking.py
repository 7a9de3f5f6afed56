"""Hold, confirm, book (patient and staff), the loser's message, and who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404

from portal.access import Action, resolve
from portal.factories import ProxyGrantFactory
from portal.models import AuditEvent
from portal.services.errors import ServiceError
from scheduling.models import Appointment, Reminder
from scheduling.services.booking import SlotUnavailable, appointment_book, appointment_confirm_hold, appointment_hold
from scheduling.services.changes import holds_sweep
from tests.scheduling.conftest import NOW, Clinic, at

Status = Appointment.Status


def hold(clinic: Clinic, starts_at, *, patient=None, now=NOW):  # type: ignore[no-untyped-def]
    patient = patient or clinic.patient
    return appointment_hold(
        access=clinic.access(patient=patient),
        actor=patient.user,
        visit_type_id=clinic.follow_up.pk,
        provider_id=clinic.dr_kim.pk,
        location_id=clinic.location.pk,
        starts_at=starts_at,
        now=now,
    )


def test_a_hold_then_its_confirmation_books_the_time_with_reminders_and_audit(clinic: Clinic) -> None:
    held = hold(clinic, at(2026, 3, 10, 9))

    assert (held.status, held.hold_expires_at) == (Status.HELD, NOW + timedelta(minutes=5))
    booked = appointment_confirm_hold(
        access=clinic.access(), actor=clinic.patient.user, hold_id=held.pk, now=NOW + timedelta(minutes=2)
    )

    assert (booked.pk, booked.status, booked.booked_at) == (held.pk, Status.BOOKED, NOW + timedelta(minutes=2))
    # A week, a day and two hours before (9:00 on 10 March: the 7:00 reminder is not in quiet hours).
    assert sorted(Reminder.objects.values_list("offset_minutes", "channel")) == [
        (120, "email"),
        (1440, "email"),
        (10080, "email"),
    ]
    assert list(
        AuditEvent.objects.filter(object_type="scheduling.Appointment").values_list("action", "acting_as", "scope")
    ) == [("update", "self", "scheduling"), ("create", "self", "scheduling")]
    # Confirming twice (a double tap) changes nothing.
    assert (
        appointment_confirm_hold(access=clinic.access(), actor=clinic.patient.user, hold_id=held.pk, now=NOW).pk
        == held.pk
    )


def test_someone_else_cannot_take_a_held_time_until_the_hold_expires(clinic: Clinic) -> None:
    held = hold(clinic, at(2026, 3, 10, 9))
    other = clinic.new_patient()

    with pytest.raises(SlotUnavailable) as lost:
        clinic.book(at(2026, 3, 10, 9), patient=other)
    assert lost.value.message == "Sorry, that time has just been taken. Please choose another time."
    # The closest open times: Dr Lee at the same time, then both at half past.
    assert [(slot.provider_id, slot.starts_at) for slot in lost.value.alternatives] == [
        (clinic.dr_lee.pk, at(2026, 3, 10, 9)),
        (clinic.dr_kim.pk, at(2026, 3, 10, 9, 30)),
        (clinic.dr_lee.pk, at(2026, 3, 10, 9, 30)),
    ]

    later = NOW + timedelta(minutes=6)
    taken = appointment_book(
        access=clinic.access(patient=other),
        actor=other.user,
        visit_type_id=clinic.follow_up.pk,
        provider_id=clinic.dr_kim.pk,
        location_id=clinic.location.pk,
        starts_at=at(2026, 3, 10, 9),
        now=later,
    )

    held.refresh_from_db()
    assert (held.status, taken.status) == (Status.EXPIRED, Status.BOOKED)
    with pytest.raises(SlotUnavailable):
        appointment_confirm_hold(access=clinic.access(), actor=clinic.patient.user, hold_id=held.pk, now=later)


def test_an_expired_hold_is_booked_afresh_when_the_time_is_still_open(clinic: Clinic) -> None:
    held = hold(clinic, at(2026, 3, 10, 9))
    assert holds_sweep(NOW + timedelta(minutes=6)) == 1

    booked = appointment_confirm_hold(
        access=clinic.access(), actor=clinic.patient.user, hold_id=held.pk, now=NOW + timedelta(minutes=7)
    )

    assert booked.pk != held.pk
    assert (booked.status, booked.starts_at) == (Status.BOOKED, at(2026, 3, 10, 9))


def test_a_new_hold_lets_go_of_the_earlier_one(clinic: Clinic) -> None:
    first = hold(clinic, at(2026, 3, 10, 9))
    second = hold(clinic, at(2026, 3, 10, 10))

    first.refresh_from_db()
    assert (first.status, second.status) == (Status.EXPIRED, Status.HELD)


def test_a_time_outside_the_open_slots_is_refused(clinic: Clinic) -> None:
    with pytest.raises(SlotUnavailable):
        clinic.book(at(2026, 3, 10, 13))
    with pytest.raises(SlotUnavailable):
        clinic.book(at(2026, 3, 2, 8))  # within the lead time


def test_staff_book_on_behalf_outside_the_patient_rules(clinic: Clinic) -> None:
    clinic.book(at(2026, 3, 3, 9))  # the patient's one allowed follow-up

    booked = appointment_book(
        access=clinic.staff_access(),
        actor=clinic.front_desk.user,
        visit_type_id=clinic.follow_up.pk,
        provider_id=clinic.dr_kim.pk,
        location_id=clinic.location.pk,
        starts_at=at(2026, 3, 2, 13),
        now=NOW,
    )

    assert (booked.source, booked.created_by) == (Appointment.Source.STAFF, clinic.front_desk.user)
    assert AuditEvent.objects.filter(object_id=str(booked.pk), acting_as="staff", action="create").count() == 1
    with pytest.raises(ServiceError, match="Choose a time in the future."):
        appointment_book(
            access=clinic.staff_access(),
            actor=clinic.front_desk.user,
            visit_type_id=clinic.follow_up.pk,
            provider_id=clinic.dr_kim.pk,
            location_id=clinic.location.pk,
            starts_at=NOW,
            now=NOW,
        )


def test_a_caregiver_books_with_the_scheduling_scope_and_not_without(clinic: Clinic) -> None:
    with_scope = ProxyGrantFactory(patient=clinic.patient, scopes=["scheduling"])
    without = ProxyGrantFactory(patient=clinic.patient, scopes=["records", "messaging"])
    access = resolve(with_scope.grantee, clinic.patient, Action.SCHEDULING)
    assert access is not None

    booked = appointment_book(
        access=access,
        actor=with_scope.grantee,
        visit_type_id=clinic.follow_up.pk,
        provider_id=clinic.dr_kim.pk,
        location_id=clinic.location.pk,
        starts_at=at(2026, 3, 3, 9),
        now=NOW,
    )

    assert booked.created_by == with_scope.grantee
    assert resolve(without.grantee, clinic.patient, Action.SCHEDULING) is None
    records_access = resolve(without.grantee, clinic.patient, Action.RECORDS)
    assert records_access is not None
    with pytest.raises(Http404):
        appointment_book(
            access=records_access,
            actor=without.grantee,
            visit_type_id=clinic.follow_up.pk,
            provider_id=clinic.dr_kim.pk,
            location_id=clinic.location.pk,
            starts_at=at(2026, 3, 3, 10),
            now=NOW,
        )
    assert Appointment.objects.count() == 1


def test_staff_may_not_hold_for_a_patient(clinic: Clinic) -> None:
    with pytest.raises(Http404):
        appointment_hold(
            access=clinic.staff_access(),
            actor=clinic.front_desk.user,
            visit_type_id=clinic.follow_up.pk,
            provider_id=clinic.dr_kim.pk,
            location_id=clinic.location.pk,
            starts_at=at(2026, 3, 3, 9),
            now=NOW,
        )
