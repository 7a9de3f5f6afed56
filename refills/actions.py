"""The one action the patient side is offered per medicine, computed on the server from the
record: request a refill, request a renewal, or why not (in plain words). Pure: it takes the
medicine's prescriptions (every source, one dedup group), the patient's open and sent requests
and the protocols, and returns a `MedicineAction`; the selectors read, the pages only show it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from portal.models import Organization
from records.models import RecordItem
from refills.models import RefillProtocol, RefillRequest

# A prescription is good for a year from when it was written unless it says otherwise
# (dispenseRequest.validityPeriod.end); renewal stays offered this long after it ended.
VALIDITY = timedelta(days=365)
RENEWAL_WINDOW = timedelta(days=120)
# A refill may be asked for this many days before the last supply runs out; earlier is too early.
EARLY_DAYS = 7
DISCONTINUED = frozenset({"stopped", "cancelled", "entered-in-error", "on-hold"})
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


class Action:
    REFILL = "refill"
    RENEWAL = "renewal"
    OUTSIDE = "outside"  # prescribed by another organization
    CONTROLLED = "controlled"  # by phone or at a visit only
    DISCONTINUED = "discontinued"
    REQUESTED = "requested"  # an open request already
    TOO_EARLY = "too_early"
    ENDED = "ended"  # ended too long ago to renew: at a visit

    REQUESTABLE = frozenset({REFILL, RENEWAL})


@dataclass(frozen=True)
class MedicineAction:
    action: str
    key: str
    name: str
    prescription: RecordItem | None = None
    protocol: RefillProtocol | None = None
    refills_left: int = 0
    ends_on: date | None = None
    prescriber: Organization | None = None  # for OUTSIDE: who to call
    open_request: RefillRequest | None = None
    covered_until: date | None = None
    days_left: int = 0

    @property
    def requestable(self) -> bool:
        return self.action in Action.REQUESTABLE

    @property
    def request_kind_label(self) -> str:
        return str(RefillRequest.Kind(self.request_kind).label)

    @property
    def request_kind(self) -> str:
        return RefillRequest.Kind.REFILL if self.action == Action.REFILL else RefillRequest.Kind.RENEWAL


def _dispense(item: RecordItem) -> dict[str, Any]:
    raw = item.record.raw if item.record_id else {}
    found = raw.get("dispenseRequest") if isinstance(raw, dict) else None
    return found if isinstance(found, dict) else {}


def refills_allowed(item: RecordItem) -> int:
    """How many refills the prescription allows (numberOfRepeatsAllowed; none said: none)."""
    value = _dispense(item).get("numberOfRepeatsAllowed")
    return value if isinstance(value, int) and value > 0 else 0


def supply_days(item: RecordItem) -> int | None:
    duration = _dispense(item).get("expectedSupplyDuration")
    if isinstance(duration, dict) and duration.get("unit", "d") in ("d", "day", "days"):
        value = duration.get("value")
        if isinstance(value, int | float) and value > 0:
            return int(value)
    return None


def ends_on(item: RecordItem, zone: ZoneInfo) -> date | None:
    """The last day the prescription may be filled."""
    period = _dispense(item).get("validityPeriod")
    if isinstance(period, dict) and isinstance(period.get("end"), str):
        try:
            return date.fromisoformat(period["end"][:10])
        except ValueError:
            pass
    if item.effective_at is None:
        return None
    return timezone.localdate(item.effective_at, zone) + VALIDITY


def by_protocol(protocol: RefillProtocol | None) -> bool:
    """Whether a nurse or medical assistant may finish a request under `protocol` (when every check
    passes): a protocol of that handling that a clinician has approved; otherwise the prescriber."""
    return (
        protocol is not None and protocol.handling == RefillProtocol.Handling.PROTOCOL and not protocol.pending_approval
    )


def protocol_for(code: str, protocols: Sequence[RefillProtocol]) -> RefillProtocol | None:
    return next((p for p in protocols if code and code in p.rxnorm_codes), None)


def decide(
    *,
    key: str,
    items: Sequence[RecordItem],
    home: Organization,
    protocols: Sequence[RefillProtocol],
    requests: Sequence[RefillRequest],
    today: date,
) -> MedicineAction:
    zone = ZoneInfo(home.time_zone)
    """The action for one medicine. `items`: its prescriptions from every source; `requests`: the
    patient's requests for it (any status)."""
    newest = max(items, key=lambda item: (item.effective_at is not None, item.effective_at, item.pk))
    name = newest.display
    ours = [item for item in items if item.source_id == home.pk]
    if not ours:
        return MedicineAction(Action.OUTSIDE, key, name, prescription=newest, prescriber=newest.source)
    latest = max(ours, key=lambda item: (item.effective_at is not None, item.effective_at, item.pk))
    protocol = protocol_for(latest.code, protocols)
    base = MedicineAction("", key, latest.display, prescription=latest, protocol=protocol)
    if latest.status in DISCONTINUED:
        return replace(base, action=Action.DISCONTINUED)
    if protocol is not None and protocol.handling == RefillProtocol.Handling.NOT_BY_PORTAL:
        return replace(base, action=Action.CONTROLLED)
    open_request = next((r for r in requests if r.is_open), None)
    if open_request is not None:
        return replace(base, action=Action.REQUESTED, open_request=open_request)
    covered = _covered_until(latest, requests, zone)
    if covered is not None and (covered - today).days > EARLY_DAYS:
        return replace(base, action=Action.TOO_EARLY, covered_until=covered, days_left=(covered - today).days)
    last_day = ends_on(latest, zone)
    used = sum(
        1
        for r in requests
        if r.status == RefillRequest.Status.SENT
        and r.prescription_id == latest.pk
        and r.kind == RefillRequest.Kind.REFILL
    )
    left = max(refills_allowed(latest) - used, 0)
    in_force = last_day is not None and today <= last_day
    if latest.status == "active" and in_force and left > 0:
        return replace(base, action=Action.REFILL, refills_left=left, ends_on=last_day)
    if last_day is not None and today - last_day <= RENEWAL_WINDOW:
        return replace(base, action=Action.RENEWAL, refills_left=left, ends_on=last_day)
    return replace(base, action=Action.ENDED, ends_on=last_day)


def _covered_until(prescription: RecordItem, requests: Sequence[RefillRequest], zone: ZoneInfo) -> date | None:
    """The day the last supply runs out: the newest supply sent through the portal (a bridge until
    a visit too), or the
    prescription's own first supply when nothing was sent since."""
    sent = [
        r
        for r in requests
        if (r.status == RefillRequest.Status.SENT or r.bridge_days_supply) and r.decided_at is not None
    ]
    if sent:
        last = max(sent, key=lambda r: (r.decided_at, r.pk))
        ended = timezone.localdate(last.decided_at, zone)
        return ended + timedelta(days=last.approved_days_supply or last.days_supply)
    days = supply_days(prescription)
    if days is None or prescription.effective_at is None:
        return None
    return timezone.localdate(prescription.effective_at, zone) + timedelta(days=days)
