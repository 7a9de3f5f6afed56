"""The staff scheduling pages and the conversation each appointment request opens: the schedule
(day and week, in constant queries), marks, booking for a patient, requests handled (their
thread answered and closed), the waitlist, and the staff home card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from messaging.factories import PoolFactory
from messaging.models import Message, Pool, Thread
from portal.access import Action, resolve
from portal.models import AuditEvent, Notice, StaffRole
from scheduling.factories import ProviderOfferingFactory, VisitTypeFactory
from scheduling.models import Appointment, AppointmentRequest, WaitlistEntry
from scheduling.services.changes import appointment_cancel, appointment_reschedule
from tests.conftest import sign_in
from tests.scheduling.conftest import CHICAGO, Clinic
from tests.scheduling.staff_arrange import ask_for, soon, today_at, visit

pytestmark = pytest.mark.django_db
Status = Appointment.Status
# Session, user, second factor, staff check, notices badge; then the page's own: the scheduler,
# the providers, the visits, their waiting change requests, one bulk audit insert; the roles of the
# reader, for the links other apps add to each visit (portal/visit_links.py: the pre-visit briefing).
SCHEDULE_QUERIES = 17
LIST_QUERIES = 12


@pytest.fixture
def desk(client, clinic: Clinic):
    return sign_in(client, clinic.front_desk.user, second_factor=True)


@pytest.fixture
def by_request(clinic: Clinic):
    """A visit type staff book on request, offered by Dr Kim, and the clinic's front desk pool."""
    visit_type = VisitTypeFactory(organization=clinic.organization, name="New patient visit", booking_mode="request")
    ProviderOfferingFactory(provider=clinic.dr_kim, visit_type=visit_type, location=clinic.location)
    PoolFactory(organization=clinic.organization, name="Desk", kind=Pool.Kind.FRONT_DESK, members=[clinic.front_desk])
    return visit_type


def _today_visits(clinic: Clinic, count: int) -> list[Appointment]:
    patients = [clinic.patient] + [clinic.new_patient() for _ in range(count - 1)]
    return [
        visit(
            patient=patient,
            provider=clinic.dr_kim,
            visit_type=clinic.follow_up,
            starts_at=today_at(8, 30 * (count - n)),  # booked latest first: the page must sort them
            actor=clinic.front_desk.user,
        )
        for n, patient in enumerate(patients)
    ]


def _schedule(desk, clinic: Clinic, **query: str):
    return desk.get(reverse("staff_schedule"), {"provider": clinic.dr_kim.pk, **query})


# -- the schedule -------------------------------------------------------------------------------------


def test_the_day_lists_the_providers_visits_in_time_order_and_audits_each(desk, clinic: Clinic) -> None:
    visits = _today_visits(clinic, 2)
    visit(
        patient=clinic.new_patient(),
        provider=clinic.dr_lee,
        visit_type=clinic.follow_up,
        starts_at=today_at(8),
        actor=clinic.front_desk.user,
    )
    audit_before = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count()

    response = _schedule(desk, clinic)  # today, by default

    body = response.content.decode()
    in_order = sorted(visits, key=lambda v: v.starts_at)
    names = [escape(f"{v.patient.family_name}, {v.patient.given_name}") for v in in_order]
    assert response.status_code == 200
    assert body.index(names[0]) < body.index(names[1])
    assert body.count('class="visit visit--booked"') == 2  # Dr Lee's visit is on his own schedule
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count() == audit_before + 2


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_schedule_costs_the_same_queries_for_two_visits_or_five(
    desk, clinic: Clinic, django_assert_num_queries, view: str
) -> None:
    day = today_at(0).date().isoformat()
    _schedule(desk, clinic)  # the first page of a session also writes the session's own rows
    _today_visits(clinic, 2)
    with django_assert_num_queries(SCHEDULE_QUERIES):
        _schedule(desk, clinic, day=day, view=view)
    for n in range(1, 4):
        visit(
            patient=clinic.new_patient(),
            provider=clinic.dr_kim,
            visit_type=clinic.follow_up,
            starts_at=today_at(12, 30 * n),
            actor=clinic.front_desk.user,
        )
    with django_assert_num_queries(SCHEDULE_QUERIES):
        response = _schedule(desk, clinic, day=day, view=view)
    assert response.content.decode().count('class="visit visit--booked"') == 5


def test_the_day_shows_an_online_check_in_and_a_waiting_change_request(
    desk, clinic: Clinic, django_assert_num_queries
) -> None:
    clinic.follow_up.cancel_cutoff_hours = 24 * 30  # any change the patient asks for now is late
    clinic.follow_up.save()
    moving, cancelling, _plain = (
        visit(
            patient=patient,
            provider=clinic.dr_kim,
            visit_type=clinic.follow_up,
            starts_at=soon(60 * 5 + 30 * n),
            actor=clinic.front_desk.user,
        )
        for n, patient in enumerate([clinic.patient, clinic.new_patient(), clinic.new_patient()])
    )
    Appointment.objects.filter(pk=moving.pk).update(checked_in_at=timezone.now())
    asked = []
    for booked, change in ((moving, appointment_reschedule), (cancelling, appointment_cancel)):
        access = resolve(booked.patient.user, booked.patient, Action.SCHEDULING)
        assert access is not None
        if change is appointment_cancel:
            outcome = appointment_cancel(access=access, actor=booked.patient.user, appointment_id=booked.pk)
        else:
            outcome = appointment_reschedule(
                access=access,
                actor=booked.patient.user,
                appointment_id=booked.pk,
                provider_id=booked.provider_id,
                location_id=booked.location_id,
                starts_at=booked.starts_at + timedelta(days=1),
            )
        asked.append(outcome.request)
    day = timezone.localdate(moving.starts_at, CHICAGO)
    _schedule(desk, clinic, day=day.isoformat())  # the session's first page writes its own rows

    with django_assert_num_queries(SCHEDULE_QUERIES):
        response = _schedule(desk, clinic, day=day.isoformat())

    cards = response.content.decode().split('<li class="visit visit--booked">')[1:]
    assert len(cards) == 3
    assert "Checked in online" in cards[0] and "Change requested" in cards[0]
    assert reverse("staff_schedule_request", args=[asked[0].pk]) in cards[0]
    assert "Cancellation requested" in cards[1] and "Checked in online" not in cards[1]
    assert reverse("staff_schedule_request", args=[asked[1].pk]) in cards[1]
    assert "requested" not in cards[2] and "Checked in online" not in cards[2]


def test_the_week_shows_seven_days(desk, clinic: Clinic) -> None:
    response = _schedule(desk, clinic, view="week", day="2026-11-23")

    assert response.content.decode().count('class="schedule__day"') == 7


def test_a_visit_is_marked_arrived_from_the_day(desk, clinic: Clinic) -> None:
    [booked] = _today_visits(clinic, 1)

    response = desk.post(reverse("staff_schedule_mark", args=[booked.pk]), {"status": "arrived", "next": "/x/"})

    booked.refresh_from_db()
    assert (response.status_code, response["Location"], booked.status) == (302, "/x/", Status.ARRIVED)


def test_marking_too_early_says_so_and_changes_nothing(desk, clinic: Clinic) -> None:
    later = visit(
        patient=clinic.patient,
        provider=clinic.dr_kim,
        visit_type=clinic.follow_up,
        starts_at=soon(60 * 24),
        actor=clinic.front_desk.user,
    )

    response = desk.post(reverse("staff_schedule_mark", args=[later.pk]), {"status": "no_show"}, follow=True)

    later.refresh_from_db()
    assert later.status == Status.BOOKED
    assert "too early" in response.content.decode()


def test_the_home_card_counts_todays_visits_and_waiting_requests(desk, clinic: Clinic, by_request) -> None:
    _today_visits(clinic, 1)
    ask_for(clinic.patient, by_request)

    response = desk.get(reverse("staff_schedule_today"))

    body = response.content.decode()
    assert "1 visit today" in body and "1 request waits" in body


# -- booking for a patient ----------------------------------------------------------------------------


def test_the_booking_search_links_to_booking_for_each_patient_found(desk, clinic: Clinic) -> None:
    response = desk.get(reverse("staff_schedule_book_search"), {"q": clinic.patient.family_name})

    assert reverse("staff_schedule_book", args=[clinic.patient.pk]) in response.content.decode()


def test_staff_book_an_open_time_for_the_patient(desk, clinic: Clinic) -> None:
    url = reverse("staff_schedule_book", args=[clinic.patient.pk])
    page = desk.get(url, {"visit_type": clinic.follow_up.pk})
    assert 'class="button button--secondary slot"' in page.content.decode()
    starts_at = soon(60 * 24 * 3)

    response = desk.post(
        url,
        {
            "provider": clinic.dr_lee.pk,
            "location": clinic.location.pk,
            "starts_at": starts_at.isoformat(),
            "visit_type": clinic.follow_up.pk,
        },
    )

    booked = Appointment.objects.get(patient=clinic.patient)
    assert response.status_code == 302
    assert (booked.source, booked.status, booked.provider, booked.starts_at) == (
        "staff",
        "booked",
        clinic.dr_lee,
        starts_at,
    )


def test_a_taken_time_is_refused_and_the_times_shown_again(desk, clinic: Clinic) -> None:
    taken = visit(
        patient=clinic.new_patient(),
        provider=clinic.dr_lee,
        visit_type=clinic.follow_up,
        starts_at=soon(60 * 48),
        actor=clinic.front_desk.user,
    )
    slot = {"provider": clinic.dr_lee.pk, "location": clinic.location.pk, "visit_type": clinic.follow_up.pk}

    response = desk.post(
        reverse("staff_schedule_book", args=[clinic.patient.pk]), {**slot, "starts_at": taken.starts_at.isoformat()}
    )

    assert response.status_code == 400
    assert "just been taken" in response.content.decode()
    assert "Open times: Follow-up visit" in response.content.decode()
    assert not Appointment.objects.filter(patient=clinic.patient).exists()


@pytest.mark.parametrize("visit_type", ["²", "99999999999999999999"])
def test_a_posted_visit_type_no_row_can_have_is_refused_not_a_500(desk, clinic: Clinic, visit_type: str) -> None:
    # isdigit() passed "²", which int() refused when the times were shown again: a 500 once.
    response = desk.post(
        reverse("staff_schedule_book", args=[clinic.patient.pk]),
        {"provider": clinic.dr_lee.pk, "location": clinic.location.pk, "visit_type": visit_type},
    )

    assert response.status_code == 400
    assert "Choose one of the open times." in response.content.decode()


# -- requests and their conversations -----------------------------------------------------------------


def test_a_request_opens_a_conversation_in_the_front_desk_pool(clinic: Clinic, by_request) -> None:
    request = ask_for(clinic.patient, by_request, note="Mornings please")

    thread = Thread.objects.get(appointment_request=request)
    message = thread.messages.get()
    assert (thread.pool.kind, thread.owner, thread.category, thread.status) == (
        "front_desk",
        clinic.front_desk,
        "appointment",
        "open",
    )
    assert message.body == "I would like to book a visit: New patient visit.\n\nMornings please"
    assert (message.author, message.acting_as) == (clinic.patient.user, "self")
    assert thread.first_response_due_at > thread.created_at
    assert Notice.objects.filter(target_id=thread.pk, user=clinic.front_desk.user, kind="new_thread").count() == 1
    assert AuditEvent.objects.filter(object_type="messaging.Message", object_id=str(message.pk)).count() == 1


def test_asking_again_opens_no_second_conversation(clinic: Clinic, by_request) -> None:
    first = ask_for(clinic.patient, by_request)
    again = ask_for(clinic.patient, by_request)

    assert again == first
    assert Thread.objects.filter(patient=clinic.patient).count() == 1


def test_a_scheduling_pool_comes_before_the_front_desk(clinic: Clinic, by_request) -> None:
    scheduler = clinic.front_desk.__class__.objects.create(
        user=clinic.new_patient().user, organization=clinic.organization, role=StaffRole.FRONT_DESK
    )
    PoolFactory(organization=clinic.organization, name="Booking", kind=Pool.Kind.SCHEDULING, members=[scheduler])

    request = ask_for(clinic.patient, by_request)

    assert (request.thread.pool.kind, request.thread.owner) == ("scheduling", scheduler)


def test_without_either_pool_messaging_routes_it(clinic: Clinic) -> None:
    visit_type = VisitTypeFactory(organization=clinic.organization, booking_mode="request")

    request = ask_for(clinic.patient, visit_type)

    assert request.thread.pool.kind == "fallback"


def test_a_late_cancellation_opens_a_conversation_too(clinic: Clinic, by_request) -> None:
    booked = visit(
        patient=clinic.patient,
        provider=clinic.dr_kim,
        visit_type=clinic.follow_up,
        starts_at=soon(60 * 5),
        actor=clinic.front_desk.user,
    )
    access = resolve(clinic.patient.user, clinic.patient, Action.SCHEDULING)

    outcome = appointment_cancel(access=access, actor=clinic.patient.user, appointment_id=booked.pk, note="Flu")

    body = outcome.request.thread.messages.get().body
    assert body.startswith("Please cancel my visit (Follow-up visit) on ")
    assert body.endswith("It is too late to do it online.\n\nFlu")


def test_the_request_list_is_oldest_first_in_constant_queries(
    desk, clinic: Clinic, by_request, django_assert_num_queries
) -> None:
    desk.get(reverse("staff_schedule_requests"))  # the session's first page writes its own rows
    ask_for(clinic.patient, by_request)
    with django_assert_num_queries(LIST_QUERIES):
        desk.get(reverse("staff_schedule_requests"))
    later = clinic.new_patient()
    ask_for(later, by_request)
    ask_for(clinic.new_patient(), by_request)
    with django_assert_num_queries(LIST_QUERIES):
        response = desk.get(reverse("staff_schedule_requests"))
    body = response.content.decode()
    assert body.index(clinic.patient.family_name) < body.index(later.family_name)


def test_booking_a_request_books_closes_it_and_answers_the_patient(desk, clinic: Clinic, by_request) -> None:
    request = ask_for(clinic.patient, by_request)
    assert by_request.name in desk.get(reverse("staff_schedule_request", args=[request.pk])).content.decode()
    starts_at = soon(60 * 24 * 2)

    response = desk.post(
        reverse("staff_schedule_request_book", args=[request.pk]),
        {"provider": clinic.dr_kim.pk, "location": clinic.location.pk, "starts_at": starts_at.isoformat()},
    )

    request.refresh_from_db()
    thread = Thread.objects.get(pk=request.thread_id)
    reply = thread.messages.order_by("pk").last()
    assert response.status_code == 302
    assert (request.status, request.appointment.starts_at, request.handled_by) == (
        "done",
        starts_at,
        clinic.front_desk.user,
    )
    assert (thread.status, thread.outcome, thread.first_responded_at is not None) == ("closed", "answered", True)
    assert reply.author == clinic.front_desk.user
    assert reply.body.startswith("Your visit (New patient visit) is booked for ")


def test_declining_needs_a_reason_and_keeps_what_was_typed(desk, clinic: Clinic, by_request) -> None:
    request = ask_for(clinic.patient, by_request)
    url = reverse("staff_schedule_request_decline", args=[request.pk])

    empty = desk.post(url, {"reason": "  "})
    done = desk.post(url, {"reason": "Dr Kim takes no new patients until May."})

    request.refresh_from_db()
    assert empty.status_code == 400
    assert (done.status_code, request.status) == (302, "declined")
    last = Message.objects.filter(thread=request.thread_id).order_by("pk").last()
    assert last.body == "We could not do what you asked: Dr Kim takes no new patients until May."


def test_a_late_cancellation_is_done_by_staff(desk, clinic: Clinic, by_request) -> None:
    booked = visit(
        patient=clinic.patient,
        provider=clinic.dr_kim,
        visit_type=clinic.follow_up,
        starts_at=soon(60 * 5),
        actor=clinic.front_desk.user,
    )
    access = resolve(clinic.patient.user, clinic.patient, Action.SCHEDULING)
    request = appointment_cancel(access=access, actor=clinic.patient.user, appointment_id=booked.pk).request

    response = desk.post(reverse("staff_schedule_request_cancel", args=[request.pk]))

    booked.refresh_from_db()
    assert (response.status_code, booked.status) == (302, "cancelled")
    assert AppointmentRequest.objects.get(pk=request.pk).thread.status == "closed"


def test_a_handled_request_cannot_be_handled_twice(desk, clinic: Clinic, by_request) -> None:
    request = ask_for(clinic.patient, by_request)
    desk.post(reverse("staff_schedule_request_decline", args=[request.pk]), {"reason": "No"})

    again = desk.post(reverse("staff_schedule_request_decline", args=[request.pk]), {"reason": "No"})

    assert again.status_code == 400
    assert "already been handled" in again.content.decode()


# -- the waitlist ---------------------------------------------------------------------------------------


def test_the_waitlist_groups_waiting_patients_by_visit_type(desk, clinic: Clinic, django_assert_num_queries) -> None:
    today = timezone.localdate()
    for patient in (clinic.patient, clinic.new_patient()):
        WaitlistEntry.objects.create(
            patient=patient,
            visit_type=clinic.follow_up,
            earliest=today,
            latest=today + timedelta(days=7),
            created_by=patient.user,
        )
    desk.get(reverse("staff_schedule_waitlist"))  # the session's first page writes its own rows
    with django_assert_num_queries(LIST_QUERIES):
        response = desk.get(reverse("staff_schedule_waitlist"))

    assert "(2 waiting)" in response.content.decode()


# -- the old prefix ------------------------------------------------------------------------------------


def test_the_pages_live_under_staff_scheduling() -> None:
    assert reverse("staff_schedule") == "/staff/scheduling/"
    assert reverse("staff_schedule_request", args=[7]) == "/staff/scheduling/requests/7/"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/staff/schedule/", "/staff/scheduling/"),
        ("/staff/schedule/requests/7/", "/staff/scheduling/requests/7/"),
        ("/staff/schedule/?provider=3&week=1", "/staff/scheduling/?provider=3&week=1"),
        ("/staff/schedule/book/?q=kim", "/staff/scheduling/book/?q=kim"),
    ],
)
def test_a_bookmark_of_the_old_prefix_moves_permanently_keeping_path_and_query(client, old: str, new: str) -> None:
    # Anyone, signed in or not: the new page applies its own checks after the redirect.
    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == new
