"""The audit log is append-only in the database, and reads of patient data write to it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError

from portal import audit
from portal.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, ProgrammingError)


def _event(patient) -> AuditEvent:
    return audit.record(actor=patient.user, patient=patient, action=AuditEvent.Action.VIEW, obj=patient)


def test_update_of_an_audit_row_is_refused_by_the_database(patient) -> None:
    event = _event(patient)

    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditEvent.Action.DELETE)

    event.refresh_from_db()
    assert event.action == AuditEvent.Action.VIEW


def test_delete_of_an_audit_row_is_refused_by_the_database(patient) -> None:
    event = _event(patient)

    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk).count() == 1


def test_raw_sql_as_the_app_role_cannot_rewrite_history(patient) -> None:
    event = _event(patient)

    for statement in (
        "UPDATE portal_auditevent SET object_id = 'x' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ):
        with pytest.raises(REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])

    event.refresh_from_db()
    assert event.object_id == str(patient.pk)


def test_viewing_the_home_page_writes_its_events_with_the_client(client, patient) -> None:
    sign_in(client, patient.user)

    client.get(f"/p/{patient.pk}/", HTTP_USER_AGENT="TestBrowser/1.0", REMOTE_ADDR="203.0.113.9")

    # The profile, and what the home's cards showed (the newest results, the next visit).
    assert sorted(AuditEvent.objects.values_list("object_type", flat=True)) == [
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
