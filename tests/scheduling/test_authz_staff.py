"""The authorization matrix for the staff scheduling pages. Pages about one patient (booking for
them, their request, marking their visit) are for the staff of the patient's own clinic: a
care-team clinician of another clinic reads the patient elsewhere but keeps no schedule here, so
gets 404 like staff of another organization, administrators, the patient and caregivers, and
nothing is written. The clinic-wide pages (schedule, requests, waitlist, the home card's count)
are asked as every actor: staff see their own clinic's, and never a stranger's patient."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import AuditEvent, Scope
from scheduling.factories import ProviderFactory, ProviderOfferingFactory, VisitTypeFactory
from scheduling.models import AppointmentRequest, Location, WaitlistEntry
from tests.authz import (
    ACTORS,
    ANONYMOUS,
    CARE_TEAM_STAFF,
    CLINIC_STAFF,
    STRANGERS,
    Endpoint,
    Url,
    World,
    build_world,
    check_endpoint,
    database_rows,
)
from tests.scheduling.conftest import weekday_mornings
from tests.scheduling.staff_arrange import ask_for, soon, today_at, visit

pytestmark = pytest.mark.django_db


def _arrange(world: World) -> None:
    """A provider of the patient's clinic, a visit today, a request and a waitlist entry."""
    home = world.patient.home_organization
    location = Location.objects.create(organization=home, name="Main clinic")
    provider = ProviderFactory(organization=home, user__full_name="Ida Provider")
    visit_type = VisitTypeFactory(organization=home, name="Check-up", booking_mode="request")
    ProviderOfferingFactory(provider=provider, visit_type=visit_type, location=location)
    weekday_mornings(provider, location)
    staff_user = world.users[CLINIC_STAFF]
    world.items.update(
        provider=provider,
        location=location,
        visit_type=visit_type,
        visit=visit(
            patient=world.patient, provider=provider, visit_type=visit_type, starts_at=today_at(0), actor=staff_user
        ),
        request=ask_for(world.patient, visit_type),
        waiting=WaitlistEntry.objects.create(
            patient=world.patient,
            visit_type=visit_type,
            earliest=today_at(0).date(),
            latest=today_at(0).date(),
            created_by=world.patient.user,
        ),
    )


def _slot(world: World) -> dict[str, Any]:
    return {
        "provider": world.items["provider"].pk,
        "location": world.items["location"].pk,
        "starts_at": soon(60 * 24 * 3).isoformat(),
        "visit_type": world.items["visit_type"].pk,
    }


def _endpoint(name: str, url: Any, method: str = "get", **fields: Any) -> Endpoint:
    return Endpoint(
        name,
        "staff_only",
        url,
        method=method,
        scope=Scope.SCHEDULING,
        ok_status=302 if method == "post" else 200,
        arrange=_arrange,
        **fields,
    )


def _book_url(world: World) -> str:
    return reverse("staff_schedule_book", args=[world.patient.pk])


def _request_url(name: str) -> Url:
    return Url(name, lambda world: reverse(name, args=[world.items["request"].pk]))


ENDPOINTS = [
    _endpoint(
        "book page", Url("staff_schedule_book", lambda w: _book_url(w) + f"?visit_type={w.items['visit_type'].pk}")
    ),
    _endpoint("book a time", Url("staff_schedule_book", _book_url), "post", data=_slot),
    _endpoint("request page", _request_url("staff_schedule_request")),
    _endpoint("request booked", _request_url("staff_schedule_request_book"), "post", data=_slot),
    _endpoint(
        "request declined", _request_url("staff_schedule_request_decline"), "post", data=lambda w: {"reason": "No"}
    ),
    _endpoint(
        "visit marked",
        Url("staff_schedule_mark", lambda world: reverse("staff_schedule_mark", args=[world.items["visit"].pk])),
        "post",
        data=lambda w: {"status": "arrived"},
    ),
]


@pytest.mark.parametrize("actor", [actor for actor in ACTORS if actor != CARE_TEAM_STAFF])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_staff_scheduling_endpoint(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_care_team_clinician_of_another_clinic_keeps_no_schedule_here(endpoint: Endpoint) -> None:
    world = build_world(Scope.SCHEDULING)
    _arrange(world)
    # Signed in first: signing in records the sign-in time on the user, which is not the request's doing.
    client = world.client_for(CARE_TEAM_STAFF)
    before, audit_before = database_rows(), AuditEvent.objects.count()

    response = getattr(client, endpoint.method)(endpoint.url(world), endpoint.data(world))

    assert response.status_code == 404
    assert (database_rows(), AuditEvent.objects.count(), mail.outbox) == (before, audit_before, [])
    assert AppointmentRequest.objects.get().status == "open"


CLINIC_PAGES = ["staff_schedule", "staff_schedule_requests", "staff_schedule_waitlist", "staff_schedule_today"]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", CLINIC_PAGES)
def test_the_clinic_pages_show_each_staff_member_their_own_clinic(name: str, actor: str) -> None:
    world = build_world(Scope.SCHEDULING)
    _arrange(world)

    response = world.client_for(actor).get(reverse(name))

    body = response.content.decode()
    if actor == ANONYMOUS:
        expected = 302
    elif actor in {CLINIC_STAFF, CARE_TEAM_STAFF, "other_org_staff"}:
        expected = 200  # the care-team clinician and the other clinic's nurse see their own clinic
    else:
        expected = 404  # patients, caregivers, and administrators (who keep no schedule)
    assert response.status_code == expected, (name, actor, response.status_code)
    if actor in STRANGERS or actor == CARE_TEAM_STAFF:
        assert world.patient.family_name not in body
    if actor == CLINIC_STAFF and name != "staff_schedule_today":
        assert world.patient.family_name in body
