"""The authorization matrix of the patient's scheduling pages: the patient and a caregiver with the
scheduling scope get in ("patient_side"); everyone else, staff included (they book from their
own pages), gets 404 or the login page, and nothing is written, leaked or sent. The one-tap
offer page asks for the same people. (Reminder links work without signing in, by their signed
token alone: tests/scheduling/test_patient_pages.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.urls import resolve, reverse
from django.utils import timezone

from portal.access import Action
from portal.access import resolve as resolve_access
from portal.models import Scope
from scheduling import links
from scheduling.factories import (
    AvailabilityTemplateFactory,
    LocationFactory,
    ProviderFactory,
    ProviderOfferingFactory,
    VisitTypeFactory,
)
from scheduling.forms.patient import slot_value
from scheduling.models import WaitlistOffer
from scheduling.services.booking import appointment_book, appointment_hold
from scheduling.services.slots import find_slots, local_date
from scheduling.services.waitlist import waitlist_join
from tests.authz import (
    ACTORS,
    ALLOWED,
    PROXY_WITH_SCOPE,
    SELF,
    Endpoint,
    Url,
    World,
    build_world,
    check_endpoint,
    patient_url,
)

assert "patient_side" in ALLOWED


def _clinic(world: World) -> None:
    """The patient's clinic offers a follow-up every day; the patient has one booked five days ahead."""
    organization = world.patient.home_organization
    location = LocationFactory(organization=organization)
    follow_up = VisitTypeFactory(organization=organization, name="Follow-up visit", max_active_bookings=3)
    provider = ProviderFactory(organization=organization)
    ProviderOfferingFactory(provider=provider, visit_type=follow_up, location=location)
    for weekday in range(7):
        AvailabilityTemplateFactory(
            provider=provider, location=location, weekday=weekday, starts=time(9), ends=time(17)
        )
    world.items["follow_up"] = follow_up
    world.items["asked"] = VisitTypeFactory(organization=organization, booking_mode="request")
    access = resolve_access(world.patient.user, world.patient, Action.SCHEDULING)
    first = local_date(follow_up, timezone.now()) + timedelta(days=5)
    slots = find_slots(visit_type=follow_up, now=timezone.now(), patient=world.patient, first_day=first).slots
    world.items["visit"] = appointment_book(
        access=access,  # type: ignore[arg-type]
        actor=world.patient.user,
        visit_type_id=follow_up.pk,
        provider_id=provider.pk,
        location_id=location.pk,
        starts_at=slots[0].starts_at,
    )
    world.items["free"] = [slot_value(slot.provider_id, slot.location_id, slot.starts_at) for slot in slots[4:8]]
    today = local_date(follow_up, timezone.now())
    world.items["entry"] = waitlist_join(
        access=access,  # type: ignore[arg-type]
        actor=world.patient.user,
        visit_type_id=follow_up.pk,
        earliest=today,
        latest=today + timedelta(days=3),
    )


def _with_hold(world: World) -> None:
    _clinic(world)
    provider, location, seconds = (int(part) for part in world.items["free"][0].split("-"))
    world.items["hold"] = appointment_hold(
        access=resolve_access(world.patient.user, world.patient, Action.SCHEDULING),  # type: ignore[arg-type]
        actor=world.patient.user,
        visit_type_id=world.items["follow_up"].pk,
        provider_id=provider,
        location_id=location,
        starts_at=datetime.fromtimestamp(seconds, UTC),
    )


def _with_offer(world: World) -> None:
    _clinic(world)
    _offer(world)


def _offer(world: World) -> None:
    """A waitlist offer of an open time to the patient, with the link that was "sent"."""
    provider, location, seconds = (int(part) for part in world.items["free"][3].split("-"))
    starts_at = datetime.fromtimestamp(seconds, UTC)
    offer = WaitlistOffer.objects.create(
        entry=world.items["entry"],
        provider_id=provider,
        location_id=location,
        during=(starts_at, starts_at + timedelta(minutes=30)),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    token = links.make_token(links.ACCEPT, offer.pk)
    offer.token_hash = links.token_hash(token)
    offer.save(update_fields=["token_hash"])
    world.items["token"] = token


def _page(name: str, **items: str) -> Url:
    return patient_url(name, **{key: (lambda world, item=item: world.items[item].pk) for key, item in items.items()})


def _endpoint(name: str, url: Url, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "patient_side", url, scope=Scope.SCHEDULING, arrange=kwargs.pop("arrange", _clinic), **kwargs)


def _today_plus(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


VISIT = {"appointment_id": "visit"}
ENDPOINTS = [
    _endpoint("appointments home", _page("appointments_home")),
    _endpoint("find a time", _page("appointments_find"), audited=False),
    _endpoint("visit type", _page("appointments_visit_type", visit_type_id="follow_up")),
    _endpoint(
        "hold a time",
        _page("appointments_hold_time", visit_type_id="follow_up"),
        method="post",
        data=lambda world: {"slot": world.items["free"][1]},
        ok_status=302,
    ),
    _endpoint(
        "ask for a visit",
        _page("appointments_request", visit_type_id="asked"),
        method="post",
        data=lambda world: {"note": "Mornings"},
        ok_status=302,
    ),
    _endpoint(
        "join the waitlist",
        _page("appointments_waitlist_join", visit_type_id="asked"),
        method="post",
        data=lambda world: {"earliest": _today_plus(1), "latest": _today_plus(2)},
    ),
    _endpoint("hold page", _page("appointments_hold", hold_id="hold"), arrange=_with_hold),
    _endpoint(
        "confirm a hold", _page("appointments_hold", hold_id="hold"), method="post", ok_status=302, arrange=_with_hold
    ),
    _endpoint(
        "leave the waitlist", _page("appointments_waitlist_leave", entry_id="entry"), method="post", ok_status=302
    ),
    _endpoint("visit", _page("appointments_visit", **VISIT)),
    _endpoint("calendar file", _page("appointments_calendar", **VISIT)),
    _endpoint("cancel page", _page("appointments_cancel", **VISIT)),
    _endpoint("cancel", _page("appointments_cancel", **VISIT), method="post", ok_status=302),
    _endpoint("reschedule page", _page("appointments_reschedule", **VISIT)),
    _endpoint("reschedule late ask", _page("appointments_reschedule", **VISIT), method="post"),
    _endpoint(
        "reschedule confirm page",
        _page("appointments_reschedule_confirm", **VISIT),
        data=lambda world: {"slot": world.items["free"][2]},
    ),
    _endpoint(
        "reschedule",
        _page("appointments_reschedule_confirm", **VISIT),
        method="post",
        data=lambda world: {"slot": world.items["free"][2]},
        ok_status=302,
    ),
    _endpoint(
        "waitlist offer",
        Url(
            "appointments_offer_accept",
            lambda world: reverse("appointments_offer_accept", kwargs={"token": world.items["token"]}),
        ),
        arrange=_with_offer,
    ),
]


def _scheduling_rows() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("scheduling").get_models()}


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_patient_scheduling_authorization(endpoint: Endpoint, actor: str) -> None:
    # A refused request writes no scheduling row (the harness checks every table too; this names the app).
    rows: dict[str, dict[str, int]] = {}
    original = endpoint.arrange

    def arrange(world: World) -> None:
        original(world)
        rows["before"] = _scheduling_rows()

    check_endpoint(replace(endpoint, arrange=arrange), actor)
    if actor not in ALLOWED["patient_side"]:
        assert _scheduling_rows() == rows["before"]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
def test_accepting_an_offer_is_for_the_patient_side_only(actor: str) -> None:
    """Accepting is audited as the patient's own act (the link's service), so it is asked here, not in the harness."""
    world = build_world(Scope.SCHEDULING)
    _with_offer(world)
    offer = WaitlistOffer.objects.get()
    response = world.client_for(actor).post(
        reverse("appointments_offer_accept", kwargs={"token": world.items["token"]})
    )
    offer.refresh_from_db()
    if actor in (SELF, PROXY_WITH_SCOPE):
        assert response.status_code == 302
        assert offer.status == WaitlistOffer.Status.ACCEPTED
    else:
        assert response.status_code in (302, 404)  # anonymous: to the login page
        assert offer.status == WaitlistOffer.Status.OFFERED


@pytest.mark.django_db
def test_every_patient_scheduling_url_and_method_is_in_the_matrix() -> None:
    from scheduling.urls.links import urlpatterns as link_patterns
    from scheduling.urls.patient import urlpatterns

    world = build_world(Scope.SCHEDULING)
    _with_hold(world)
    _offer(world)
    asked = {(resolve(endpoint.url(world).split("?")[0]).url_name, endpoint.method) for endpoint in ENDPOINTS}
    pages = {
        "appointments_home",
        "appointments_find",
        "appointments_visit_type",
        "appointments_hold",
        "appointments_visit",
        "appointments_calendar",
        "appointments_cancel",
        "appointments_reschedule",
        "appointments_reschedule_confirm",
        "appointments_offer_accept",
    }
    forms = {
        "appointments_hold_time",
        "appointments_request",
        "appointments_waitlist_join",
        "appointments_hold",
        "appointments_waitlist_leave",
        "appointments_cancel",
        "appointments_reschedule",
        "appointments_reschedule_confirm",
    }
    names = {pattern.name for pattern in urlpatterns} | {pattern.name for pattern in link_patterns}
    # The reminder links need no sign-in (their token is the key): tested with the pages.
    assert names - {"appointments_link_confirm", "appointments_link_cancel"} == pages | forms
    assert asked == {(name, "get") for name in pages} | {
        (name, "post") for name in forms - {"appointments_offer_accept"}
    }
