"""How audit events read on the activity page: whole sentences, by action and object type."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal import audit
from portal.factories import ProxyGrantFactory, StaffMemberFactory, born_years_ago
from portal.models import AuditEvent, Scope
from portal.selectors.activity import describe
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("action", "object_type", "sentence"),
    [
        ("view", "portal.Patient", "You viewed the profile."),
        ("view", "fhir.Observation", "You read part of the health record through a connected app."),
        ("view", "fhir.Bundle", "You read part of the health record through a connected app."),
        ("create", "records.HomeReading", "You added a home reading."),
        ("view", "records.Something", "You viewed part of the record."),
    ],
)
def test_events_read_as_sentences(patient, action: str, object_type: str, sentence: str) -> None:
    event = audit.record(actor=patient.user, patient=patient, action=action, object_type=object_type)

    assert describe(event, patient.user) == sentence


def test_staff_are_named_with_their_role(patient) -> None:
    nurse = StaffMemberFactory(organization=patient.home_organization).user
    event = audit.record(
        actor=nurse,
        patient=patient,
        action=AuditEvent.Action.UPDATE,
        object_type="records.RecordItem",
        acting_as=AuditEvent.ActingAs.STAFF,
    )

    assert describe(event, patient.user) == f"{nurse.full_name} (clinic staff) released a test result after review."


# -- the activity page: repeated views grouped by day, its own views left out ------------------------------------


CHICAGO = ZoneInfo("America/Chicago")
# Thursday 17 December 2026, 15:00 at the clinic.
NOON_ISH = datetime(2026, 12, 17, 15, 0, tzinfo=CHICAGO)


def _view(patient, actor, object_type: str, when: datetime, **fields) -> AuditEvent:  # type: ignore[no-untyped-def]
    event = audit.build(actor=actor, patient=patient, action=AuditEvent.Action.VIEW, object_type=object_type, **fields)
    event.occurred_at = when
    event.save()
    return event


def _lines(client, patient) -> list[str]:  # type: ignore[no-untyped-def]
    body = client.get(f"/p/{patient.pk}/activity/").content.decode()
    items = re.findall(r'<li class="timeline__item">(.*?)</li>', body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


@time_machine.travel(NOON_ISH, tick=False)
def test_repeated_views_of_one_thing_in_a_day_are_one_line(client, patient) -> None:
    for hour in (9, 10, 11, 14):
        _view(patient, patient.user, "records.Results", NOON_ISH.replace(hour=hour))
    _view(patient, patient.user, "records.Results", NOON_ISH.replace(day=16, hour=9))
    _view(patient, patient.user, "records.Results", NOON_ISH.replace(day=16, hour=23, minute=30))  # 05:30 UTC
    audit.record(actor=patient.user, patient=patient, action=AuditEvent.Action.SEND, object_type="messaging.Message")
    audit.record(actor=patient.user, patient=patient, action=AuditEvent.Action.SEND, object_type="messaging.Message")
    sign_in(client, patient.user)

    lines = _lines(client, patient)

    assert lines == [
        "You sent a message. Thu 17 Dec 2026, 3:00 p.m. · just now",
        "You sent a message. Thu 17 Dec 2026, 3:00 p.m. · just now",
        "You viewed the test results. 4 times today Last: Thu 17 Dec 2026, 2:00 p.m. · 1 hour ago",
        "You viewed the test results. 2 times that day Last: Wed 16 Dec 2026, 11:30 p.m. · 15 hours, 30 minutes ago",
    ]


@time_machine.travel(NOON_ISH, tick=False)
def test_views_of_the_activity_page_itself_are_not_listed(client, patient) -> None:
    sign_in(client, patient.user)
    for _ in range(3):
        client.get(f"/p/{patient.pk}/activity/")

    assert _lines(client, patient) == []
    assert AuditEvent.objects.filter(object_type="portal.ActivityLog").count() == 4  # still audited


@time_machine.travel(NOON_ISH, tick=False)
def test_different_people_and_things_stay_apart(client, patient, nurse) -> None:
    _view(patient, patient.user, "portal.Patient", NOON_ISH.replace(hour=9), object_id=patient.pk)
    _view(patient, patient.user, "portal.Patient", NOON_ISH.replace(hour=10), object_id=patient.pk)
    _view(patient, nurse.user, "portal.Patient", NOON_ISH.replace(hour=11), acting_as="staff", object_id=patient.pk)
    _view(patient, patient.user, "messaging.Thread", NOON_ISH.replace(hour=12), object_id="1")
    _view(patient, patient.user, "messaging.Thread", NOON_ISH.replace(hour=13), object_id="2")
    sign_in(client, patient.user)

    sentences = [line.split(" Thu ")[0].split(" Last:")[0] for line in _lines(client, patient)]

    assert sentences == [
        "You read a message conversation.",
        "You read a message conversation.",
        f"{nurse.user.full_name} (clinic staff) viewed the profile.",
        "You viewed the profile. 2 times today",
    ]


@time_machine.travel(NOON_ISH, tick=False)
def test_a_teens_confidential_views_leave_no_trace_for_the_parent(client, patient) -> None:
    patient.birth_date = born_years_ago(15)
    patient.save()
    parent = ProxyGrantFactory(patient=patient, scopes=list(Scope.values)).grantee
    for hour in (9, 10):
        _view(patient, patient.user, "records.Results", NOON_ISH.replace(hour=hour), confidential=True, scope="records")
    _view(patient, patient.user, "records.Results", NOON_ISH.replace(hour=11), scope="records")
    sign_in(client, parent)

    assert [line.split(" Thu ")[0] for line in _lines(client, patient)] == [
        f"{patient.user.full_name} viewed the test results."
    ]


@time_machine.travel(NOON_ISH, tick=False)
def test_the_activity_page_is_a_constant_number_of_queries(client, patient, nurse, django_assert_num_queries) -> None:
    sign_in(client, patient.user)
    client.get(f"/p/{patient.pk}/activity/")  # warm: session
    _view(patient, nurse.user, "portal.Patient", NOON_ISH, acting_as="staff")

    # session, user, staff role, two second-factor devices, patient, count, the page's lines, the
    # people named, the audit, the layout's people, saving the session (3 with its savepoint).
    with django_assert_num_queries(14) as first:
        client.get(f"/p/{patient.pk}/activity/")
    for hour in range(8, 14):
        _view(
            patient, StaffMemberFactory(organization=patient.home_organization).user, "x.Y", NOON_ISH.replace(hour=hour)
        )
        _view(patient, patient.user, f"records.Thing{hour}", NOON_ISH.replace(hour=hour))
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(f"/p/{patient.pk}/activity/")
