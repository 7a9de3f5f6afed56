"""The messaging API in the authorization matrix: the patient and caregivers with the messaging
scope get in; everyone else, staff included (they have their own pages), gets 404 and leaves no
trace."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from messaging.factories import ThreadFactory
from messaging.models import Thread
from portal.models import Scope
from tests.authz import ACTORS, ALLOWED, PROXY_WITH_SCOPE, SELF, Endpoint, Url, World, check_endpoint, patient_url

pytestmark = pytest.mark.django_db

assert ALLOWED["patient_side"] == {SELF, PROXY_WITH_SCOPE}


def _threads(world: World) -> None:
    world.items["thread"] = ThreadFactory(patient=world.patient)
    world.items["closed"] = ThreadFactory(patient=world.patient, status=Thread.Status.CLOSED, closed_at=timezone.now())


def _thread_url(name: str, key: str = "thread") -> Url:
    return patient_url(name, thread_id=lambda world: world.items[key].pk)


def _start(world: World) -> dict[str, Any]:
    return {"category": "other", "subject": "A question", "body": "Hello", "idempotency_key": "authz-1"}


def _api(name: str, url: Url, **kwargs: Any) -> Endpoint:
    return Endpoint(name, "patient_side", url, api=True, scope=Scope.MESSAGING, arrange=_threads, **kwargs)


ENDPOINTS = [
    _api("api threads", patient_url("api_threads")),
    _api(
        "api thread start",
        patient_url("api_threads"),
        method="post",
        data=_start,
        ok_status=201,
    ),
    _api("api thread", _thread_url("api_thread")),
    _api(
        "api thread reply",
        _thread_url("api_thread_reply"),
        method="post",
        data=lambda world: {"body": "Thank you"},
        ok_status=201,
    ),
    _api("api thread close", _thread_url("api_thread_close"), method="post"),
    _api("api thread reopen", _thread_url("api_thread_reopen", "closed"), method="post"),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_matrix(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)
