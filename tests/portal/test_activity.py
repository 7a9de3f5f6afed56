"""How audit events read on the activity page: whole sentences, by action and object type."""

from __future__ import annotations

import pytest

from portal import audit
from portal.activity import describe
from portal.factories import StaffMemberFactory
from portal.models import AuditEvent

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
