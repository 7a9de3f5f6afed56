"""Prescriptions the clinic writes through another app (a refill or renewal approved in refills)
filed in the record as a MedicationRequest of the clinic, `basedOn` the prescription it continues,
so it shows on the medicines page and in the FHIR API like any imported one. Other apps call this;
they never write the record's tables themselves."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from django.db import transaction

from portal import audit
from portal.access import Access
from portal.models import AuditEvent, User
from records.models import RecordItem, SourceRecord


@transaction.atomic
def prescription_continue(
    *,
    access: Access,
    actor: User,
    original: RecordItem,
    resource_id: str,
    days_supply: int,
    refills: int,
    written_at: datetime,
    dosage_text: str = "",
    valid_until: date | None = None,
) -> RecordItem:
    """Write a new active MedicationRequest of the patient's clinic for the medicine of `original`
    (same code), based on it, with `days_supply` and `refills` in its dispense request (and, with
    `valid_until`, the last day it may be filled: a renewal to the patient's annual visit). The
    original, if it was active, is left as the source says (the clinic's own system completes it).
    `resource_id` is unique to the caller's row ("portal-refill-7"). Returns the new record item."""
    patient = access.patient
    if original.patient_id != patient.pk or original.kind != RecordItem.Kind.MEDICATION:
        raise ValueError("a prescription continues one of the patient's own medicines")
    original_raw = original.record.raw if isinstance(original.record.raw, dict) else {}
    coding = {"system": original.code_system, "code": original.code, "display": original.display}
    dosage = dosage_text or original.value_text
    raw: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": resource_id,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [coding], "text": original.display},
        "subject": {"reference": f"Patient/{patient.pk}"},
        "authoredOn": written_at.isoformat(),
        "requester": {"display": actor.get_full_name() or actor.email},
        "basedOn": [
            {
                "reference": f"MedicationRequest/{original.record.resource_id}",
                "display": original.display,
            }
        ],
        "dispenseRequest": {
            "numberOfRepeatsAllowed": refills,
            "expectedSupplyDuration": {
                "value": days_supply,
                "unit": "d",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
        },
    }
    if valid_until is not None:
        period = {"start": written_at.date().isoformat(), "end": valid_until.isoformat()}
        raw["dispenseRequest"]["validityPeriod"] = period
    if dosage:
        raw["dosageInstruction"] = [{"text": dosage}]
    elif original_raw.get("dosageInstruction"):
        raw["dosageInstruction"] = original_raw["dosageInstruction"]
    source_record = SourceRecord.objects.create(
        source=patient.home_organization,
        resource_type="MedicationRequest",
        resource_id=resource_id,
        patient=patient,
        raw=raw,
        content_hash=hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest(),
    )
    item = RecordItem.objects.create(
        record=source_record,
        patient=patient,
        source=patient.home_organization,
        kind=RecordItem.Kind.MEDICATION,
        code_system=original.code_system,
        code=original.code,
        display=original.display,
        status="active",
        effective_at=written_at,
        value_text=dosage[:500],
        dedup_key=original.dedup_key,
        confidential=original.confidential,
        confidential_by=original.confidential_by,
        sensitivity=original.sensitivity,
    )
    audit.record_access(access, actor=actor, action=AuditEvent.Action.CREATE, obj=item, confidential=item.confidential)
    return item
