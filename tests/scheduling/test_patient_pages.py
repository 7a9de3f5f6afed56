"""The patient's scheduling pages: the appointments home, finding a time by visit type (book, ask,
call; reasons), holding and booking (and losing a time to someone else), a visit (calendar file,
directions), cancel and reschedule by policy, the waitlist and its offers, reminder links.
Times come from the pinned clock (tests/clock.py), as the pages read it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format

from portal.factories import ProxyGrantFactory
from portal.models import AuditEvent, Scope
from scheduling import links
from scheduling.factories import AvailabilityTemplateFactory, ProviderFactory, ProviderOfferingFactory, VisitTypeFactory
from scheduling.models import Appointment, AppointmentRequest, VisitType, WaitlistEntry, WaitlistOffer
from scheduling.selectors.patient import DAYS_PER_PAGE
from scheduling.services.booking import appointment_hold
from scheduling.services.changes import appointment_cancel, appointment_reschedule
from tests.scheduling.conftest import Clinic, weekday_mornings
from tests.scheduling.patient_pages import book, client_for, offered, open_slots, url, value
from tests.scheduling.staff_arrange import soon
from tests.scheduling.staff_arrange import visit as staff_visit

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _queries(client, address: str) -> int:  # type: ignore[no-untyped-def]
    client.get(address)  # the first request of a session does its own bookkeeping
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


# --- The appointments home ----------------------------------------------------------------------


def test_home_lists_upcoming_visits_with_actions_requests_and_waitlist(clinic: Clinic) -> None:
    slot = open_slots(clinic, days_ahead=2)[0]
    visit = book(clinic, slot)
    asked = VisitTypeFactory(organization=clinic.organization, name="Annual physical", booking_mode="request")
    AppointmentRequest.objects.create(
        organization=clinic.organization, patient=clinic.patient, visit_type=asked, kind="book", note="Mornings"
    )
    client = client_for(clinic.patient.user)

    page = client.get(url("appointments_home", clinic)).content.decode()

    assert "Follow-up visit" in page and "Grace Kim, MD" in page and "Lakeside main clinic" in page
    assert url("appointments_cancel", clinic, appointment_id=visit.pk) in page
    assert url("appointments_reschedule", clinic, appointment_id=visit.pk) in page
    assert "Annual physical" in page and "Waiting for the clinic" in page
    assert url("appointments_find", clinic) in page
    assert AuditEvent.objects.filter(patient=clinic.patient, object_type="scheduling.AppointmentList").exists()


def test_home_is_constant_in_queries(clinic: Clinic) -> None:
    clinic.follow_up.max_active_bookings = 5
    clinic.follow_up.save()
    client = client_for(clinic.patient.user)
    slots = open_slots(clinic, days_ahead=2)
    book(clinic, slots[0])
    one = _queries(client, url("appointments_home", clinic))
    assert one == 14  # session, user, access, audit; then visits, requests, waitlist

    for slot in slots[4:16:4]:
        book(clinic, slot)
    for name in ("Annual physical", "Flu shot"):
        asked = VisitTypeFactory(organization=clinic.organization, name=name, booking_mode="request")
        AppointmentRequest.objects.create(
            organization=clinic.organization, patient=clinic.patient, visit_type=asked, kind="book"
        )
        WaitlistEntry.objects.create(
            patient=clinic.patient,
            visit_type=asked,
            earliest=timezone.localdate(),
            latest=timezone.localdate() + timedelta(days=9),
            created_by=clinic.patient.user,
        )

    response = client.get(url("appointments_home", clinic))
    assert len(response.context["home"].upcoming) == 4
    assert _queries(client, url("appointments_home", clinic)) == one


def _section(page: str, heading: str) -> str:
    """The part of the page under `heading`, up to the next heading."""
    return page.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def test_a_cancelled_future_visit_is_listed_as_cancelled_never_as_past(clinic: Clinic) -> None:
    slots = open_slots(clinic, days_ahead=3)
    called_off = book(clinic, slots[0])
    appointment_cancel(access=clinic.access(), actor=clinic.patient.user, appointment_id=called_off.pk)
    client = client_for(clinic.patient.user)

    response = client.get(url("appointments_home", clinic))

    page = response.content.decode()
    visit_link = url("appointments_visit", clinic, appointment_id=called_off.pk)
    assert [visit.pk for visit, moved_to in response.context["home"].cancelled] == [called_off.pk]
    assert response.context["home"].past == []
    assert visit_link in _section(page, "Cancelled visits")
    assert visit_link not in _section(page, "Past visits")
    assert "No past visits in the last year." in page


def test_a_moved_visit_says_where_it_went(clinic: Clinic) -> None:
    slots = open_slots(clinic, days_ahead=3)
    first = book(clinic, slots[0])
    later = slots[-1]
    moved = appointment_reschedule(
        access=clinic.access(),
        actor=clinic.patient.user,
        appointment_id=first.pk,
        provider_id=later.provider_id,
        location_id=later.location_id,
        starts_at=later.starts_at,
    ).appointment
    client = client_for(clinic.patient.user)

    response = client.get(url("appointments_home", clinic))

    assert response.context["home"].cancelled == [(first, moved)]
    cancelled = _section(response.content.decode(), "Cancelled visits")
    assert "Moved" in cancelled and "Cancelled" not in cancelled


# --- Finding a time -----------------------------------------------------------------------------


def test_find_shows_each_visit_types_mode_and_why_some_are_by_phone(clinic: Clinic) -> None:
    VisitTypeFactory(
        organization=clinic.organization,
        name="New patient visit",
        booking_mode="call",
        call_reason="we need your history first",
    )
    VisitTypeFactory(organization=clinic.organization, name="Annual physical", booking_mode="request")

    page = client_for(clinic.patient.user).get(url("appointments_find", clinic)).content.decode()

    assert "Book online" in page and "Ask for a time" in page and "Call us" in page
    assert "must be booked by phone because we need your history first" in page
    assert "tel:(312) 555-0100" in page


def test_open_times_by_day_with_a_later_pager_in_constant_queries(clinic: Clinic) -> None:
    client = client_for(clinic.patient.user)
    address = url("appointments_visit_type", clinic, visit_type_id=clinic.follow_up.pk)
    first = open_slots(clinic)[0]

    response = client.get(address)
    page = response.content.decode()
    assert value(first) in page
    assert len(response.context["page"].days) == DAYS_PER_PAGE
    assert "Later times" in page
    one = _queries(client, address)
    assert one == 18  # session, user, access, audit, visit type, eligibility, the 4 of the slot search

    # More providers, more hours and more booked visits: the same number of queries.
    for _ in range(3):
        provider = ProviderFactory(organization=clinic.organization)
        ProviderOfferingFactory(provider=provider, visit_type=clinic.follow_up, location=clinic.location)
        weekday_mornings(provider, clinic.location)
        AvailabilityTemplateFactory(provider=provider, location=clinic.location, weekday=5)
    for slot in open_slots(clinic, days_ahead=1, patient=clinic.new_patient())[:3]:
        book(clinic, slot, patient=clinic.new_patient())
    assert _queries(client, address) == one

    later = response.context["page"].later
    page = client.get(address, {"from": later.isoformat()})
    assert all(day >= later for day, _groups in page.context["page"].days)


def test_a_visit_type_the_patient_may_not_book_says_why(clinic: Clinic) -> None:
    needs = VisitTypeFactory(organization=clinic.organization, name="Sleep study", needs_referral=True)

    page = client_for(clinic.patient.user).get(url("appointments_visit_type", clinic, visit_type_id=needs.pk))

    assert "“Sleep study” needs a referral from your care team" in page.content.decode()
    assert page.context["page"].search is None


def test_another_clinics_visit_type_is_not_found(clinic: Clinic) -> None:
    elsewhere = VisitTypeFactory()
    response = client_for(clinic.patient.user).get(url("appointments_visit_type", clinic, visit_type_id=elsewhere.pk))
    assert response.status_code == 404


def test_a_request_keeps_what_was_typed_and_then_reaches_the_clinic(clinic: Clinic) -> None:
    asked = VisitTypeFactory(organization=clinic.organization, name="Annual physical", booking_mode="request")
    client = client_for(clinic.patient.user)
    address = url("appointments_request", clinic, visit_type_id=asked.pk)

    refused = client.post(address, {"note": "x" * 2001})
    assert refused.status_code == 200
    assert "x" * 2001 in refused.content.decode()
    assert not AppointmentRequest.objects.exists()

    assert client.post(address, {"note": "Tuesday mornings"}).status_code == 302
    request = AppointmentRequest.objects.get()
    assert (request.kind, request.note, request.visit_type) == ("book", "Tuesday mornings", asked)
    page = client.get(url("appointments_visit_type", clinic, visit_type_id=asked.pk)).content.decode()
    assert "The clinic will contact you to book a time" in page


# --- Holding and booking -----------------------------------------------------------------------


def test_hold_then_confirm_books_the_time(clinic: Clinic) -> None:
    slot = open_slots(clinic)[0]
    client = client_for(clinic.patient.user)

    response = client.post(
        url("appointments_hold_time", clinic, visit_type_id=clinic.follow_up.pk), {"slot": value(slot)}
    )
    held = Appointment.objects.get()
    assert response["Location"] == url("appointments_hold", clinic, hold_id=held.pk)
    assert held.status == Status.HELD
    page = client.get(response["Location"]).content.decode()
    until = timezone.localtime(held.hold_expires_at, ZoneInfo(clinic.organization.time_zone))
    assert f"Held for you until {time_format(until)}</strong>" in page

    booked = client.post(url("appointments_hold", clinic, hold_id=held.pk))
    held.refresh_from_db()
    assert held.status == Status.BOOKED
    assert booked["Location"] == url("appointments_visit", clinic, appointment_id=held.pk)
    assert "Your visit is booked" in client.get(booked["Location"]).content.decode()


def test_a_time_someone_else_took_says_so_and_offers_nearby_times(clinic: Clinic) -> None:
    slot = open_slots(clinic)[0]
    book(clinic, slot, patient=clinic.new_patient())
    client = client_for(clinic.patient.user)

    page = client.post(url("appointments_hold_time", clinic, visit_type_id=clinic.follow_up.pk), {"slot": value(slot)})

    body = page.content.decode()
    assert "that time has just been taken" in body
    assert len(page.context["alternatives"]) == 3
    assert all(f'value="{choice.value}"' in body for choice in page.context["alternatives"])
    assert not Appointment.objects.filter(patient=clinic.patient).exists()


def test_a_hold_that_ran_out_and_was_taken_offers_others_on_confirm(clinic: Clinic) -> None:
    slot = open_slots(clinic)[0]
    hold = appointment_hold(
        access=clinic.access(),
        actor=clinic.patient.user,
        visit_type_id=clinic.follow_up.pk,
        provider_id=slot.provider_id,
        location_id=slot.location_id,
        starts_at=slot.starts_at,
        now=timezone.now() - timedelta(minutes=30),
    )
    book(clinic, slot, patient=clinic.new_patient())  # expires the stale hold in passing
    client = client_for(clinic.patient.user)

    page = client.post(url("appointments_hold", clinic, hold_id=hold.pk))

    assert "that time has just been taken" in page.content.decode()
    assert page.context["alternatives"]
    assert not Appointment.objects.filter(patient=clinic.patient, status=Status.BOOKED).exists()


def test_a_nonsense_slot_is_refused_on_the_page(clinic: Clinic) -> None:
    page = client_for(clinic.patient.user).post(
        url("appointments_hold_time", clinic, visit_type_id=clinic.follow_up.pk), {"slot": "nonsense"}
    )
    assert "Choose one of the times shown." in page.content.decode()
    assert not Appointment.objects.exists()


def test_no_time_chosen_is_an_error_of_the_times_not_of_the_page(clinic: Clinic) -> None:
    page = client_for(clinic.patient.user).post(
        url("appointments_hold_time", clinic, visit_type_id=clinic.follow_up.pk), {}
    )

    html = page.content.decode()
    assert (
        '<fieldset class="slot-choices field--error" id="id_slot" tabindex="-1" aria-invalid="true"'
        ' aria-describedby="id_slot_helptext id_slot_error">'
    ) in html
    assert '<div class="field__errors" id="id_slot_error"><p>Choose a time.</p></div>' in html
    assert '<li><a href="#id_slot">Time: Choose a time.</a></li>' in html
    assert "notice--error" not in html
    assert not Appointment.objects.exists()


def test_a_caregiver_with_the_scheduling_scope_books_for_the_patient(clinic: Clinic) -> None:
    caregiver = ProxyGrantFactory(patient=clinic.patient, scopes=[Scope.SCHEDULING]).grantee
    client = client_for(caregiver)
    slot = open_slots(clinic)[0]

    response = client.post(
        url("appointments_hold_time", clinic, visit_type_id=clinic.follow_up.pk), {"slot": value(slot)}
    )
    assert "You are booking for" in client.get(response["Location"]).content.decode()
    client.post(response["Location"])

    assert Appointment.objects.get(patient=clinic.patient).created_by == caregiver


# --- A visit: calendar, directions, cancel, reschedule -----------------------------------------


def test_the_visit_page_has_directions_and_a_calendar_file(clinic: Clinic) -> None:
    visit = book(clinic, open_slots(clinic, days_ahead=3)[0])
    client = client_for(clinic.patient.user)

    page = client.get(url("appointments_visit", clinic, appointment_id=visit.pk)).content.decode()
    assert page.count("100 Lake Street") == 1  # said once (the summary), not again under directions
    assert "https://www.google.com/maps/search/?api=1&amp;query=100%20Lake%20Street" in page
    calendar = client.get(url("appointments_calendar", clinic, appointment_id=visit.pk))
    assert calendar["Content-Type"] == "text/calendar; charset=utf-8"
    assert "BEGIN:VEVENT" in calendar.content.decode()


def test_a_video_visit_shows_its_link_not_an_address(clinic: Clinic) -> None:
    clinic.follow_up.modality = VisitType.Modality.VIDEO
    clinic.follow_up.save()
    visit = book(clinic, open_slots(clinic, days_ahead=3)[0])
    Appointment.objects.filter(pk=visit.pk).update(video_link="https://video.example/room/1")

    page = (
        client_for(clinic.patient.user).get(url("appointments_visit", clinic, appointment_id=visit.pk)).content.decode()
    )
    assert "https://video.example/room/1" in page and "maps" not in page


def test_cancel_asks_first_then_cancels(clinic: Clinic) -> None:
    visit = book(clinic, open_slots(clinic, days_ahead=3)[0])
    client = client_for(clinic.patient.user)
    address = url("appointments_cancel", clinic, appointment_id=visit.pk)

    assert "Yes, cancel this visit" in client.get(address).content.decode()
    visit.refresh_from_db()
    assert visit.status == Status.BOOKED
    response = client.post(address, {"note": ""})
    visit.refresh_from_db()
    assert visit.status == Status.CANCELLED
    assert "Your visit is cancelled" in client.get(response["Location"]).content.decode()


def test_a_late_cancel_becomes_a_request_and_the_page_says_so(clinic: Clinic) -> None:
    clinic.follow_up.cancel_cutoff_hours = 24 * 30
    clinic.follow_up.save()
    visit = book(clinic, open_slots(clinic, days_ahead=2)[0])
    client = client_for(clinic.patient.user)
    address = url("appointments_cancel", clinic, appointment_id=visit.pk)

    assert "cannot be changed online" in client.get(address).content.decode()
    response = client.post(address, {"note": "I am ill"})
    visit.refresh_from_db()
    assert visit.status == Status.BOOKED
    assert AppointmentRequest.objects.get().note == "I am ill"
    assert "we have asked the clinic to do it" in client.get(response["Location"]).content.decode()


def test_a_late_cancel_too_close_to_the_visit_says_to_call_the_clinic(clinic: Clinic) -> None:
    visit = staff_visit(
        patient=clinic.patient,
        provider=clinic.dr_kim,
        visit_type=clinic.follow_up,
        starts_at=soon(30),
        actor=clinic.front_desk.user,
    )
    client = client_for(clinic.patient.user)

    response = client.post(url("appointments_cancel", clinic, appointment_id=visit.pk), {"note": ""}, follow=True)

    page = response.content.decode()
    assert AppointmentRequest.objects.get().thread_id is None
    assert "Please call Lakeside Primary Care at (312) 555-0100." in page
    assert 'href="tel:(312) 555-0100"' in page
    assert "will answer by" not in page


def test_reschedule_shows_the_new_time_first_then_moves(clinic: Clinic) -> None:
    visit = book(clinic, open_slots(clinic, days_ahead=3)[0])
    client = client_for(clinic.patient.user)
    listing = client.get(url("appointments_reschedule", clinic, appointment_id=visit.pk))
    new = listing.context["page"].days[0][1][0].times[0]
    confirm = url("appointments_reschedule_confirm", clinic, appointment_id=visit.pk)

    page = client.get(confirm, {"slot": new.value})
    assert "Move my visit" in page.content.decode()
    assert Appointment.objects.get().status == Status.BOOKED  # a GET changes nothing

    response = client.post(confirm, {"slot": new.value, "note": ""})
    moved = Appointment.objects.get(rescheduled_from=visit)
    assert (moved.starts_at, moved.status) == (new.starts_at, Status.BOOKED)
    assert response["Location"] == url("appointments_visit", clinic, appointment_id=moved.pk)


def test_a_reschedule_to_a_taken_time_keeps_the_old_visit_and_offers_others(clinic: Clinic) -> None:
    visit = book(clinic, open_slots(clinic, days_ahead=3)[0])
    taken = open_slots(clinic, days_ahead=4)[0]
    book(clinic, taken, patient=clinic.new_patient())
    client = client_for(clinic.patient.user)

    page = client.post(url("appointments_reschedule_confirm", clinic, appointment_id=visit.pk), {"slot": value(taken)})

    assert "that time has just been taken" in page.content.decode()
    assert page.context["alternatives"]
    visit.refresh_from_db()
    assert visit.status == Status.BOOKED


# --- The waitlist, its offers, reminder links --------------------------------------------------


def test_waitlist_join_keeps_the_days_on_error_then_joins_and_leaves(clinic: Clinic) -> None:
    client = client_for(clinic.patient.user)
    address = url("appointments_waitlist_join", clinic, visit_type_id=clinic.follow_up.pk)
    today = timezone.localdate()

    page = client.post(address, {"earliest": today + timedelta(days=5), "latest": today + timedelta(days=2)})
    assert "The last day must not be before the first day." in page.content.decode()
    assert (today + timedelta(days=5)).isoformat() in page.content.decode()

    client.post(address, {"earliest": today, "latest": today + timedelta(days=7)})
    entry = WaitlistEntry.objects.get(status="active")
    client.post(url("appointments_waitlist_leave", clinic, entry_id=entry.pk))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.CANCELLED


def test_an_offer_page_shows_the_time_and_the_first_to_accept_gets_it(clinic: Clinic) -> None:
    first, second = clinic.new_patient(), clinic.new_patient()
    _visit, [(offer_one, token_one), (offer_two, token_two)] = offered(clinic, [first, second])
    one = client_for(first.user)
    address = reverse("appointments_offer_accept", kwargs={"token": token_one})

    page = one.get(address)
    assert "Accept this time" in page.content.decode()
    offer_one.refresh_from_db()
    assert offer_one.status == WaitlistOffer.Status.OFFERED  # a GET changes nothing

    response = one.post(address)
    offer_one.refresh_from_db()
    assert offer_one.status == WaitlistOffer.Status.ACCEPTED
    assert response["Location"] == reverse(
        "appointments_visit", kwargs={"patient_id": first.pk, "appointment_id": offer_one.appointment_id}
    )
    late = client_for(second.user).post(reverse("appointments_offer_accept", kwargs={"token": token_two}))
    assert "someone else took this time" in late.content.decode()


def test_an_offer_link_is_for_its_patient_only(clinic: Clinic) -> None:
    _visit, [(offer, token)] = offered(clinic, [clinic.new_patient()])
    address = reverse("appointments_offer_accept", kwargs={"token": token})

    assert client_for(clinic.new_patient().user).get(address).status_code == 404
    forged = links.make_token(links.ACCEPT, offer.pk)
    assert (
        client_for(offer.entry.patient.user)
        .get(reverse("appointments_offer_accept", kwargs={"token": forged}))
        .status_code
        == 404
    )
    assert client_for(offer.entry.patient.user).get(address).status_code == 200


def test_reminder_links_change_nothing_until_the_button(clinic: Clinic) -> None:
    from django.test import Client

    visit = book(clinic, open_slots(clinic, days_ahead=3)[0])
    confirm = reverse("appointments_link_confirm", kwargs={"token": links.make_token(links.CONFIRM, visit.pk)})
    cancel = reverse("appointments_link_cancel", kwargs={"token": links.make_token(links.CANCEL, visit.pk)})
    anyone = Client()

    assert "Yes, I am coming" in anyone.get(confirm).content.decode()
    assert "Cancel my visit" in anyone.get(cancel).content.decode()
    visit.refresh_from_db()
    assert (visit.confirmed_at, visit.status) == (None, Status.BOOKED)
    assert "Follow-up visit" not in anyone.get(confirm).content.decode()  # no more than the reminder said

    assert "noted that you are coming" in anyone.post(confirm).content.decode()
    assert "Your visit is cancelled" in anyone.post(cancel).content.decode()
    visit.refresh_from_db()
    assert visit.confirmed_at is not None and visit.status == Status.CANCELLED
    assert anyone.get(reverse("appointments_link_confirm", kwargs={"token": "forged"})).status_code == 404
    wrong_purpose = reverse("appointments_link_cancel", kwargs={"token": links.make_token(links.CONFIRM, visit.pk)})
    assert anyone.get(wrong_purpose).status_code == 404
