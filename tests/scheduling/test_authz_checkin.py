"""The authorization matrix of the eCheck-in pages: the patient and a caregiver with the
scheduling scope get in ("patient_side"); everyone else, staff included, gets 404 or the login
page, and nothing is written, leaked or sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from portal.access import Action
from portal.access import resolve as resolve_access
from portal.models import Scope
from scheduling.services import checkin
from tests.authz import ACTORS, Endpoint, Url, World, build_world, check_endpoint
from tests.scheduling.checkin_fixtures import ask, booked_visit, phq9_answers


def _a_visit(world: World) -> None:
    visit = booked_visit(world.patient, timezone.now() + timedelta(days=1))
    world.items["visit"] = visit
    [world.items["phq9"]] = ask(visit.visit_type, "phq9")


def _answered(world: World) -> None:
    _a_visit(world)
    visit, user = world.items["visit"], world.patient.user
    access = resolve_access(user, world.patient, Action.SCHEDULING)
    checkin.answer(
        access=access,
        actor=user,
        appointment_id=visit.pk,
        questionnaire_id=world.items["phq9"].pk,
        answers=phq9_answers(),
    )


def _ready(world: World) -> None:
    _answered(world)
    visit, user = world.items["visit"], world.patient.user
    access = resolve_access(user, world.patient, Action.SCHEDULING)
    common = {"access": access, "actor": user, "appointment_id": visit.pk}
    checkin.details_confirm(**common, phone="(312) 555-0101", email="", address="")
    checkin.insurance_confirm(**common, uninsured=True)
    checkin.medicines_review(**common, changes={})


def _url(name: str, **extra: Any) -> Url:
    def url(world: World) -> str:
        kwargs = {"patient_id": world.patient.pk, "appointment_id": world.items["visit"].pk}
        if "questionnaire_id" in extra:
            kwargs["questionnaire_id"] = world.items["phq9"].pk
        return reverse(name, kwargs=kwargs)

    return Url(name, url)


def _endpoint(name: str, url_name: str, method: str = "get", **kwargs: Any) -> Endpoint:
    kwargs.setdefault("arrange", _a_visit)
    extra = {"questionnaire_id": True} if "questionnaire" in url_name or "answered" in url_name else {}
    return Endpoint(name, "patient_side", _url(url_name, **extra), method=method, scope=Scope.SCHEDULING, **kwargs)


ENDPOINTS = [
    _endpoint("check-in page", "checkin"),
    _endpoint("check-in details", "checkin_details"),
    _endpoint(
        "check-in details send",
        "checkin_details",
        "post",
        data=lambda world: {"phone": "(312) 555-0177", "email": "", "address": "2 New Road"},
        ok_status=302,
    ),
    _endpoint("check-in insurance", "checkin_insurance"),
    _endpoint(
        "check-in insurance send",
        "checkin_insurance",
        "post",
        data=lambda world: {"payer": "Acme Health", "member_id": "XJ1"},
        ok_status=302,
    ),
    _endpoint("check-in medicines", "checkin_medicines"),
    _endpoint(
        "check-in medicines send",
        "checkin_medicines",
        "post",
        data=lambda world: {"new_medicines": "Vitamin D"},
        ok_status=302,
    ),
    _endpoint("check-in questionnaire", "checkin_questionnaire"),
    _endpoint(
        "check-in questionnaire send",
        "checkin_questionnaire",
        "post",
        data=lambda world: {f"item_{n}": "1" for n in range(1, 10)},
        ok_status=302,
    ),
    _endpoint("check-in answered", "checkin_answered", arrange=_answered),
    _endpoint("check-in finish", "checkin_finish", "post", arrange=_ready, ok_status=302),
]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_checkin_authorization(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


@pytest.mark.django_db
def test_every_checkin_url_and_method_is_in_the_matrix() -> None:
    from scheduling.urls.patient_checkin import urlpatterns

    world = build_world(Scope.SCHEDULING)
    _a_visit(world)
    asked = {(resolve(endpoint.url(world)).url_name, endpoint.method) for endpoint in ENDPOINTS}
    pages = {
        "checkin",
        "checkin_details",
        "checkin_insurance",
        "checkin_medicines",
        "checkin_questionnaire",
        "checkin_answered",
    }
    forms = {"checkin_details", "checkin_insurance", "checkin_medicines", "checkin_questionnaire", "checkin_finish"}
    assert {pattern.name for pattern in urlpatterns} == pages | forms
    assert asked == {(name, "get") for name in pages} | {(name, "post") for name in forms}
