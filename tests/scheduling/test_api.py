"""The scheduling API for the mobile app: visit types with eligibility, open times, holds, booking
(idempotent), the patient's visits, moving and cancelling by policy, .ics, the waitlist and its
offers, and requests. The clock is the clinic fixture's: Monday 2 March 2026, 07:00 in Chicago."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.factories import OrganizationFactory
from portal.models import AuditEvent
from scheduling.api import idempotency
from scheduling.factories import ProviderFactory, ProviderOfferingFactory, VisitTypeFactory
from scheduling.models import Appointment, AppointmentRequest, VisitType, WaitlistEntry, WaitlistOffer
from scheduling.services.changes import appointment_cancel
from scheduling.services.waitlist import offers_sweep
from tests.clock import Clock
from tests.conftest import sign_in
from tests.scheduling.conftest import NOW, Clinic, at, weekday_mornings
from tests.scheduling.test_waitlist import token_of

pytestmark = pytest.mark.django_db

Status = Appointment.Status
TUESDAY_9 = at(2026, 3, 3, 9)
KEY = {"Idempotency-Key": "tap-1"}


# A retry comes a moment later.
A_MOMENT = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _monday_morning(clock: Clock) -> None:
    """Every service and view asks the clock: stop it at the fixture's morning, so times are exact."""
    clock.move_to(NOW, tick=False)


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), user)
    client.get("/api/v1/me/")  # warm the session, so query counts are the view's own
    return client


@pytest.fixture
def api(clinic: Clinic) -> Client:
    return signed_in(clinic.patient.user)


def url(name: str, clinic: Clinic, **kwargs: Any) -> str:
    return reverse(name, kwargs={"patient_id": clinic.patient.pk, **kwargs})


def post(client: Client, path: str, data: dict[str, Any] | None = None, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(path, data or {}, content_type="application/json", headers=headers)


def slot(clinic: Clinic, starts_at: datetime, provider=None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "visit_type": clinic.follow_up.pk,
        "provider": (provider or clinic.dr_kim).pk,
        "location": clinic.location.pk,
        "starts_at": starts_at.isoformat(),
    }


def wall_clock(value: str) -> str:
    """ "09:30": an API time as the clinic's clock shows it."""
    return datetime.fromisoformat(value).astimezone(NOW.tzinfo).strftime("%H:%M")


def slots_url(clinic: Clinic, visit_type: VisitType | None = None, **query: Any) -> str:
    path = url("api_slots", clinic, visit_type_id=(visit_type or clinic.follow_up).pk)
    return path + "?" + "&".join(f"{key}={value}" for key, value in query.items())


# --- Visit types ---------------------------------------------------------------------------


def test_visit_types_say_how_each_is_booked_and_whether_this_patient_may(
    api: Client, clinic: Clinic, django_assert_num_queries
) -> None:
    VisitTypeFactory(
        organization=clinic.organization,
        name="New patient visit",
        booking_mode=VisitType.BookingMode.CALL,
        call_reason="we need your records first",
        duration_minutes=60,
    )
    VisitTypeFactory(
        organization=clinic.organization,
        name="Physical therapy",
        booking_mode=VisitType.BookingMode.REQUEST,
        modality=VisitType.Modality.VIDEO,
    )
    VisitTypeFactory(organization=clinic.organization, name="Well child", max_age=17)
    VisitTypeFactory(name="Elsewhere")  # another clinic's: not listed
    VisitTypeFactory(organization=clinic.organization, name="Retired", is_active=False)

    # Session, user, staff role, two device kinds, patient (own record: no grant query), the visit
    # types, a count of upcoming visits per bookable type (two), the audit event, saving the
    # session (3 with its savepoint).
    with django_assert_num_queries(13):
        rows = api.get(url("api_visit_types", clinic)).json()

    by_name = {row["name"]: row for row in rows}
    assert list(by_name) == ["Follow-up visit", "New patient visit", "Physical therapy", "Well child"]
    assert by_name["Follow-up visit"] == {
        "id": clinic.follow_up.pk,
        "name": "Follow-up visit",
        "duration_minutes": 30,
        "modality": "in_person",
        "modality_label": "In person",
        "booking_mode": "book",
        "booking_mode_label": "Patients book a time themselves",
        "eligible": True,
        "reasons": [],
        "phone": "(312) 555-0100",
        "max_horizon_days": 60,
        "cancel_cutoff_hours": 24,
    }
    assert by_name["New patient visit"]["eligible"] is False
    assert by_name["New patient visit"]["reasons"] == [
        "“New patient visit” must be booked by phone because we need your records first. Please call (312) 555-0100."
    ]
    assert (by_name["Physical therapy"]["booking_mode"], by_name["Physical therapy"]["eligible"]) == ("request", True)
    assert by_name["Well child"]["eligible"] is False
    assert "aged 17 and under" in by_name["Well child"]["reasons"][0]
    assert AuditEvent.objects.filter(object_type="scheduling.VisitTypeList", acting_as="self").count() == 1


# --- Slots -----------------------------------------------------------------------------------


def test_open_times_come_by_day_and_provider(api: Client, clinic: Clinic) -> None:
    clinic.book(at(2026, 3, 3, 10), patient=clinic.new_patient())  # Dr Kim's 10:00 on Tuesday is taken

    body = api.get(slots_url(clinic, **{"from": "2026-03-03", "days": 2})).json()

    assert (body["visit_type"], body["first_day"], body["last_day"]) == (
        clinic.follow_up.pk,
        "2026-03-03",
        "2026-03-04",
    )
    assert [day["date"] for day in body["days"]] == ["2026-03-03", "2026-03-04"]
    tuesday = body["days"][0]["providers"]
    assert [(row["provider"]["id"], row["provider"]["name"]) for row in tuesday] == [
        (clinic.dr_kim.pk, "Grace Kim, MD"),
        (clinic.dr_lee.pk, "Sam Lee, MD"),
    ]
    assert [wall_clock(s["starts_at"]) for s in tuesday[0]["slots"]] == ["09:00", "09:30", "10:30", "11:00", "11:30"]
    assert len(tuesday[1]["slots"]) == 6
    assert tuesday[0]["slots"][0]["location"] == clinic.location.pk
    assert body["locations"] == [
        {
            "id": clinic.location.pk,
            "name": "Lakeside main clinic",
            "address": clinic.location.address,
            "directions": "",
        }
    ]


def test_open_times_take_the_same_queries_for_a_day_and_one_provider_as_for_a_month_and_twenty(
    api: Client, clinic: Clinic
) -> None:
    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        return len(queries)

    small = count(slots_url(clinic, **{"from": "2026-03-03", "days": 1}))
    for _ in range(18):
        provider = ProviderFactory(organization=clinic.organization)
        ProviderOfferingFactory(provider=provider, visit_type=clinic.follow_up, location=clinic.location)
        weekday_mornings(provider, clinic.location)
    large = count(slots_url(clinic, **{"from": "2026-03-03", "days": 28}))

    # Session, user, staff role, two device kinds, patient; the visit type; eligibility's count of
    # upcoming visits; the four of the slot search (offerings, weekly hours, exceptions, occupied
    # time); the audit event; saving the session (3).
    assert (small, large) == (16, 16)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"days": "0"}, "days"),
        ({"days": "32"}, "days"),
        ({"from": "2026-03-01"}, "from"),  # before today
        ({"from": "2026-05-02"}, "from"),  # past the 60-day horizon
        ({"from": "2026-04-25", "days": "14"}, "days"),  # runs past the horizon
    ],
)
def test_bad_days_answer_400_with_the_field(api: Client, clinic: Clinic, query: dict[str, str], field: str) -> None:
    response = api.get(slots_url(clinic, **query))

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_times_of_a_visit_type_the_patient_may_not_book_answer_400_with_the_reason(api: Client, clinic: Clinic) -> None:
    adults = VisitTypeFactory(organization=clinic.organization, name="Seniors", min_age=120)

    response = api.get(slots_url(clinic, visit_type=adults))

    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("“Seniors” is for patients aged 120 and over.")


def test_another_clinics_visit_type_is_not_found(api: Client, clinic: Clinic) -> None:
    elsewhere = VisitTypeFactory(organization=OrganizationFactory())

    assert api.get(slots_url(clinic, visit_type=elsewhere)).status_code == 404


# --- Holds and booking -----------------------------------------------------------------------


def test_a_hold_keeps_the_time_for_a_few_minutes(api: Client, clinic: Clinic) -> None:
    response = post(api, url("api_holds", clinic), slot(clinic, TUESDAY_9))

    assert response.status_code == 201
    body = response.json()
    hold = Appointment.objects.get()
    assert (body["id"], body["status"], instant(body["hold_expires_at"])) == (
        hold.pk,
        "held",
        NOW + timedelta(minutes=5),
    )
    assert (body["provider"]["name"], body["visit_type"]["name"], body["open_requests"]) == (
        "Grace Kim, MD",
        "Follow-up visit",
        [],
    )


def test_the_loser_of_a_race_gets_409_with_the_message_and_other_times(api: Client, clinic: Clinic) -> None:
    clinic.book(TUESDAY_9, patient=clinic.new_patient())

    for path, data in [
        (url("api_holds", clinic), slot(clinic, TUESDAY_9)),
        (url("api_appointments", clinic), slot(clinic, TUESDAY_9)),
    ]:
        response = post(api, path, data)

        assert response.status_code == 409
        body = response.json()
        assert body["detail"] == "Sorry, that time has just been taken. Please choose another time."
        # The nearest open times: Dr Lee at 9:00, then both at 9:30.
        assert [(a["provider"]["name"], wall_clock(a["starts_at"])) for a in body["alternatives"]] == [
            ("Sam Lee, MD", "09:00"),
            ("Grace Kim, MD", "09:30"),
            ("Sam Lee, MD", "09:30"),
        ]
    assert Appointment.objects.filter(patient=clinic.patient).count() == 0


def test_booking_a_hold_books_it_once_however_often_it_is_sent(api: Client, clinic: Clinic, clock: Clock) -> None:
    hold = post(api, url("api_holds", clinic), slot(clinic, TUESDAY_9)).json()

    first = post(api, url("api_appointments", clinic), {"hold": hold["id"]})
    clock.shift(A_MOMENT)
    again = post(api, url("api_appointments", clinic), {"hold": hold["id"]})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == hold["id"]
    assert first.json()["status"] == "booked"
    assert Appointment.objects.get().status == Status.BOOKED


def test_a_direct_booking_with_an_idempotency_key_books_once(api: Client, clinic: Clinic, clock: Clock) -> None:
    first = post(api, url("api_appointments", clinic), slot(clinic, TUESDAY_9), **KEY)
    clock.shift(A_MOMENT)
    again = post(api, url("api_appointments", clinic), slot(clinic, TUESDAY_9), **KEY)
    # The key may come as a field instead of the header.
    field = post(api, url("api_appointments", clinic), {**slot(clinic, TUESDAY_9), "idempotency_key": "tap-1"})

    assert (first.status_code, again.status_code, field.status_code) == (201, 200, 200)
    assert first.json()["id"] == again.json()["id"] == field.json()["id"]
    assert Appointment.objects.count() == 1


def test_a_repeated_direct_booking_without_a_key_is_refused_not_booked_twice(api: Client, clinic: Clinic) -> None:
    assert post(api, url("api_appointments", clinic), slot(clinic, TUESDAY_9)).status_code == 201

    again = post(api, url("api_appointments", clinic), slot(clinic, TUESDAY_9))

    assert again.status_code == 400
    assert Appointment.objects.count() == 1


def test_a_key_still_being_booked_answers_409_and_books_nothing(api: Client, clinic: Clinic) -> None:
    # Another request with this key is booking right now (it claimed the key and has not finished).
    cache.add(idempotency._cache_key(clinic.patient.user, clinic.patient.pk, "tap-1"), idempotency.PENDING)

    response = post(api, url("api_appointments", clinic), slot(clinic, TUESDAY_9), **KEY)

    assert response.status_code == 409
    assert response.json() == {"detail": "This booking is already on its way. Please wait a moment and look again."}
    assert not Appointment.objects.exists()


def test_a_failed_booking_frees_its_key(api: Client, clinic: Clinic) -> None:
    clinic.book(TUESDAY_9, patient=clinic.new_patient())
    assert post(api, url("api_appointments", clinic), slot(clinic, TUESDAY_9), **KEY).status_code == 409

    retry = post(api, url("api_appointments", clinic), slot(clinic, TUESDAY_9, clinic.dr_lee), **KEY)

    assert retry.status_code == 201


def test_booking_needs_a_hold_or_a_whole_time(api: Client, clinic: Clinic) -> None:
    response = post(api, url("api_appointments", clinic), {"provider": clinic.dr_kim.pk})

    assert response.status_code == 400
    assert set(response.json()) == {"visit_type", "location", "starts_at"}


def test_someone_elses_hold_is_not_found(api: Client, clinic: Clinic) -> None:
    other = clinic.new_patient()
    client = signed_in(other.user)
    hold = post(client, reverse("api_holds", kwargs={"patient_id": other.pk}), slot(clinic, TUESDAY_9)).json()

    assert post(api, url("api_appointments", clinic), {"hold": hold["id"]}).status_code == 404


# --- The patient's visits --------------------------------------------------------------------


def test_upcoming_and_past_visits_in_constant_queries(api: Client, clinic: Clinic) -> None:
    past = Appointment.objects.create(
        organization=clinic.organization,
        patient=clinic.patient,
        provider=clinic.dr_kim,
        location=clinic.location,
        visit_type=clinic.follow_up,
        during=(at(2026, 2, 2, 9), at(2026, 2, 2, 9, 30)),
        status=Status.COMPLETED,
        source=Appointment.Source.STAFF,
        booked_at=at(2026, 1, 20),
        completed_at=at(2026, 2, 2, 9, 30),
    )
    visit_type = VisitTypeFactory(organization=clinic.organization, max_active_bookings=5)
    for provider in (clinic.dr_kim, clinic.dr_lee):
        ProviderOfferingFactory(provider=provider, visit_type=visit_type, location=clinic.location)

    def listing() -> tuple[list[int], int]:
        with CaptureQueriesContext(connection) as queries:
            body = api.get(url("api_appointments", clinic)).json()
        return [row["id"] for row in body["results"]], len(queries)

    one = clinic.book(TUESDAY_9)
    ids, few = listing()
    assert ids == [one.pk]
    more = [clinic.book(at(2026, 3, day, 10), visit_type=visit_type) for day in (4, 5, 6, 9)]
    ids, many = listing()
    assert ids == [one.pk, *(visit.pk for visit in more)]
    # Session, user, staff role, two device kinds, patient, the audit event, the count, the page,
    # the open requests of the page's visits, saving the session (3).
    assert (few, many) == (13, 13)

    body = api.get(url("api_appointments", clinic) + "?when=past").json()
    assert [row["id"] for row in body["results"]] == [past.pk]
    assert body["results"][0]["status_label"] == "Completed"
    assert api.get(url("api_appointments", clinic) + "?when=later").status_code == 400


def test_one_visit_with_its_open_requests(api: Client, clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 2, 10))  # today: past the 24-hour cut-off
    post(api, url("api_appointment_cancel", clinic, appointment_id=visit.pk), {"note": "I am ill"})

    body = api.get(url("api_appointment", clinic, appointment_id=visit.pk)).json()

    assert (body["id"], body["status"]) == (visit.pk, "booked")
    assert [(r["kind"], r["status"], r["note"]) for r in body["open_requests"]] == [("cancel", "open", "I am ill")]
    assert instant(body["changeable_online_until"]) == at(2026, 3, 1, 10)


def test_another_patients_visit_is_not_found(api: Client, clinic: Clinic) -> None:
    theirs = clinic.book(TUESDAY_9, patient=clinic.new_patient())

    for name in ("api_appointment", "api_appointment_ics"):
        assert api.get(url(name, clinic, appointment_id=theirs.pk)).status_code == 404
    for name in ("api_appointment_cancel", "api_appointment_reschedule"):
        assert post(api, url(name, clinic, appointment_id=theirs.pk), slot(clinic, TUESDAY_9)).status_code == 404
    assert Appointment.objects.get().status == Status.BOOKED


# --- Moving and cancelling -------------------------------------------------------------------


def test_moving_a_visit_answers_with_the_new_one(api: Client, clinic: Clinic) -> None:
    old = clinic.book(TUESDAY_9)

    response = post(
        api, url("api_appointment_reschedule", clinic, appointment_id=old.pk), slot(clinic, at(2026, 3, 4, 11))
    )

    assert response.status_code == 200
    new = Appointment.objects.get(status=Status.BOOKED)
    assert (response.json()["id"], response.json()["rescheduled_from"]) == (new.pk, old.pk)
    assert new.starts_at == at(2026, 3, 4, 11)


def test_moving_to_a_taken_time_answers_409_and_keeps_the_visit(api: Client, clinic: Clinic) -> None:
    old = clinic.book(TUESDAY_9)
    clinic.book(at(2026, 3, 4, 11), patient=clinic.new_patient())

    response = post(
        api, url("api_appointment_reschedule", clinic, appointment_id=old.pk), slot(clinic, at(2026, 3, 4, 11))
    )

    assert response.status_code == 409
    assert response.json()["alternatives"]
    old.refresh_from_db()
    assert old.status == Status.BOOKED


def test_moving_or_cancelling_after_the_cut_off_became_a_request(api: Client, clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 2, 10))

    moved = post(api, url("api_appointment_reschedule", clinic, appointment_id=visit.pk), slot(clinic, TUESDAY_9))
    cancelled = post(api, url("api_appointment_cancel", clinic, appointment_id=visit.pk))

    assert (moved.status_code, cancelled.status_code) == (202, 202)
    assert moved.json()["detail"] == "It is too close to the visit to change it online, so this became a request."
    assert cancelled.json()["detail"] == "It is too close to the visit to cancel it online, so this became a request."
    assert cancelled.json()["request"]["kind"] == "cancel"
    assert sorted(AppointmentRequest.objects.values_list("kind", flat=True)) == ["cancel", "reschedule"]
    visit.refresh_from_db()
    assert visit.status == Status.BOOKED


def test_cancelling_in_time_cancels(api: Client, clinic: Clinic) -> None:
    visit = clinic.book(TUESDAY_9)

    response = post(api, url("api_appointment_cancel", clinic, appointment_id=visit.pk))

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    again = post(api, url("api_appointment_cancel", clinic, appointment_id=visit.pk))
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This visit can no longer be cancelled."]}


def test_the_calendar_file(api: Client, clinic: Clinic) -> None:
    visit = clinic.book(TUESDAY_9)

    response = api.get(url("api_appointment_ics", clinic, appointment_id=visit.pk), HTTP_ACCEPT="text/calendar")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="appointment-{visit.pk}.ics"'
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;TZID=America/Chicago:20260303T090000" in text


# --- Waitlist and offers ---------------------------------------------------------------------


def _join(api: Client, clinic: Clinic, earliest: str = "2026-03-09", latest: str = "2026-03-13"):  # type: ignore[no-untyped-def]
    return post(
        api, url("api_waitlist", clinic), {"visit_type": clinic.follow_up.pk, "earliest": earliest, "latest": latest}
    )


def test_joining_listing_and_leaving_the_waitlist(api: Client, clinic: Clinic) -> None:
    joined = _join(api, clinic)

    assert joined.status_code == 201
    entry = joined.json()
    assert (entry["earliest"], entry["latest"], entry["status"], entry["visit_type"]["name"]) == (
        "2026-03-09",
        "2026-03-13",
        "active",
        "Follow-up visit",
    )
    assert [row["id"] for row in api.get(url("api_waitlist", clinic)).json()] == [entry["id"]]
    assert _join(api, clinic).status_code == 400  # already on it

    left = api.delete(url("api_waitlist_entry", clinic, entry_id=entry["id"]))

    assert left.status_code == 204
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.CANCELLED
    assert api.get(url("api_waitlist", clinic)).json() == []
    assert api.delete(url("api_waitlist_entry", clinic, entry_id=entry["id"])).status_code == 400


@pytest.mark.parametrize(
    ("earliest", "latest", "field"),
    [
        ("2026-03-01", "2026-03-13", "earliest"),
        ("2026-03-13", "2026-03-09", "latest"),
        ("2026-03-09", "2026-06-01", "latest"),
    ],
)
def test_a_bad_waitlist_window_answers_400_with_the_field(
    api: Client, clinic: Clinic, earliest: str, latest: str, field: str
) -> None:
    response = _join(api, clinic, earliest, latest)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def _offer(api: Client, clinic: Clinic) -> str:
    """The patient waits for the week of 9 March; someone's 10 March 9:00 is cancelled and offered."""
    _join(api, clinic)
    other = clinic.new_patient()
    visit = clinic.book(at(2026, 3, 10, 9), patient=other)
    appointment_cancel(access=clinic.access(patient=other), actor=other.user, appointment_id=visit.pk, now=NOW)
    mail.outbox.clear()
    offers_sweep(NOW)
    return token_of(WaitlistOffer.objects.get())


def test_accepting_an_offer_books_it_for_the_signed_in_patient(api: Client, clinic: Clinic) -> None:
    token = _offer(api, clinic)

    response = post(api, reverse("api_offer_accept", kwargs={"token": token}))

    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["detail"]) == (True, "This time is booked for you.")
    visit = Appointment.objects.get(patient=clinic.patient)
    assert (body["appointment"]["id"], visit.source, visit.created_by) == (visit.pk, "waitlist", clinic.patient.user)


def test_an_offer_taken_first_answers_409(api: Client, clinic: Clinic) -> None:
    token = _offer(api, clinic)
    clinic.book(at(2026, 3, 10, 9), patient=clinic.new_patient())

    response = post(api, reverse("api_offer_accept", kwargs={"token": token}))

    assert response.status_code == 409
    assert response.json() == {
        "accepted": False,
        "detail": "Sorry, someone else took this time first. You are still on the waitlist.",
        "appointment": None,
    }


def test_an_offer_is_not_found_for_someone_else_or_with_a_bad_token(api: Client, clinic: Clinic) -> None:
    token = _offer(api, clinic)
    stranger = signed_in(clinic.new_patient().user)

    assert post(stranger, reverse("api_offer_accept", kwargs={"token": token})).status_code == 404
    assert post(api, reverse("api_offer_accept", kwargs={"token": token + "x"})).status_code == 404
    assert WaitlistOffer.objects.get().status == WaitlistOffer.Status.OFFERED


# --- Requests --------------------------------------------------------------------------------


def test_asking_for_a_visit_the_clinic_books(api: Client, clinic: Clinic, clock: Clock) -> None:
    therapy = VisitTypeFactory(organization=clinic.organization, booking_mode=VisitType.BookingMode.REQUEST)

    first = post(api, url("api_visit_requests", clinic), {"visit_type": therapy.pk, "note": "Mornings please"})
    clock.shift(A_MOMENT)
    again = post(api, url("api_visit_requests", clinic), {"visit_type": therapy.pk})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["kind"], first.json()["note"], first.json()["status"]) == ("book", "Mornings please", "open")
    refused = post(api, url("api_visit_requests", clinic), {"visit_type": clinic.follow_up.pk})
    assert refused.status_code == 400
    assert refused.json() == {"non_field_errors": ["This visit is booked online, not by request."]}


def test_missing_fields_answer_400(api: Client, clinic: Clinic) -> None:
    assert set(post(api, url("api_visit_requests", clinic)).json()) == {"visit_type"}
    assert set(post(api, url("api_holds", clinic)).json()) == {"visit_type", "provider", "location", "starts_at"}
    assert set(post(api, url("api_waitlist", clinic)).json()) == {"visit_type", "earliest", "latest"}
    visit = clinic.book(TUESDAY_9)
    moved = post(api, url("api_appointment_reschedule", clinic, appointment_id=visit.pk), {"starts_at": "soon"})
    assert set(moved.json()) == {"provider", "location", "starts_at"}


def test_the_schema_builds_without_warnings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/patients/{patient_id}/visit-types/{visit_type_id}/slots/" in schema
    assert "/api/v1/scheduling/offers/{token}/accept/" in schema
