"""The staff home offers each role only the queues it can open: every link and htmx count answers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from portal.factories import StaffMemberFactory, UserFactory
from portal.models import StaffRole
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

STAFF_LINK = re.compile(r'(?:href|hx-get)="(/staff/[^"]*)"')


def _home(client: Client, role: str, *, is_staff: bool = False) -> str:
    user = UserFactory(is_staff=is_staff)
    StaffMemberFactory(user=user, role=role)
    sign_in(client, user, second_factor=True)
    response = client.get("/staff/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_staff_link_on_the_home_answers_for_every_role(client: Client, role: str) -> None:
    body = _home(client, role)

    answers = {path: client.get(path).status_code for path in set(STAFF_LINK.findall(body))}

    assert answers and set(answers.values()) == {200}, answers


@pytest.mark.parametrize(
    ("role", "cards"),
    [
        (StaffRole.ADMINISTRATOR, ["queue-metrics"]),
        (StaffRole.BILLING, ["queue-messages", "queue-metrics", "queue-evisits"]),
        (StaffRole.FRONT_DESK, ["queue-messages", "queue-metrics", "queue-schedule"]),
        (
            StaffRole.NURSE,
            ["queue-care-tasks", "queue-messages", "queue-metrics", "queue-refills", "queue-schedule", "queue-results"],
        ),
    ],
)
def test_a_card_shows_only_for_roles_that_can_use_it(client: Client, role: str, cards: list[str]) -> None:
    body = _home(client, role)

    assert re.findall(r'aria-labelledby="(queue-[a-z-]+)"', body) == cards


def test_administrators_get_a_link_to_the_django_admin_and_no_patient_search(client: Client) -> None:
    body = _home(client, StaffRole.ADMINISTRATOR, is_staff=True)

    assert '<a href="/admin/">Administration</a>' in body
    assert "search-heading" not in body


def test_clinical_staff_without_django_admin_rights_get_no_admin_link(client: Client) -> None:
    body = _home(client, StaffRole.NURSE)

    assert 'href="/admin/"' not in body
    assert "search-heading" in body
