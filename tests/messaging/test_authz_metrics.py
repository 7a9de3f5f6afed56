"""Who may see the message response times page: staff and administrators, for the organizations
they work at. It holds no patient data (pools and staff only), so patients and caregivers get 404,
nothing is audited, and no patient's name appears on it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.factories import PoolFactory, StaffReplyFactory, ThreadFactory
from portal.models import AuditEvent
from tests.authz import (
    ACTORS,
    ADMINISTRATOR,
    CARE_TEAM_STAFF,
    CLINIC_STAFF,
    OTHER_ORG_STAFF,
    Endpoint,
    Url,
    World,
    build_world,
    check_endpoint,
)

pytestmark = pytest.mark.django_db

QUERIES = 14

# Every staff member and administrator sees their own organization's numbers (the care-team
# specialist and the other clinic's nurse see their own clinic's).
ALLOWED_ACTORS = {CLINIC_STAFF, CARE_TEAM_STAFF, OTHER_ORG_STAFF, ADMINISTRATOR}


def _threads(world: World) -> None:
    """A thread of the world's patient, answered, in a pool of their clinic."""
    pool = world.items.get("pool") or PoolFactory(organization=world.patient.home_organization, name="Nurse triage")
    world.items["pool"] = pool
    started = timezone.now() - timedelta(days=1)
    thread = ThreadFactory(
        patient=world.patient,
        pool=pool,
        created_at=started,
        status="answered",
        first_responded_at=started + timedelta(hours=2),
    )
    StaffReplyFactory(thread=thread, created_at=thread.first_responded_at)
    world.items["thread"] = thread


METRICS = Endpoint(
    "messaging metrics",
    "staff_metrics",
    Url("messaging_metrics", lambda world: reverse("messaging_metrics")),
    audited=False,
    arrange=_threads,
)


@pytest.fixture(autouse=True)
def _allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import authz

    monkeypatch.setitem(authz.ALLOWED, "staff_metrics", ALLOWED_ACTORS)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_metrics_page_answers_each_actor(actor: str) -> None:
    check_endpoint(METRICS, actor)


@pytest.mark.parametrize("actor", sorted(ALLOWED_ACTORS))
def test_no_patient_name_or_id_appears_and_nothing_is_audited(actor: str) -> None:
    world = build_world(METRICS.scope)
    _threads(world)
    client = world.client_for(actor)

    response = client.get(reverse("messaging_metrics"))

    body = response.content.decode()
    assert response.status_code == 200
    for identifying in (world.patient.family_name, world.patient.given_name, str(world.patient.pk)):
        assert identifying not in body
    assert AuditEvent.objects.count() == 0


def test_staff_see_their_own_clinic_and_not_another(db: None) -> None:
    world = build_world(METRICS.scope)
    _threads(world)
    home = world.patient.home_organization

    own = world.client_for(CLINIC_STAFF).get(reverse("messaging_metrics"))
    other = world.client_for(OTHER_ORG_STAFF).get(reverse("messaging_metrics"))
    asking_for_home = world.client_for(OTHER_ORG_STAFF).get(reverse("messaging_metrics"), {"organization": home.pk})

    assert (own.context["metrics"].organization, own.context["metrics"].total.threads) == (home, 1)
    assert (other.context["metrics"].organization != home, other.context["metrics"].total.threads) == (True, 0)
    assert asking_for_home.status_code == 404


def test_a_period_it_does_not_offer_is_refused_with_a_message_and_the_default_shown(db: None) -> None:
    world = build_world(METRICS.scope)
    client: Client = world.client_for(CLINIC_STAFF)

    response = client.get(reverse("messaging_metrics"), {"days": "13"})

    assert response.status_code == 200
    assert response.context["metrics"].days == 30
    assert "Choose 7, 30 or 90 days." in response.content.decode()


def test_the_page_costs_the_same_queries_however_many_threads(db: None, django_assert_num_queries) -> None:
    world = build_world(METRICS.scope)
    _threads(world)
    client = world.client_for(CLINIC_STAFF)
    client.get(reverse("messaging_metrics"))  # the first request of a session records the session
    # Session, user, second factor, staff check, organizations, the metrics (no calendar here: the
    # hours query, then the aggregate and pool and staff names), the page shell's queries.
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse("messaging_metrics")).status_code == 200
    for _ in range(5):
        _threads(world)
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse("messaging_metrics")).context["metrics"].total.threads == 6


def test_answer_times_read_in_one_unit_with_the_clock_wait_apart(db: None) -> None:
    world = build_world(METRICS.scope)
    _threads(world)  # answered two clock hours after it started

    body = world.client_for(CLINIC_STAFF).get(reverse("messaging_metrics")).content.decode()

    assert "business min" not in body and " · " not in body.split("In short", 1)[1].split("</dl>", 1)[0]
    assert re.search(r'<span title="2 h waited in clock time">(\d+ h )?(\d+ min|\d+ h) of opening hours</span>', body)
    assert "<td>2 h</td>" in body  # the median and 90th percentile wait, in the table's own columns
