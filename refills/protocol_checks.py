"""A refill protocol's checks evaluated on the patient's record: each passed or failed, in plain
words for staff, with the record item that is its evidence (the visit, the lab value, the blood
pressure). Pure over the items given; the staff selector reads them (records' system read) and
audits the page that shows them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Organization
from records.models import RecordItem
from refills.models import RefillProtocol

BLOOD_PRESSURE_CODES = frozenset({"55284-4", "85354-9"})
_READING = re.compile(r"^\s*(\d{2,3})\s*/\s*(\d{2,3})")


@dataclass(frozen=True)
class Check:
    key: str
    passed: bool
    text: str
    evidence: RecordItem | None = None


def months_before(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)


def _day(item: RecordItem, zone: ZoneInfo | None = None) -> date | None:
    return timezone.localdate(item.effective_at, zone) if item.effective_at else None


def _newest(items: Sequence[RecordItem]) -> RecordItem | None:
    dated = [item for item in items if item.effective_at is not None]
    return max(dated, key=lambda item: (item.effective_at, item.pk), default=None)


def blood_pressure(item: RecordItem) -> tuple[int, int] | None:
    match = _READING.match(item.value_text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def evaluate(
    *,
    protocol: RefillProtocol | None,
    history: Sequence[RecordItem],
    items: Sequence[RecordItem],
    home: Organization,
    days_supply: int,
    now: datetime,
) -> list[Check]:
    """The checks of `protocol` for a request of `days_supply` days. `history`: the medicine's
    prescriptions (every source); `items`: the patient's visits, results and vitals."""
    zone = ZoneInfo(home.time_zone)
    today = timezone.localdate(now, zone)
    # Only what was on record at `now` (a record imported later may hold later rows).
    items = [i for i in items if i.effective_at is None or i.effective_at <= now]
    history = [i for i in history if i.effective_at is None or i.effective_at <= now]
    if protocol is None:
        return [Check("protocol", False, _("No refill protocol covers this medicine: the prescriber decides."))]
    checks: list[Check] = []
    if protocol.handling != RefillProtocol.Handling.PROTOCOL:
        checks.append(Check("handling", False, _("%(name)s always go to the prescriber.") % {"name": protocol.name}))
    elif protocol.pending_approval:
        checks.append(
            Check(
                "approval",
                False,
                _("The protocol for %(name)s is pending a clinician's approval: the prescriber decides.")
                % {"name": protocol.name},
            )
        )
    if protocol.visit_within_months:
        since = months_before(today, protocol.visit_within_months)
        visits = [i for i in items if i.kind == RecordItem.Kind.VISIT and i.source_id == home.pk]
        visit = _newest(visits)
        seen = visit is not None and (_day(visit, zone) or date.min) >= since
        text = (
            _("Seen at %(clinic)s on %(day)s (needed within %(n)s months).")
            if visit is not None
            else _("No visit at %(clinic)s on record (needed within %(n)s months).")
        )
        checks.append(
            Check(
                "visit",
                seen,
                text
                % {"clinic": home.name, "day": _day(visit, zone) if visit else "", "n": protocol.visit_within_months},
                visit,
            )
        )
    if protocol.lab_loinc_codes and protocol.lab_within_months:
        since = months_before(today, protocol.lab_within_months)
        labs = [
            i
            for i in items
            if i.code in protocol.lab_loinc_codes
            and i.kind in (RecordItem.Kind.RESULT, RecordItem.Kind.OBSERVATION, RecordItem.Kind.VITAL)
        ]
        lab = _newest(labs)
        if lab is None:
            checks.append(
                Check(
                    "lab",
                    False,
                    _("No result on record for the protocol's lab (LOINC %(codes)s).")
                    % {"codes": ", ".join(protocol.lab_loinc_codes)},
                )
            )
        else:
            recent = (_day(lab, zone) or date.min) >= since
            value = lab.value_number
            in_range = (
                value is not None
                and (protocol.lab_low is None or value >= protocol.lab_low)
                and (protocol.lab_high is None or value <= protocol.lab_high)
            )
            words = {
                "name": lab.display,
                "value": f"{value.normalize():f}" if value is not None else lab.value_text,
                "unit": lab.unit,
                "day": _day(lab, zone),
                "n": protocol.lab_within_months,
            }
            if not recent:
                text = _("%(name)s last on %(day)s: older than %(n)s months.") % words
            elif not in_range:
                text = _("%(name)s %(value)s %(unit)s on %(day)s is outside the protocol's range.") % words
            else:
                text = _("%(name)s %(value)s %(unit)s on %(day)s, within range.") % words
            checks.append(Check("lab", recent and in_range, text, lab))
    if protocol.blood_pressure_within_months:
        since = months_before(today, protocol.blood_pressure_within_months)
        readings = [i for i in items if i.code in BLOOD_PRESSURE_CODES and blood_pressure(i) is not None]
        reading = _newest(readings)
        if reading is None:
            checks.append(Check("blood_pressure", False, _("No blood pressure on record.")))
        else:
            systolic, diastolic = blood_pressure(reading) or (0, 0)
            recent = (_day(reading, zone) or date.min) >= since
            in_range = (protocol.systolic_max is None or systolic <= protocol.systolic_max) and (
                protocol.diastolic_max is None or diastolic <= protocol.diastolic_max
            )
            words = {
                "value": f"{systolic}/{diastolic}",
                "day": _day(reading, zone),
                "n": protocol.blood_pressure_within_months,
            }
            if not recent:
                text = _("Blood pressure last taken on %(day)s: older than %(n)s months.") % words
            elif not in_range:
                text = _("Blood pressure %(value)s mmHg on %(day)s is above the protocol's limit.") % words
            else:
                text = _("Blood pressure %(value)s mmHg on %(day)s, in range.") % words
            checks.append(Check("blood_pressure", recent and in_range, text, reading))
    supply_ok = days_supply <= protocol.max_days_supply
    checks.append(
        Check(
            "supply",
            supply_ok,
            (
                _("%(days)s days asked; up to %(max)s by protocol.")
                if supply_ok
                else _("%(days)s days asked: more than the %(max)s the protocol allows.")
            )
            % {"days": days_supply, "max": protocol.max_days_supply},
        )
    )
    if protocol.no_refill_within_months_of_start:
        first = min((i for i in history if i.effective_at is not None), key=lambda i: i.effective_at, default=None)  # type: ignore[arg-type,return-value]
        started = _day(first, zone) if first else None
        settled = started is not None and started <= months_before(today, protocol.no_refill_within_months_of_start)
        checks.append(
            Check(
                "start",
                settled,
                (_("Started on %(day)s.") if settled else _("Started on %(day)s: too recent to refill by protocol."))
                % {"day": started or "?"},
                first,
            )
        )
    return checks


def all_passed(checks: Sequence[Check]) -> bool:
    return all(check.passed for check in checks)
