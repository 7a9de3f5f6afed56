"""The audit log is append-only in the database, and reads of patient data write to it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.utils import InternalError, ProgrammingError

from portal import audit
from portal.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, ProgrammingError)


def _event(patient) -> AuditEvent:
    return audit.record(actor=patient.user, patient=patient, action=AuditEvent.Action.VIEW, obj=patient)


@contextlib.contextmanager
def as_owner() -> Iterator[CursorWrapper]:
    """A cursor as the tables' owner (a superuser here), to show the trigger holds even against it."""
    owner = dj_database_url.parse(settings.DATABASE_OWNER_URL)
    connection.close()
    as_app = {"USER": connection.settings_dict["USER"], "PASSWORD": connection.settings_dict["PASSWORD"]}
    connection.settings_dict.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"])
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()
        connection.settings_dict.update(as_app)


def test_tests_run_as_the_least_privileged_app_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == ("portal_app_test", False, False)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE portal_auditevent SET object_id = 'x' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
        "TRUNCATE portal_auditevent",
        "ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_append_only",
        "ALTER TABLE portal_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER portal_auditevent_append_only ON portal_auditevent",
        "SET session_replication_role = replica",
        "ALTER TABLE portal_auditevent OWNER TO portal_app_test",
    ],
)
def test_the_app_role_cannot_rewrite_history(patient, statement: str) -> None:
    event = _event(patient)

    with (
        pytest.raises(REFUSED, match="permission denied|must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk] if "%s" in statement else None)

    event.refresh_from_db()
    assert (event.object_id, AuditEvent.objects.count()) == (str(patient.pk), 1)


def test_the_orm_cannot_update_or_delete_audit_rows(patient) -> None:
    event = _event(patient)

    with pytest.raises(REFUSED, match="permission denied"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditEvent.Action.DELETE)
    with pytest.raises(REFUSED, match="permission denied"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    event.refresh_from_db()
    assert event.action == AuditEvent.Action.VIEW


@pytest.mark.django_db(transaction=True)
def test_the_trigger_refuses_even_the_owner(patient) -> None:
    event = _event(patient)

    with as_owner() as cursor:
        for statement in (
            "UPDATE portal_auditevent SET object_id = 'x' WHERE id = %s",
            "DELETE FROM portal_auditevent WHERE id = %s",
        ):
            with pytest.raises(Exception, match="append-only"):  # noqa: B017,PT011 - psycopg's own error class
                cursor.execute(statement, [event.pk])

    event.refresh_from_db()
    assert event.object_id == str(patient.pk)


def test_viewing_the_home_page_writes_its_events_with_the_client(client, patient) -> None:
    sign_in(client, patient.user)

    client.get(f"/p/{patient.pk}/", HTTP_USER_AGENT="TestBrowser/1.0", REMOTE_ADDR="203.0.113.9")

    # The profile, and what the home's cards showed (what is owed, the newest results, the next visit).
    assert sorted(AuditEvent.objects.values_list("object_type", flat=True)) == [
        "billing.HomeCard",
        "portal.Patient",
        "records.HomeCard",
        "scheduling.HomeCard",
    ]
    event = AuditEvent.objects.get(object_type="portal.Patient")
    assert (event.actor_id, event.patient_id, event.action, event.acting_as) == (
        patient.user.pk,
        patient.pk,
        AuditEvent.Action.VIEW,
        AuditEvent.ActingAs.SELF,
    )
    assert (event.object_type, event.object_id) == ("portal.Patient", str(patient.pk))
    assert (event.ip, event.user_agent) == ("203.0.113.9", "TestBrowser/1.0")
    assert len(event.request_id) == 32


def test_activity_page_shows_staff_access_to_the_patient(client, patient, nurse) -> None:
    sign_in(client, nurse.user, second_factor=True)
    client.get(f"/staff/patients/{patient.pk}/")
    client.logout()
    sign_in(client, patient.user)

    response = client.get(f"/p/{patient.pk}/activity/")

    page = response.content.decode()
    assert nurse.user.full_name in page
    assert f"{nurse.user.full_name} (clinic staff) viewed the profile." in page
