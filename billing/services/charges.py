"""Charges from imported claims: read through records' claims selector, written to billing's own
tables, idempotent (a re-import of the same resources changes nothing; a changed adjudication
posts a correction row, never an edit of the ledger)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from billing.adjudication import ClaimReading, ClaimUnreadable, claim_of, read_claim
from billing.clinic_day import clinic_date
from billing.models import Account, Charge, ChargeLine, LedgerEntry
from billing.services.ledger import account_lock, entry_post
from portal.models import Organization
from portal.queue import queue_task
from records.fhir.projection import parse_when
from records.selectors import claims as claims_selector

logger = logging.getLogger(__name__)

# The task that builds one patient's charges (billing.tasks.charges_for_patient).
PATIENT_TASK = "billing.charges_for_patient"

LINE_PARTS = (
    "submitted_cents",
    "allowed_cents",
    "insurer_paid_cents",
    "deductible_cents",
    "copay_cents",
    "coinsurance_cents",
    "not_covered_cents",
)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


def _hash(claim: dict[str, object], eob: dict[str, object] | None) -> str:
    text = json.dumps([claim, eob], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _provider(names: dict[tuple[int, str], str], source_id: int, reading: ClaimReading) -> str:
    return names.get((source_id, reading.provider_ref)) or names.get((source_id, reading.organization_ref)) or ""


def _status(reading: ClaimReading) -> str:
    if reading.in_process:
        return Charge.Status.WITH_INSURANCE
    return Charge.Status.SELF_PAY if reading.self_pay else Charge.Status.ADJUDICATED


def _write_lines(charge: Charge, reading: ClaimReading) -> list[ChargeLine]:
    existing = {line.sequence: line for line in charge.lines.all()}
    kept: list[ChargeLine] = []
    for line in reading.lines:
        values: dict[str, Any] = {
            "service_system": line.service_system[:200],
            "service_code": line.service_code[:64],
            "service_display": line.service_display[:300],
            "adjudicated": line.adjudicated,
            **{f"{part}_cents": line.cents[part] for part in line.cents},
        }
        values["patient_owes_cents"] = sum(
            values[part] for part in ("deductible_cents", "copay_cents", "coinsurance_cents", "not_covered_cents")
        )
        row = existing.pop(line.sequence, None)
        if row is None:
            row = ChargeLine.objects.create(charge=charge, sequence=line.sequence, **values)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
        kept.append(row)
    # A line the source no longer sends stays (the ledger names it) with nothing owed on it.
    for row in existing.values():
        for name in (*LINE_PARTS, "patient_owes_cents"):
            setattr(row, name, 0)
        row.adjudicated = False
        row.save()
        kept.append(row)
    return kept


def _post_lines(account: Account, charge: Charge, lines: Iterable[ChargeLine]) -> None:
    """Bring the ledger to what each line now bills: the difference, as a new row."""
    billed = charge.status != Charge.Status.WITH_INSURANCE
    line_list = list(lines)
    posted = dict(
        LedgerEntry.objects.filter(account=account, charge_line__in=line_list)
        .values("charge_line")
        .annotate(total=Sum("amount_cents"))
        .values_list("charge_line", "total")
    )
    for line in line_list:
        target = line.patient_owes_cents if billed else 0
        delta = target - posted.get(line.pk, 0)
        if delta == 0:
            continue
        first = posted.get(line.pk, 0) == 0 and delta > 0
        entry_post(
            account=account,
            kind=LedgerEntry.Kind.CHARGE if first else LedgerEntry.Kind.CHARGE_CORRECTION,
            amount_cents=delta,
            idempotency_key=f"line:{line.pk}:{charge.source_hash[:24]}",
            charge_line=line,
            reason="" if first else "The insurer's adjudication changed.",
        )


def _service_date(value: str, organization: Organization, now: datetime) -> date:
    """The day of the visit at the clinic: a FHIR date is that day as written; a dateTime is read
    on the organization's clock (a 7 pm visit is that day's, not UTC's next)."""
    when = parse_when(value)
    if when is None:
        return clinic_date(organization, now)
    if "T" not in value:
        return when.date()
    return clinic_date(organization, when)


@transaction.atomic
def charges_sync(*, patient_id: UUID | str, now: datetime | None = None) -> SyncResult:
    """Build or bring up to date every charge from this patient's imported claims. Safe to run
    again: unchanged claims are skipped by their hash."""
    now = now or timezone.now()
    result = SyncResult()
    raws = claims_selector.claims_for(patient_ids=[patient_id])
    claims = [r for r in raws if r.resource_type == "Claim"]
    eobs: dict[tuple[int, str], dict[str, object]] = {}
    for raw in raws:
        if raw.resource_type == "ExplanationOfBenefit":
            eobs[(raw.source_id, claim_of(raw.raw))] = raw.raw
    by_source: dict[int, list[claims_selector.RawClaim]] = defaultdict(list)
    for claim in claims:
        by_source[claim.source_id].append(claim)
    for source_id, source_claims in by_source.items():
        account, _ = Account.objects.get_or_create(patient_id=patient_id, organization_id=source_id)
        account = account_lock(account_id=account.pk)
        organization = account.organization
        readings: list[tuple[ClaimReading, str]] = []
        for claim in source_claims:
            eob = eobs.get((source_id, claim.resource_id))
            try:
                readings.append((read_claim(claim.raw, eob), _hash(claim.raw, eob)))
            except ClaimUnreadable:
                logger.warning("billing: claim %s of source %s has no date", claim.resource_id, source_id)
                result.skipped += 1
        names = claims_selector.provider_names(
            source_ids=[source_id],
            resource_ids=[r.provider_ref for r, _ in readings] + [r.organization_ref for r, _ in readings],
        )
        existing = {c.claim_id: c for c in Charge.objects.filter(account=account)}
        for reading, source_hash in readings:
            charge = existing.get(reading.claim_id)
            if charge is not None and charge.source_hash == source_hash:
                result.unchanged += 1
                continue
            values = {
                "eob_id": reading.eob_id[:128],
                "encounter_ref": reading.encounter_ref[:200],
                "status": _status(reading),
                "claim_type": reading.claim_type[:32],
                "service_date": _service_date(reading.service_start, organization, now),
                "provider_name": _provider(names, source_id, reading)[:200],
                "insurer_name": reading.insurer_name[:200],
                "source_hash": source_hash,
                "updated_at": now,
            }
            if charge is None:
                charge = Charge.objects.create(account=account, claim_id=reading.claim_id, created_at=now, **values)
                result.created += 1
            else:
                for name, value in values.items():
                    setattr(charge, name, value)
                charge.save()
                result.updated += 1
            _post_lines(account, charge, _write_lines(charge, reading))
    return result


def patient_changed(patient_id: UUID | str) -> None:
    """After the commit of a change of a patient's inputs (records' importer announces each file's
    patients through portal.briefing_inputs): when a claim or an explanation of benefit came in or
    changed since billing last built a charge, hand a worker the patient, so charges are built
    right after the import rather than at the next sweep. One query for the claims, one for the
    charges; nothing queued for a reply or a booking."""
    built = Charge.objects.filter(account__patient_id=patient_id).aggregate(latest=Max("updated_at"))["latest"]
    if claims_selector.claims_changed_since(patient_id=patient_id, since=built):
        queue_task(PATIENT_TASK, str(patient_id))


@transaction.atomic
def charge_self_pay_create(
    *,
    patient_id: UUID | str,
    organization_id: int,
    service_display: str,
    amount_cents: int,
    service_date: date,
    reference: str,
    service_code: str = "",
    provider_name: str = "",
    now: datetime | None = None,
) -> Charge:
    """A charge the patient pays themself (no insurance claim): one line, all of it the patient's.
    `reference` names it at the clinic (a visit, a price list item); the same reference twice
    makes one charge."""
    now = now or timezone.now()
    if amount_cents <= 0:
        raise ValueError("A self-pay charge is a positive amount.")
    account, _ = Account.objects.get_or_create(patient_id=patient_id, organization_id=organization_id)
    account = account_lock(account_id=account.pk)
    claim_id = f"self-pay:{reference}"[:128]
    charge = Charge.objects.filter(account=account, claim_id=claim_id).first()
    if charge is not None:
        return charge
    charge = Charge.objects.create(
        account=account,
        claim_id=claim_id,
        status=Charge.Status.SELF_PAY,
        service_date=service_date,
        provider_name=provider_name[:200],
        source_hash=hashlib.sha256(claim_id.encode()).hexdigest(),
        created_at=now,
        updated_at=now,
    )
    line = ChargeLine.objects.create(
        charge=charge,
        sequence=1,
        service_code=service_code[:64],
        service_display=service_display[:300],
        submitted_cents=amount_cents,
        allowed_cents=amount_cents,
        not_covered_cents=amount_cents,
        patient_owes_cents=amount_cents,
        adjudicated=True,
    )
    _post_lines(account, charge, [line])
    return charge
