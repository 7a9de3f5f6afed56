"""The OpenAPI schema tells the truth: schemathesis sends generated requests to every operation of
/api/schema/ through the Django app (WSGI), signed in as a patient and as staff, and every answer
must be no server error and match the schema. Bounded: a few examples per operation, and once the
time budget is spent, one example for each operation left."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from messaging.factories import MessageFactory, StaffReplyFactory, ThreadFactory
from portal.factories import ProxyGrantFactory
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 5
BUDGET_SECONDS = 45  # per person; the rest of the operations then get one example each
CSRF = "schemathesis0csrf0secret0for0tests0"[:32]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The project's WSGI app, kept from closing the test's database connection after each request
    (as Django's test client does), so every request sees the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _signed_in(client: Client) -> dict[str, Any]:
    """What a signed-in browser sends: its session cookie, and a CSRF cookie and header for writes."""
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "cookies": {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: CSRF},
        "headers": {"X-CSRFToken": CSRF},
    }


def _run(schema: Any, browser: dict[str, Any], known_ids: dict[str, Any]) -> list[str]:
    """Every operation, a bounded number of examples each; the failures, one line per operation."""
    failures: list[str] = []
    budget_ends = time.monotonic() + BUDGET_SECONDS
    for result in schema.get_all_operations():
        operation = result.ok()
        examples = EXAMPLES_PER_OPERATION if time.monotonic() < budget_ends else 1

        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case: Any) -> None:
            # Real ids, so requests reach the code behind the 404s (other ids stay generated).
            for name, value in known_ids.items():
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = str(value)
            case.call_and_validate(checks=CHECKS, **browser)

        try:
            check()
        except (Failure, FailureGroup) as error:  # every operation's failures are reported, not only the first
            failures.append(f"{operation.label}: {error}")
    return failures


def test_the_api_answers_as_its_schema_says_for_a_patient_and_for_staff(wsgi_app, patient, nurse) -> None:
    thread = ThreadFactory(patient=patient)
    MessageFactory(thread=thread)
    StaffReplyFactory(thread=thread)
    grant = ProxyGrantFactory(patient=patient)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    known_ids = {"patient_id": patient.pk, "thread_id": thread.pk, "grant_id": grant.pk}

    as_patient = _run(schema, _signed_in(sign_in(Client(), patient.user)), known_ids)
    as_staff = _run(schema, _signed_in(sign_in(Client(), nurse.user, second_factor=True)), known_ids)

    assert as_patient == []
    assert as_staff == []
