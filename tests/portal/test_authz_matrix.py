"""Every patient-data URL and API endpoint of the portal core, asked by every kind of actor."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from portal import audit
from portal.factories import PatientFactory, ProxyGrantFactory, born_years_ago
from portal.models import AuditEvent, Scope
from records.factories import RecordItemFactory
from tests.authz import ACTORS, ENDPOINTS, Endpoint, Url, check_endpoint, database_rows, queued_work
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


# --- Every patient URL is in a matrix ----------------------------------------------------------

# FHIR routes that take a Patient id without naming it in the path: `Patient/<id>` is a read, and
# a search takes `?patient=<id>`. Each must stay a route (checked below), so this list cannot go stale.
FHIR_PATIENT_ROUTES = {"fhir_read", "fhir_search"}


def _routes(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[tuple[str, set[str]]]:
    """Every named route with the names of the URL parameters it takes, namespaced like resolve().view_name."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from ((name, params | _params(pattern)) for name, params in _routes(pattern.url_patterns, inner))
        elif pattern.name:
            yield f"{namespace}{pattern.name}", _params(pattern)


def _params(pattern: URLPattern | URLResolver) -> set[str]:
    route = pattern.pattern
    return set(getattr(route, "converters", {})) | set(route.regex.groupindex)


def patient_routes() -> set[str]:
    routes = dict(_routes(get_resolver().url_patterns))
    assert set(routes) >= FHIR_PATIENT_ROUTES, "a FHIR route named here is gone: update FHIR_PATIENT_ROUTES"
    return {
        name for name, params in routes.items() if any("patient" in param for param in params)
    } | FHIR_PATIENT_ROUTES


def matrix_endpoints() -> list[Endpoint]:
    """Every endpoint of every matrix: tests/authz.py and the `test_authz*` modules of each app."""
    modules = [tests.authz] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(tests.__path__, "tests.")
        if info.name.rpartition(".")[2].startswith("test_authz")
    ]
    found: list[Endpoint] = []
    for module in modules:
        for value in vars(module).values():
            values = value if isinstance(value, list | tuple) else [value]
            found += [endpoint for endpoint in values if isinstance(endpoint, Endpoint)]
    return found


def test_every_matrix_endpoint_names_its_route() -> None:
    assert [endpoint.name for endpoint in matrix_endpoints() if not isinstance(endpoint.url, Url)] == []


def test_every_url_taking_a_patient_id_is_in_a_matrix() -> None:
    asked = {endpoint.route for endpoint in matrix_endpoints() if isinstance(endpoint.url, Url)}

    missing = patient_routes() - asked

    assert missing == set(), f"in no authorization matrix: {sorted(missing)}"


def test_the_coverage_check_finds_the_routes_it_must() -> None:
    routes = patient_routes()

    assert {"record_confidential", "sharing_renew", "staff_patient_invite", "fhir_everything"} <= routes
    assert {"staff_schedule_book", "api_threads", "fhir_read"} <= routes
    assert "staff_home" not in routes


# --- A teen's parent --------------------------------------------------------------------------


def test_a_teens_parent_cannot_mark_an_item_confidential_or_show_it_again(client) -> None:
    teen = PatientFactory(birth_date=born_years_ago(15))
    parent = ProxyGrantFactory(patient=teen, is_guardian=True, scopes=list(Scope.values)).grantee
    item = RecordItemFactory(patient=teen, source=teen.home_organization, confidential=True)
    sign_in(client, parent)
    before, audit_before = database_rows(), AuditEvent.objects.count()
    url = reverse("record_confidential", kwargs={"patient_id": teen.pk, "item_id": item.pk})

    with queued_work() as queued:
        response = client.post(url, {"confidential": "0", "reason": "I am the parent."})

    assert response.status_code == 404
    assert (database_rows(), AuditEvent.objects.count(), bool(queued)) == (before, audit_before, False)


def test_the_harness_catches_a_task_queued_after_commit_and_one_sent_by_name() -> None:
    from celery import current_app
    from django.db import transaction

    from records.tasks import import_run

    with queued_work() as queued:
        transaction.on_commit(lambda: import_run.delay(1))
        current_app.send_task("records.some_task")

    assert queued.tasks == ["records.some_task", "records.import_run"]
    assert len(queued.on_commit) == 1


def test_the_harness_sees_a_row_changed_added_or_removed() -> None:
    patient = PatientFactory()
    before = database_rows()

    patient.__class__.objects.filter(pk=patient.pk).update(given_name="Changed")
    changed = database_rows()
    item = RecordItemFactory(patient=patient, source=patient.home_organization)
    added = database_rows()
    item.delete()
    removed = database_rows()

    assert [label for label in before if before[label] != changed[label]] == ["portal.Patient"]
    assert "records.RecordItem" in [label for label in changed if changed[label] != added[label]]
    assert removed["records.RecordItem"] == changed["records.RecordItem"]
