"""Writing the audit log: one call per read or write of a patient's data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import models

from portal.access import SCOPED_ACTIONS, Access
from portal.context import current_client
from portal.models import AuditEvent, Patient, User


def build(
    *,
    actor: User | None,
    patient: Patient | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: object = "",
    acting_as: str = AuditEvent.ActingAs.SELF,
    scope: str = "",
    confidential: bool = False,
) -> AuditEvent:
    """An unsaved event stamped with the current request's client (for bulk writes)."""
    client = current_client()
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or obj.pk
    return AuditEvent(
        actor=actor,
        acting_as=acting_as,
        patient=patient,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        scope=scope,
        confidential=confidential,
        ip=client.ip,
        user_agent=client.user_agent[:300],
        request_id=client.request_id,
    )


def record(**fields: Any) -> AuditEvent:
    """Append one event. Call inside the transaction of the write it describes."""
    event = build(**fields)
    event.save()
    return event


def record_many(events: list[AuditEvent]) -> None:
    """Append events made with `build` in one statement: the audit log is written only here."""
    AuditEvent.objects.bulk_create(events)


@dataclass(frozen=True)
class Line:
    """One line of a list someone read (or a batch the portal changed): whose it is, what it names."""

    patient_id: UUID | str | None
    obj: models.Model | None = None
    object_id: object = ""
    confidential: bool = False
    # Only where the relationship differs line by line (a FHIR search: self, proxy or staff).
    acting_as: str = ""


def record_list(
    lines: Iterable[Line],
    *,
    actor: User | None,
    acting_as: str,
    action: str,
    object_type: str = "",
    scope: str = "",
) -> None:
    """Audit a list: one event per line, all in one statement (none for an empty list).
    `object_type` names the list itself when a line names no object of its own."""
    events = []
    for line in lines:
        event = build(
            actor=actor,
            patient=None,
            action=action,
            obj=line.obj,
            object_type=object_type,
            object_id=line.object_id,
            acting_as=line.acting_as or acting_as,
            scope=scope,
            confidential=line.confidential,
        )
        event.patient_id = line.patient_id
        events.append(event)
    record_many(events)


def record_access(
    access: Access,
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: object = "",
    confidential: bool = False,
) -> AuditEvent:
    """Audit an access the policy granted, with the scope and relationship it was granted under."""
    return record(
        actor=actor,
        patient=access.patient,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        acting_as=access.acting_as,
        scope=access.action if access.action in SCOPED_ACTIONS else "",
        confidential=confidential,
    )
