"""Read a FHIR Claim and its ExplanationOfBenefit into billing's terms: one charge, its service
lines and each line's adjudication in integer cents.

Amounts arrive as JSON numbers with float noise (28.104000000000003). Each category is rounded
on its running total across the lines (a line gets round(sum to here) - round(sum before)), so the
lines of one claim add up to the cent to the rounded total the insurer sent, never a cent off.
A line the claim prices without an amount of its own (Synthea's encounter line) takes what the
claim's total leaves over; diagnosis lines carry no charge and are not services."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# Adjudication categories by the last part of their code: the FHIR adjudication code system and
# the CMS Blue Button variables Synthea writes.
CATEGORY = {
    "submitted": "submitted",
    "line_sbmtd_chrg_amt": "submitted",
    "eligible": "allowed",
    "line_alowd_chrg_amt": "allowed",
    "benefit": "insurer_paid",
    "line_prvdr_pmt_amt": "insurer_paid",
    "line_bene_pmt_amt": "insurer_paid",
    "deductible": "deductible",
    "line_bene_ptb_ddctbl_amt": "deductible",
    "line_bene_ptb_ddctbl": "deductible",
    "copay": "copay",
    "coinsurance": "coinsurance",
    "line_coinsrnc_amt": "coinsurance",
    "noncovered": "not_covered",
    "line_nncvrd_chrg_amt": "not_covered",
}
PARTS = ("submitted", "allowed", "insurer_paid", "deductible", "copay", "coinsurance", "not_covered")
# An explanation of benefit whose outcome says the insurer is not done.
IN_PROCESS_OUTCOMES = frozenset({"queued", "partial"})
NO_INSURANCE = frozenset({"no_insurance", "self-pay", "self pay", "selfpay"})
CENT = Decimal("0.01")


class ClaimUnreadable(ValueError):
    """The claim lacks what a charge needs (no date)."""


def money(value: Any) -> Decimal:
    """An exact Decimal of a FHIR Money's value (0 when absent or unreadable)."""
    if isinstance(value, dict):
        value = value.get("value")
    if value is None or isinstance(value, bool):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def to_cents(amount: Decimal) -> int:
    return int((amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def reference_id(reference: Any) -> str:
    """The id a reference names: "urn:uuid:abc" and "Claim/abc" are both "abc"."""
    if isinstance(reference, dict):
        reference = reference.get("reference")
    if not isinstance(reference, str):
        return ""
    return reference.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _coding(concept: Any) -> tuple[str, str, str]:
    if not isinstance(concept, dict):
        return "", "", ""
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and (coding.get("code") or coding.get("display")):
            return (
                str(coding.get("system", "")),
                str(coding.get("code", "")),
                str(coding.get("display") or concept.get("text") or coding.get("code", "")),
            )
    return "", "", str(concept.get("text", ""))


def _category(adjudication: dict[str, Any]) -> str:
    _, code, _ = _coding(adjudication.get("category"))
    return CATEGORY.get(code.rsplit("/", 1)[-1], "")


@dataclass
class Line:
    sequence: int
    service_system: str
    service_code: str
    service_display: str
    adjudicated: bool
    exact: dict[str, Decimal] = field(default_factory=dict)
    cents: dict[str, int] = field(default_factory=dict)


@dataclass
class ClaimReading:
    claim_id: str
    eob_id: str
    in_process: bool
    self_pay: bool
    claim_type: str
    service_start: str
    encounter_ref: str
    provider_ref: str
    organization_ref: str
    insurer_name: str
    # The insurer's own totals, exact: what reconciliation compares the lines with.
    total_submitted: Decimal
    total_paid: Decimal
    lines: list[Line]


def _is_service(item: dict[str, Any]) -> bool:
    """A service line: priced, adjudicated, or the encounter itself (not a diagnosis line)."""
    return bool(item.get("net") or item.get("adjudication") or item.get("encounter"))


def _exact_lines(items: list[dict[str, Any]], total_submitted: Decimal) -> list[Line]:
    lines: list[Line] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not _is_service(item):
            continue
        system, code, display = _coding(item.get("productOrService"))
        exact = dict.fromkeys(PARTS, Decimal(0))
        adjudications = [a for a in item.get("adjudication") or [] if isinstance(a, dict)]
        for adjudication in adjudications:
            category = _category(adjudication)
            if category and "amount" in adjudication:
                exact[category] += money(adjudication["amount"])
        priced = any(_category(a) == "submitted" for a in adjudications)
        if not priced and item.get("net"):
            exact["submitted"] = money(item["net"])
            priced = True
        line = Line(
            sequence=int(item.get("sequence") or index),
            service_system=system,
            service_code=code,
            service_display=display or code or "Service",
            adjudicated=bool(adjudications),
            exact=exact,
        )
        line.cents["_priced"] = int(priced)
        lines.append(line)
    # What the total leaves over belongs to the first line priced by no amount of its own.
    unpriced = [line for line in lines if not line.cents["_priced"]]
    if unpriced:
        remainder = total_submitted - sum((line.exact["submitted"] for line in lines), Decimal(0))
        unpriced[0].exact["submitted"] = max(remainder, Decimal(0))
    for line in lines:
        del line.cents["_priced"]
    return lines


def _round_running(lines: list[Line]) -> None:
    for part in PARTS:
        running, before = Decimal(0), 0
        for line in lines:
            running += line.exact[part]
            now = to_cents(running)
            line.cents[part] = now - before
            before = now


def _total(resource: dict[str, Any], category: str) -> Decimal | None:
    totals = resource.get("total")
    if isinstance(totals, dict):  # a Claim's total is one Money
        return money(totals) if category == "submitted" else None
    for total in totals or []:
        if isinstance(total, dict) and _category(total) == category:
            return money(total.get("amount"))
    return None


def read_claim(claim: dict[str, Any], eob: dict[str, Any] | None) -> ClaimReading:
    """The charge a claim makes, adjudicated by its explanation of benefit when there is one."""
    period = claim.get("billablePeriod") or {}
    start = str(period.get("start") or claim.get("created") or "")
    if not start:
        raise ClaimUnreadable(f"Claim {claim.get('id')} has no date.")
    _, claim_type, _ = _coding(claim.get("type"))
    in_process = eob is None or str(eob.get("outcome", "")) in IN_PROCESS_OUTCOMES or eob.get("status") == "draft"
    source = eob if eob is not None and not in_process else claim
    insurance = [i for i in (source.get("insurance") or []) if isinstance(i, dict)]
    insurer = ""
    if eob is not None:
        insurer = str((eob.get("insurer") or {}).get("display") or "")
    if not insurer and insurance:
        insurer = str((insurance[0].get("coverage") or {}).get("display") or "")
    submitted = _total(source, "submitted")
    if submitted is None:
        submitted = _total(claim, "submitted") or Decimal(0)
    lines = _exact_lines(list(source.get("item") or []), submitted)
    if in_process:
        # Nothing is adjudicated yet: the lines carry what was submitted only.
        for line in lines:
            line.exact = {part: (line.exact["submitted"] if part == "submitted" else Decimal(0)) for part in PARTS}
            line.adjudicated = False
    _round_running(lines)
    care_team = [c for c in ((eob or {}).get("careTeam") or []) if isinstance(c, dict)]
    encounter = next((ref for item in claim.get("item") or [] for ref in item.get("encounter") or []), None)
    return ClaimReading(
        claim_id=str(claim.get("id", "")),
        eob_id=str((eob or {}).get("id", "")) if not in_process else "",
        in_process=in_process,
        self_pay=not insurance or insurer.strip().lower() in NO_INSURANCE,
        claim_type=claim_type,
        service_start=start,
        encounter_ref=reference_id(encounter),
        provider_ref=reference_id(care_team[0].get("provider")) if care_team else "",
        organization_ref=reference_id(claim.get("provider")),
        insurer_name=insurer,
        total_submitted=submitted,
        total_paid=money((eob or {}).get("payment", {}).get("amount")) if not in_process else Decimal(0),
        lines=lines,
    )


def claim_of(eob: dict[str, Any]) -> str:
    """The Claim id an explanation of benefit answers (its `claim` reference, else the CMS claim
    id identifier)."""
    found = reference_id(eob.get("claim"))
    if found:
        return found
    for identifier in eob.get("identifier") or []:
        if isinstance(identifier, dict) and str(identifier.get("system", "")).endswith("/clm_id"):
            return str(identifier.get("value", ""))
    return ""
