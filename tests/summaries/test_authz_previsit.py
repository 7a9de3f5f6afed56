"""The authorization matrix for the clinician's pre-visit briefing (/staff/summaries/visits/<id>/):
staff whose work includes the records, of the patient's clinic or on their care team, read it
(audited); the patient, caregivers, staff of another organization with no care relation and
administrators get 404 (anonymous: the sign-in page), with nothing written, queued or leaked. The
clinic's front desk keeps the schedule but does not read the chart: 404 too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.factories import StaffMemberFactory
from portal.models import AuditEvent, Scope, StaffRole
from summaries.services import previsit
from tests.authz import ACTORS, Endpoint, Url, World, build_world, check_endpoint, database_rows, queued_work
from tests.conftest import sign_in
from tests.scheduling.checkin_fixtures import booked_visit

pytestmark = pytest.mark.django_db


def _arrange(world: World) -> None:
    """A visit tomorrow at the patient's clinic, its briefing built."""
    visit = booked_visit(world.patient, timezone.now() + timedelta(days=1))
    previsit.build(visit.pk)
    world.items["visit"] = visit


ENDPOINT = Endpoint(
    "pre-visit briefing",
    "staff_only",
    Url("staff_previsit", lambda world: reverse("staff_previsit", args=[world.items["visit"].pk])),
    scope=Scope.RECORDS,
    arrange=_arrange,
)


@pytest.mark.parametrize("actor", ACTORS)
def test_previsit_briefing(actor: str) -> None:
    check_endpoint(ENDPOINT, actor)


def test_the_front_desk_of_the_clinic_does_not_read_the_briefing() -> None:
    world = build_world(Scope.RECORDS)
    _arrange(world)
    desk = StaffMemberFactory(organization=world.patient.home_organization, role=StaffRole.FRONT_DESK)
    client = sign_in(world.client_for("anonymous"), desk.user, second_factor=True)
    before, audit_before = database_rows(), AuditEvent.objects.count()

    with queued_work() as queued:
        response = client.get(ENDPOINT.url(world))

    assert response.status_code == 404
    assert world.patient.family_name not in response.content.decode()
    assert (database_rows(), AuditEvent.objects.count(), bool(queued)) == (before, audit_before, False)


def test_a_visit_that_does_not_exist_answers_404() -> None:
    world = build_world(Scope.RECORDS)
    client = world.client_for("clinic_staff")

    assert client.get(reverse("staff_previsit", args=[999_999])).status_code == 404
