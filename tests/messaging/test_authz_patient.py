"""The authorization matrix of the patient's messaging pages: the patient and a caregiver with the
messaging scope get in ("patient_side"); everyone else, staff included (they have their own pages),
gets 404 or the login page, and nothing is written, leaked or sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import resolve
from django.utils import timezone

from messaging.factories import MessageFactory, StaffReplyFactory, ThreadFactory
from messaging.models import Category, Thread
from messaging.services.attachments import save_attachments, validate_uploads
from portal.models import Scope
from tests.authz import ACTORS, ALLOWED, Endpoint, Url, World, build_world, check_endpoint, patient_url
from tests.messaging.uploads import PNG, upload

assert "patient_side" in ALLOWED  # defined by tests/authz.py for pages only the patient side uses


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _a_thread(world: World, *, closed: bool = False) -> None:
    now = timezone.now()
    thread = ThreadFactory(
        patient=world.patient,
        status=Thread.Status.CLOSED if closed else Thread.Status.OPEN,
        closed_at=now if closed else None,
    )
    first = MessageFactory(thread=thread)
    StaffReplyFactory(thread=thread)
    [attachment] = save_attachments(first, validate_uploads([upload("rash.png", PNG)]))
    world.items["thread"] = thread
    world.items["attachment"] = attachment


def _a_closed_thread(world: World) -> None:
    _a_thread(world, closed=True)


def _thread_url(name: str) -> Url:
    return patient_url(name, thread_id=lambda world: world.items["thread"].pk)


def _page(name: str) -> Url:
    return patient_url(name)


def _new_message(world: World) -> dict[str, Any]:
    return {"category": Category.OTHER, "subject": "Hello", "body": "A question", "idempotency_key": "authz-1"}


ENDPOINTS = [
    Endpoint("messages list", "patient_side", _page("messages_home"), scope=Scope.MESSAGING, arrange=_a_thread),
    Endpoint("messages start page", "patient_side", _page("messages_start"), scope=Scope.MESSAGING, audited=False),
    Endpoint(
        "messages start send",
        "patient_side",
        _page("messages_start"),
        method="post",
        data=_new_message,
        scope=Scope.MESSAGING,
        ok_status=302,
    ),
    Endpoint(
        "messages thread", "patient_side", _thread_url("messages_thread"), scope=Scope.MESSAGING, arrange=_a_thread
    ),
    Endpoint(
        "messages reply",
        "patient_side",
        _thread_url("messages_thread"),
        method="post",
        data=lambda world: {"body": "Thank you"},
        scope=Scope.MESSAGING,
        ok_status=302,
        arrange=_a_thread,
    ),
    Endpoint(
        "messages close",
        "patient_side",
        _thread_url("messages_close"),
        method="post",
        scope=Scope.MESSAGING,
        ok_status=302,
        arrange=_a_thread,
    ),
    Endpoint(
        "messages reopen",
        "patient_side",
        _thread_url("messages_reopen"),
        method="post",
        scope=Scope.MESSAGING,
        ok_status=302,
        arrange=_a_closed_thread,
    ),
    Endpoint(
        "messages file download",
        "patient_side",
        patient_url("messages_attachment", attachment_id=lambda world: world.items["attachment"].pk),
        scope=Scope.MESSAGING,
        arrange=_a_thread,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_patient_messaging_authorization(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


@pytest.mark.django_db
def test_every_patient_messaging_url_and_method_is_in_the_matrix() -> None:
    from messaging.urls.patient import urlpatterns

    world = build_world(Scope.MESSAGING)
    _a_thread(world)
    asked = {(resolve(endpoint.url(world)).url_name, endpoint.method) for endpoint in ENDPOINTS}
    pages = {"messages_home", "messages_thread", "messages_start", "messages_attachment"}
    forms = {"messages_start", "messages_thread", "messages_close", "messages_reopen"}
    assert {pattern.name for pattern in urlpatterns} == pages | forms
    assert asked == {(name, "get") for name in pages} | {(name, "post") for name in forms}
