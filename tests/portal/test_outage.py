"""With the database down the portal says so plainly, and recovers by itself once it is back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
import pytest
from django.core.signals import request_started
from django.db import connection
from django.test import Client

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def database_down() -> Iterator[None]:
    """Point the connection at a port nothing listens on, as if PostgreSQL had stopped."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


def test_health_answers_and_readiness_names_the_database(patient) -> None:
    client = Client(raise_request_exception=False)
    sign_in(client, patient.user)  # a probe from a browser carries a session cookie

    with database_down():
        health = client.get("/healthz")
        ready = client.get("/readyz")

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "unavailable", "redis": "ok"}


def test_a_signed_in_page_says_try_again_shortly(patient) -> None:
    client = Client(raise_request_exception=False)
    sign_in(client, patient.user)

    with database_down():
        response = client.get(f"/p/{patient.pk}/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "The portal is briefly unavailable" in page
    assert "call 911" in page


def test_the_first_request_after_a_database_restart_succeeds(patient) -> None:
    client = Client(raise_request_exception=False)
    sign_in(client, patient.user)
    assert client.get(f"/p/{patient.pk}/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        kept_pid = cursor.fetchone()[0]
    # The server ends the connection the app keeps between requests, as a restart or failover does.
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [kept_pid])

    # What every real request does first (Django's test client skips it): with CONN_HEALTH_CHECKS the
    # dead connection is noticed and replaced instead of failing the request.
    request_started.send(sender=None)
    response = client.get(f"/p/{patient.pk}/")

    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert response.status_code == 200
