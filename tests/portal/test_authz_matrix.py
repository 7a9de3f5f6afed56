"""Every patient-data URL and API endpoint of the portal core, asked by every kind of actor."""

from __future__ import annotations

import pytest

from portal import audit
from portal.factories import PatientFactory, ProxyGrantFactory, born_years_ago
from portal.models import AuditEvent, Scope
from tests.authz import ACTORS, ENDPOINTS, Endpoint, check_endpoint
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_matrix(endpoint: Endpoint, actor: str) -> None:
    check_endpoint(endpoint, actor)


def _teen_with_confidential_event():
    teen = PatientFactory(birth_date=born_years_ago(15))
    guardian = ProxyGrantFactory(patient=teen, is_guardian=True, scopes=list(Scope.values)).grantee
    ordinary = audit.record(
        actor=teen.user,
        patient=teen,
        action=AuditEvent.Action.VIEW,
        object_type="records.Observation",
        object_id="1",
        scope=Scope.RECORDS,
    )
    secret = audit.record(
        actor=teen.user,
        patient=teen,
        action=AuditEvent.Action.VIEW,
        object_type="records.Observation",
        object_id="2",
        scope=Scope.RECORDS,
        confidential=True,
    )
    return teen, guardian, ordinary, secret


def test_guardian_of_teen_never_sees_confidential_activity(client) -> None:
    teen, guardian, ordinary, secret = _teen_with_confidential_event()
    sign_in(client, guardian)

    response = client.get(f"/api/v1/patients/{teen.pk}/activity/")

    ids = [event["id"] for event in response.json()["results"]]
    assert ordinary.pk in ids
    assert secret.pk not in ids


def test_teen_sees_their_own_confidential_activity(client) -> None:
    teen, _guardian, ordinary, secret = _teen_with_confidential_event()
    sign_in(client, teen.user)

    response = client.get(f"/api/v1/patients/{teen.pk}/activity/")

    ids = [event["id"] for event in response.json()["results"]]
    assert {ordinary.pk, secret.pk} <= set(ids)


def test_guardian_of_child_under_12_sees_everything(client) -> None:
    child = PatientFactory(birth_date=born_years_ago(8), user=None)
    guardian = ProxyGrantFactory(patient=child, is_guardian=True).grantee
    secret = audit.record(
        actor=guardian,
        patient=child,
        action=AuditEvent.Action.VIEW,
        object_type="records.Observation",
        object_id="3",
        scope=Scope.RECORDS,
        confidential=True,
    )
    sign_in(client, guardian)

    response = client.get(f"/api/v1/patients/{child.pk}/activity/")

    assert secret.pk in [event["id"] for event in response.json()["results"]]
