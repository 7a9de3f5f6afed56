"""The scheduling API in the authorization matrix: the patient and caregivers with the scheduling
scope get in; everyone else, staff included (they have the staff schedule), gets 404 (anonymous:
403) and changes nothing, scheduling rows included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse

from portal.models import Scope
from portal.services.tokens import token_hash
from scheduling import links
from scheduling.factories import (
    AvailabilityTemplateFactory,
    LocationFactory,
    ProviderFactory,
    ProviderOfferingFactory,
    VisitTypeFactory,
)
from scheduling.models import Appointment, VisitType, WaitlistEntry, WaitlistOffer
from tests.authz import ACTORS, ALLOWED, PROXY_WITH_SCOPE, SELF, Endpoint, Url, World, check_endpoint, patient_url
from tests.clock import Clock
from tests.scheduling.conftest import NOW, at

pytestmark = pytest.mark.django_db

assert ALLOWED["patient_side"] == {SELF, PROXY_WITH_SCOPE}

WEDNESDAY_10 = at(2026, 3, 4, 10)


@pytest.fixture(autouse=True)
def _monday_morning(clock: Clock) -> None:
    """Monday 2 March 2026, 07:00 at the clinic: the times below are open and ahead."""
    clock.move_to(NOW, tick=False)


def _scheduling_rows() -> dict[str, list[str]]:
    """Every scheduling row as it stands: a refused caller must not add or change one (tests/authz.py
    checks every table as well), and an allowed write must change one (a cancel changes a row without
    adding one)."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_app_config("scheduling").get_models()
    }


SNAPSHOT: dict[str, dict[str, list[str]]] = {}


def _clinic(world: World) -> None:
    """The patient's clinic in Chicago: one provider on weekday mornings, a follow-up anyone books
    (up to five at once), a visit type staff book on request, and a visit on Tuesday at 9:00."""
    organization = world.patient.home_organization
    organization.time_zone, organization.phone = "America/Chicago", "(312) 555-0100"
    organization.save(update_fields=["time_zone", "phone"])
    location = LocationFactory(organization=organization)
    provider = ProviderFactory(organization=organization)
    follow_up = VisitTypeFactory(organization=organization, max_active_bookings=5)
    ProviderOfferingFactory(provider=provider, visit_type=follow_up, location=location)
    for weekday in range(5):
        AvailabilityTemplateFactory(
            provider=provider, location=location, weekday=weekday, starts=time(9), ends=time(12)
        )
    world.items.update(
        location=location,
        provider=provider,
        follow_up=follow_up,
        therapy=VisitTypeFactory(organization=organization, booking_mode=VisitType.BookingMode.REQUEST),
        visit=Appointment.objects.create(
            organization=organization,
            patient=world.patient,
            provider=provider,
            location=location,
            visit_type=follow_up,
            during=DateTimeTZRange(at(2026, 3, 3, 9), at(2026, 3, 3, 9, 30)),
            status=Appointment.Status.BOOKED,
            source=Appointment.Source.STAFF,
            booked_at=NOW,
        ),
    )


def _waiting(world: World) -> None:
    """The clinic, and the patient on the waitlist with an offer of Thursday 9:00 sent."""
    _clinic(world)
    entry = WaitlistEntry.objects.create(
        patient=world.patient,
        visit_type=world.items["follow_up"],
        earliest=date(2026, 3, 2),
        latest=date(2026, 3, 13),
        created_by=world.patient.user,
    )
    offer = WaitlistOffer.objects.create(
        entry=entry,
        provider=world.items["provider"],
        location=world.items["location"],
        during=DateTimeTZRange(at(2026, 3, 5, 9), at(2026, 3, 5, 9, 30)),
        expires_at=NOW + timedelta(hours=2),
    )
    token = links.make_token(links.ACCEPT, offer.pk)
    offer.token_hash, offer.sent_at = token_hash(token), NOW
    offer.save(update_fields=["token_hash", "sent_at"])
    world.items.update(entry=entry, token=token)


def _snapshot(arrange: Callable[[World], None]) -> Callable[[World], None]:
    def arranged(world: World) -> None:
        arrange(world)
        SNAPSHOT["rows"] = _scheduling_rows()

    return arranged


def _time(world: World, starts_at: Any = WEDNESDAY_10) -> dict[str, Any]:
    return {
        "visit_type": world.items["follow_up"].pk,
        "provider": world.items["provider"].pk,
        "location": world.items["location"].pk,
        "starts_at": starts_at.isoformat(),
    }


def _p(name: str, **kwargs: Callable[[World], Any]) -> Url:
    return patient_url(name, **kwargs)


def _visit(world: World) -> int:
    return world.items["visit"].pk


def _api(name: str, url: Url, arrange: Callable[[World], None] = _clinic, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "patient_side", url, api=True, scope=Scope.SCHEDULING, arrange=_snapshot(arrange), **kwargs)


ENDPOINTS = [
    _api("api visit types", _p("api_visit_types")),
    _api(
        "api slots",
        Url(
            "api_slots",
            lambda world: (
                _p("api_slots", visit_type_id=lambda w: w.items["follow_up"].pk)(world) + "?from=2026-03-03&days=3"
            ),
        ),
    ),
    _api("api hold", _p("api_holds"), method="post", data=_time, ok_status=201),
    _api("api appointments", _p("api_appointments")),
    _api("api book", _p("api_appointments"), method="post", data=_time, ok_status=201),
    _api("api appointment", _p("api_appointment", appointment_id=_visit)),
    _api(
        "api reschedule",
        _p("api_appointment_reschedule", appointment_id=_visit),
        method="post",
        data=lambda world: _time(world, at(2026, 3, 4, 11)),
    ),
    _api("api cancel", _p("api_appointment_cancel", appointment_id=_visit), method="post"),
    _api("api calendar file", _p("api_appointment_ics", appointment_id=_visit)),
    _api("api waitlist", _p("api_waitlist"), arrange=_waiting),
    _api(
        "api waitlist join",
        _p("api_waitlist"),
        method="post",
        data=lambda world: {
            "visit_type": world.items["follow_up"].pk,
            "earliest": "2026-03-09",
            "latest": "2026-03-13",
        },
        ok_status=201,
    ),
    _api(
        "api waitlist leave",
        _p("api_waitlist_entry", entry_id=lambda world: world.items["entry"].pk),
        arrange=_waiting,
        method="delete",
        ok_status=204,
    ),
    _api(
        "api visit request",
        _p("api_visit_requests"),
        method="post",
        data=lambda world: {"visit_type": world.items["therapy"].pk, "note": "Mornings"},
        ok_status=201,
    ),
    _api(
        "api offer accept",
        Url("api_offer_accept", lambda world: reverse("api_offer_accept", kwargs={"token": world.items["token"]})),
        arrange=_waiting,
        method="post",
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_matrix(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)

    if actor not in ALLOWED[endpoint.access]:
        assert _scheduling_rows() == SNAPSHOT["rows"], f"{endpoint.name} as {actor} wrote scheduling rows"
    elif endpoint.method != "get":
        assert _scheduling_rows() != SNAPSHOT["rows"], f"{endpoint.name} as {actor} changed nothing"
