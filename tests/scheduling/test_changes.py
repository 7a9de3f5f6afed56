"""Cancel and reschedule by policy, late changes as requests, staff marks, reminder links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messaging.models import Thread
from portal.services.errors import InvalidToken, InvalidTransition
from scheduling import links
from scheduling.models import Appointment, AppointmentRequest, Reminder
from scheduling.services.changes import (
    appointment_cancel,
    appointment_cancel_by_link,
    appointment_confirm_by_link,
    appointment_mark,
    appointment_reschedule,
    must_call,
    request_resolve,
)
from tests.scheduling.conftest import NOW, Clinic, at

Status = Appointment.Status


def test_cancelling_before_the_cut_off_frees_the_time_and_skips_reminders(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 10, 9))

    outcome = appointment_cancel(access=clinic.access(), actor=clinic.patient.user, appointment_id=visit.pk, now=NOW)

    visit.refresh_from_db()
    assert (outcome.request, visit.status, visit.cancelled_at) == (None, Status.CANCELLED, NOW)
    assert Reminder.objects.filter(appointment=visit, skipped_at=NOW).count() == 3
    assert clinic.book(at(2026, 3, 10, 9), patient=clinic.new_patient()).status == Status.BOOKED


def test_a_late_cancellation_becomes_a_request_and_staff_handle_it(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 3, 9))  # 26 hours ahead; the cut-off is 24

    outcome = appointment_cancel(
        access=clinic.access(),
        actor=clinic.patient.user,
        appointment_id=visit.pk,
        note="Sick child",
        now=NOW + timedelta(hours=3),
    )
    again = appointment_cancel(
        access=clinic.access(), actor=clinic.patient.user, appointment_id=visit.pk, now=NOW + timedelta(hours=4)
    )

    visit.refresh_from_db()
    assert visit.status == Status.BOOKED
    assert outcome.request is not None and again.request == outcome.request
    assert (outcome.request.kind, outcome.request.status, outcome.request.note) == ("cancel", "open", "Sick child")
    handled = request_resolve(
        access=clinic.staff_access(),
        actor=clinic.front_desk.user,
        request_id=outcome.request.pk,
        status=AppointmentRequest.Status.DONE,
        now=NOW + timedelta(hours=5),
    )
    visit.refresh_from_db()
    assert (handled.status, handled.handled_by, visit.status) == ("done", clinic.front_desk.user, Status.CANCELLED)


def test_staff_cancel_at_any_time(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 2, 10))

    appointment_cancel(access=clinic.staff_access(), actor=clinic.front_desk.user, appointment_id=visit.pk, now=NOW)

    visit.refresh_from_db()
    assert (visit.status, visit.cancelled_by) == (Status.CANCELLED, clinic.front_desk.user)


def test_reschedule_moves_the_visit_in_one_transaction(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 10, 9))

    outcome = appointment_reschedule(
        access=clinic.access(),
        actor=clinic.patient.user,
        appointment_id=visit.pk,
        provider_id=clinic.dr_kim.pk,
        location_id=clinic.location.pk,
        starts_at=at(2026, 3, 10, 9, 15) + timedelta(minutes=15),
        now=NOW,
    )

    visit.refresh_from_db()
    assert visit.status == Status.CANCELLED
    assert (outcome.appointment.starts_at, outcome.appointment.rescheduled_from) == (at(2026, 3, 10, 9, 30), visit)


def test_a_reschedule_that_loses_the_race_keeps_the_old_visit(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 10, 9))
    clinic.book(at(2026, 3, 11, 9), patient=clinic.new_patient())

    with pytest.raises(Exception, match="just been taken"):
        appointment_reschedule(
            access=clinic.access(),
            actor=clinic.patient.user,
            appointment_id=visit.pk,
            provider_id=clinic.dr_kim.pk,
            location_id=clinic.location.pk,
            starts_at=at(2026, 3, 11, 9),
            now=NOW,
        )

    visit.refresh_from_db()
    assert visit.status == Status.BOOKED


def test_staff_mark_arrived_then_completed_and_nothing_else(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 2, 10))
    mark = {"access": clinic.staff_access(), "actor": clinic.front_desk.user, "appointment_id": visit.pk}

    with pytest.raises(InvalidTransition, match="too early"):
        appointment_mark(**mark, status=Status.NO_SHOW, now=at(2026, 3, 2, 9))
    appointment_mark(**mark, status=Status.ARRIVED, now=at(2026, 3, 2, 9, 50))
    done = appointment_mark(**mark, status=Status.COMPLETED, now=at(2026, 3, 2, 10, 40))
    with pytest.raises(InvalidTransition):
        appointment_mark(**mark, status=Status.NO_SHOW, now=at(2026, 3, 2, 11))

    assert (done.status, done.arrived_at, done.completed_at) == (
        Status.COMPLETED,
        at(2026, 3, 2, 9, 50),
        at(2026, 3, 2, 10, 40),
    )


def test_patients_may_not_mark_their_own_visits(clinic: Clinic) -> None:
    from django.http import Http404

    visit = clinic.book(at(2026, 3, 2, 10))
    with pytest.raises(Http404):
        appointment_mark(
            access=clinic.access(),
            actor=clinic.patient.user,
            appointment_id=visit.pk,
            status=Status.ARRIVED,
            now=at(2026, 3, 2, 10),
        )


def test_reminder_links_confirm_and_cancel_by_policy(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 10, 9))

    confirmed = appointment_confirm_by_link(token=links.make_token(links.CONFIRM, visit.pk), now=NOW)
    with pytest.raises(InvalidToken):
        appointment_confirm_by_link(token=links.make_token(links.CANCEL, visit.pk), now=NOW)
    outcome = appointment_cancel_by_link(token=links.make_token(links.CANCEL, visit.pk), now=NOW)

    assert confirmed.confirmed_at == NOW
    assert outcome.appointment.status == Status.CANCELLED
    with pytest.raises(InvalidToken):
        appointment_cancel_by_link(token=links.make_token(links.CANCEL, visit.pk) + "x", now=NOW)


# --- A late request about a visit is answered before the visit --------------------------------------


def test_a_late_change_for_a_visit_this_morning_is_promised_an_hour_before_it(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 2, 10))  # today at 10:00; the policy alone would say tomorrow

    outcome = appointment_cancel(
        access=clinic.access(), actor=clinic.patient.user, appointment_id=visit.pk, now=at(2026, 3, 2, 8)
    )

    assert outcome.request is not None and outcome.request.thread is not None
    thread = outcome.request.thread
    assert (thread.first_response_due_at, thread.at_risk_at) == (at(2026, 3, 2, 9), at(2026, 3, 2, 8, 45))
    assert not must_call(outcome.request)


def test_a_request_too_close_to_the_visit_promises_nothing_and_asks_for_a_call(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 2, 10))

    outcome = appointment_reschedule(
        access=clinic.access(),
        actor=clinic.patient.user,
        appointment_id=visit.pk,
        provider_id=visit.provider_id,
        location_id=visit.location_id,
        starts_at=at(2026, 3, 3, 10),
        now=at(2026, 3, 2, 9, 15),  # less than an hour before the visit
    )

    assert outcome.request is not None
    assert (outcome.request.status, outcome.request.thread_id) == (AppointmentRequest.Status.OPEN, None)
    assert must_call(outcome.request)
    assert not Thread.objects.exists()
