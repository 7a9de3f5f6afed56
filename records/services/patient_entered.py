"""Data the patient enters through another app (a questionnaire's score today; home devices and
refill notes later) filed in the record as patient-entered data: a `SourceRecord` holding the
FHIR resource as the patient's own organization's, and its `RecordItem`, so it shows on the
results page and trends like any imported value. Other apps call this; they never write the
record's tables themselves.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from records.models import RecordItem, SourceRecord


@transaction.atomic
def file_patient_observation(
    *,
    access: Access,
    actor: User,
    raw: dict[str, Any],
    code_system: str,
    code: str,
    display: str,
    category: str,
    effective_at: datetime,
    value_number: Decimal | None = None,
    value_text: str = "",
    status: str = "final",
    confidential: bool = False,
) -> RecordItem:
    """File `raw` (a FHIR Observation whose `id` is unique to the caller's row, e.g.
    "portal-questionnaire-response-7") for `access.patient` and return its record item.
    `display` is stored as words, untranslated, as every imported item is. `confidential`: the
    patient's caregivers never see it (the caller's rule, e.g. a teenager's mental-health score)."""
    patient = access.patient
    source_record = SourceRecord.objects.create(
        source=patient.home_organization,
        resource_type="Observation",
        resource_id=raw["id"],
        patient=patient,
        raw=raw,
        content_hash=hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest(),
    )
    item = RecordItem.objects.create(
        record=source_record,
        patient=patient,
        source=patient.home_organization,
        kind=RecordItem.Kind.OBSERVATION,
        code_system=code_system,
        code=code,
        display=display,
        category=category,
        status=status,
        effective_at=effective_at,
        value_number=value_number,
        value_text=value_text,
        confidential=confidential,
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=item, confidential=confidential)
    return item
