"""The refills API in the authorization matrix: the patient and caregivers with the refills scope
get in; everyone else, staff included (they work from the refill queue), gets 404 (anonymous: 403)
and writes no refills row."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from portal.models import Scope
from tests.authz import ACTORS, ALLOWED, PROXY_WITH_SCOPE, SELF, Endpoint, Url, World, check_endpoint, patient_url
from tests.refills.arrange import ATORVASTATIN
from tests.refills.conftest import form_key, key
from tests.refills.test_authz import _arrange, _arrange_align

pytestmark = pytest.mark.django_db

assert ALLOWED["patient_side"] == {SELF, PROXY_WITH_SCOPE}

SNAPSHOT: dict[str, dict[str, int]] = {}


def _refill_rows() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("refills").get_models()}


def _snapshot(world: World) -> None:
    _arrange(world)
    SNAPSHOT["rows"] = _refill_rows()


def _p(name: str, **items: str) -> Url:
    return patient_url(name, **{k: (lambda world, item=item: world.items[item].pk) for k, item in items.items()})


def _api(name: str, url: Url, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "patient_side", url, api=True, scope=Scope.REFILLS, arrange=_snapshot, **kwargs)


def _new_request(world: World) -> dict[str, Any]:
    return {
        "medicines": [key(ATORVASTATIN[0])],
        "pharmacy": world.items["pharmacy"].pk,
        "days_supply": 90,
        "idempotency_key": form_key(),
    }


def _snapshot_align(world: World) -> None:
    _arrange_align(world)
    SNAPSHOT["rows"] = _refill_rows()


ENDPOINTS = [
    _api("api medicines", _p("api_refills_medicines")),
    _api("api refill requests", _p("api_refills_requests")),
    _api("api request refills", _p("api_refills_requests"), method="post", data=_new_request, ok_status=201),
    _api("api refill request", _p("api_refills_request", request_id="request")),
    _api("api cancel refill request", _p("api_refills_cancel", request_id="request"), method="post"),
    _api("api pharmacies", _p("api_refills_pharmacies")),
    Endpoint(
        "api annual renewal plan",
        "patient_side",
        _p("api_refills_align"),
        api=True,
        scope=Scope.REFILLS,
        arrange=_snapshot_align,
    ),
    Endpoint(
        "api annual renewal",
        "patient_side",
        _p("api_refills_align"),
        method="post",
        data=lambda world: {"pharmacy": world.items["pharmacy"].pk, "idempotency_key": form_key()},
        ok_status=201,
        api=True,
        scope=Scope.REFILLS,
        arrange=_snapshot_align,
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_matrix(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)

    if actor not in ALLOWED[endpoint.access]:
        assert _refill_rows() == SNAPSHOT["rows"], f"{endpoint.name} as {actor} wrote refills rows"
