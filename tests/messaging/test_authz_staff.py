"""The authorization matrix for the staff messaging pages: every thread URL and method, every kind
of actor. Staff who may work with the patient's messages get in (the clinic's staff, and a
care-team clinician of another clinic); staff of another organization, administrators, the
patient and caregivers get 404 and nothing is written. The inboxes are not about one patient:
they are asked as every actor below them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from django.urls import reverse

from messaging.factories import PoolFactory
from messaging.models import Category, Pool, Thread
from messaging.services.attachments import save_attachments, validate_uploads
from messaging.services.threads import thread_close, thread_start
from portal.access import Action, resolve
from portal.factories import StaffMemberFactory
from portal.models import Scope, StaffMember, StaffRole
from tests.authz import (
    ACTORS,
    ADMINISTRATOR,
    ANONYMOUS,
    CARE_TEAM_STAFF,
    CLINIC_STAFF,
    OTHER_ORG_STAFF,
    STAFF,
    STRANGERS,
    Endpoint,
    Url,
    World,
    build_world,
    check_endpoint,
)
from tests.messaging.uploads import PNG, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


STAFF_ELSEWHERE = {OTHER_ORG_STAFF, ADMINISTRATOR}


def _a_thread(world: World, *, closed: bool = False) -> None:
    """A new-symptom thread the patient started, and a physician inbox to escalate it to."""
    patient = world.patient
    access = resolve(patient.user, patient, Action.MESSAGING)
    assert access is not None
    thread = thread_start(
        access=access,
        actor=patient.user,
        category=Category.NEW_SYMPTOM,
        subject="Rash",
        body="An itchy rash since yesterday.",
        idempotency_key=uuid4().hex,
    )
    physician = StaffMemberFactory(organization=patient.home_organization, role=StaffRole.PHYSICIAN)
    PoolFactory(
        organization=patient.home_organization, name="Physicians", kind=Pool.Kind.PHYSICIAN_INBOX, members=[physician]
    )
    if closed:
        thread_close(access=access, actor=patient.user, thread_id=thread.pk)
    world.items["thread"] = thread
    [world.items["attachment"]] = save_attachments(thread.messages.get(), validate_uploads([upload("rash.png", PNG)]))


def _thread_url(name: str) -> Url:
    return Url(name, lambda world: reverse(name, args=[world.items["thread"].pk]))


def _clinic_nurse(world: World) -> dict[str, Any]:
    nurse = StaffMember.objects.get(user=world.users[CLINIC_STAFF])
    return {"reassign-to_staff": str(nurse.pk), "reassign-note": "She knows the patient."}


def _endpoint(name: str, url: str, method: str = "get", **fields: Any) -> Endpoint:
    closed = fields.pop("closed", False)
    return Endpoint(
        name,
        "staff_only",
        _thread_url(url),
        method=method,
        scope=Scope.MESSAGING,
        ok_status=fields.pop("ok_status", 302 if method == "post" else 200),
        arrange=lambda world: _a_thread(world, closed=closed),
        **fields,
    )


ENDPOINTS = [
    _endpoint("staff thread", "staff_thread"),
    _endpoint("staff thread chart", "staff_thread_chart"),
    Endpoint(
        "staff attachment",
        "staff_only",
        Url(
            "staff_thread_attachment",
            lambda world: reverse(
                "staff_thread_attachment", args=[world.items["thread"].pk, world.items["attachment"].pk]
            ),
        ),
        scope=Scope.MESSAGING,
        arrange=_a_thread,
    ),
    _endpoint(
        "staff reply", "staff_thread_reply", "post", data=lambda w: {"reply-body": "Use the cream.", "action": "send"}
    ),
    _endpoint(
        "staff quick reply insert", "staff_thread_reply", "post", data=lambda w: {"action": "insert"}, ok_status=200
    ),
    _endpoint("staff internal note", "staff_thread_note", "post", data=lambda w: {"note-body": "Called her."}),
    _endpoint("staff reassign", "staff_thread_reassign", "post", data=_clinic_nurse),
    _endpoint("staff escalate", "staff_thread_escalate", "post", data=lambda w: {"escalate-note": "Spreading."}),
    _endpoint("staff close", "staff_thread_close", "post", data=lambda w: {"close-outcome": "answered"}),
    _endpoint("staff reopen", "staff_thread_reopen", "post", closed=True),
]
CLAIM = _endpoint("staff claim", "staff_thread_claim", "post")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_staff_thread_endpoint(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


# A care-team clinician of another clinic may read and answer, but not own the thread (only the
# clinic's own staff can): tests/messaging/test_staff_views.py shows them the refusal.
@pytest.mark.parametrize("actor", [a for a in ACTORS if a != CARE_TEAM_STAFF])
def test_staff_claim(actor: str) -> None:
    check_endpoint(CLAIM, actor)


def test_a_file_is_reached_only_through_its_own_thread() -> None:
    world = build_world(Scope.MESSAGING)
    _a_thread(world)
    access = resolve(world.patient.user, world.patient, Action.MESSAGING)
    assert access is not None
    other = thread_start(  # a second thread of the same patient
        access=access,
        actor=world.patient.user,
        category=Category.OTHER,
        subject="Parking",
        body="Where do I park?",
        idempotency_key=uuid4().hex,
    )
    url = reverse("staff_thread_attachment", args=[other.pk, world.items["attachment"].pk])

    response = world.client_for(CLINIC_STAFF).get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", ["staff_messages", "staff_messages_count", "staff_messages_pool"])
def test_the_inboxes_are_for_staff_and_a_pool_for_its_members(name: str, actor: str) -> None:
    world = build_world(Scope.MESSAGING)
    _a_thread(world)
    thread = Thread.objects.select_related("pool").get(pk=world.items["thread"].pk)
    if actor in STAFF:
        thread.pool.members.add(StaffMember.objects.get(user=world.users[actor]))
    url = reverse(name, args=[thread.pool_id]) if name == "staff_messages_pool" else reverse(name)

    response = world.client_for(actor).get(url)

    body = response.content.decode()
    if actor == ANONYMOUS:
        expected = 302
    elif actor in STAFF:
        expected = 200
    elif actor in STAFF_ELSEWHERE:
        expected = 404 if name == "staff_messages_pool" else 200  # their own (empty) inbox and count
    else:
        expected = 404  # patients and caregivers
    assert response.status_code == expected, (name, actor, response.status_code)
    # Strangers never see the name; the patient and caregivers see it only in their own header.
    if actor in STRANGERS:
        assert world.patient.family_name not in body
    if actor in STAFF:
        assert (world.patient.family_name in body) == (name == "staff_messages_pool")
    if name == "staff_messages_count" and expected == 200:
        waiting = "1 conversation waits" if actor in STAFF else "Nothing waits"
        assert waiting in body
