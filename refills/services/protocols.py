"""Loading the starter refill protocols (content/protocols.toml): each validated as the admin
validates it, created only where its key is new (an administrator's edits are never undone),
and left pending a clinician's approval."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from refills.models import RefillProtocol

STARTER = Path(__file__).resolve().parent.parent / "content" / "protocols.toml"
FIELDS = {
    "visit_within_months",
    "lab_within_months",
    "blood_pressure_within_months",
    "systolic_max",
    "diastolic_max",
    "max_days_supply",
    "no_refill_within_months_of_start",
    "dea_schedule",
    "source",
    "align_to_annual_visit",
}


def starter_protocols(path: Path = STARTER) -> list[RefillProtocol]:
    """The starter set as unsaved, validated rows (ValidationError names the protocol at fault)."""
    document = tomllib.loads(path.read_text())
    found = []
    for key, spec in document["protocols"].items():
        found.append(_protocol(key, spec))
    return found


def _protocol(key: str, spec: dict[str, Any]) -> RefillProtocol:
    unknown = set(spec) - FIELDS - {"name", "rxnorm", "handling", "lab_loinc", "lab_low", "lab_high"}
    if unknown:
        raise ValueError(f"protocols.{key}: unknown fields {sorted(unknown)}")
    protocol = RefillProtocol(
        key=key,
        name=spec["name"],
        rxnorm_codes=list(spec["rxnorm"]),
        handling=spec.get("handling", RefillProtocol.Handling.PROTOCOL),
        lab_loinc_codes=list(spec.get("lab_loinc", [])),
        lab_low=Decimal(str(spec["lab_low"])) if "lab_low" in spec else None,
        lab_high=Decimal(str(spec["lab_high"])) if "lab_high" in spec else None,
        **{name: spec[name] for name in FIELDS if name in spec},
    )
    protocol.full_clean(exclude=["key"])
    return protocol


@transaction.atomic
def load_starter_protocols(path: Path = STARTER) -> int:
    """Create the starter protocols not yet in the database; returns how many were created."""
    existing = set(RefillProtocol.objects.values_list("key", flat=True))
    new = [protocol for protocol in starter_protocols(path) if protocol.key not in existing]
    RefillProtocol.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def protocols_approve(*, clinician: str, on: date, keys: list[str] | None = None) -> int:
    """Record a clinician's approval of the protocols still pending (of `keys`, or all): only an
    approved protocol lets a nurse or medical assistant finish a request. Returns how many."""
    clinician = clinician.strip()
    if not clinician:
        raise ValueError("an approval names the clinician")
    pending = RefillProtocol.objects.filter(approved_by="")
    if keys is not None:
        pending = pending.filter(key__in=keys)
    return pending.update(approved_by=clinician[:200], approved_on=on)
