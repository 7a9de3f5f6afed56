"""The "renew all my long-term medicines to my annual visit" request: one request that makes the patient's
stable medicines last until one day, the annual visit (a year after the last visit at the clinic),
where each medicine's protocol allows it. Pure: it takes the medicines' actions and history and the
last visit, and returns the plan (what each medicine gets, and why the others are left out); the
selector reads, the service files the requests."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from refills.actions import MedicineAction, by_protocol
from refills.protocol_checks import months_after, months_before

# Stable enough to renew to the annual visit: a medicine its protocol lets renew so (approved, by
# protocol, "may be renewed to the annual visit"), taken at least as long as the protocol's own "no
# refill within N months of a start" says, when it says so.
# Closer than this, the visit comes first: ask for single refills until then.
SOONEST_DAYS = 30
MAX_REFILLS = 11


@dataclass(frozen=True)
class Aligned:
    medicine: MedicineAction
    days_supply: int  # a fill
    refills: int  # fills after the first


@dataclass(frozen=True)
class AlignmentPlan:
    visit_on: date | None  # the annual visit the medicines are renewed to
    unavailable: str = ""  # why no plan is offered, in plain words
    medicines: list[Aligned] = field(default_factory=list)
    left_out: list[tuple[MedicineAction, str]] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return not self.unavailable and bool(self.medicines)


def fills(days: int, max_days_supply: int) -> tuple[int, int]:
    """(days a fill, refills) so that the fills together last `days`, none longer than allowed."""
    count = min(math.ceil(days / max_days_supply), MAX_REFILLS + 1)
    return min(math.ceil(days / count), max_days_supply), count - 1


def plan(
    *,
    medicines: Sequence[MedicineAction],
    started: dict[str, date | None],
    last_visit: date | None,
    today: date,
) -> AlignmentPlan:
    """`medicines`: every medicine with its action; `started`: per medicine key, the day its first
    prescription (any source) was written; `last_visit`: the last visit at the patient's clinic."""
    if last_visit is None:
        return AlignmentPlan(None, _("There is no visit at your clinic on record to plan a yearly visit from."))
    visit_on = months_after(last_visit, 12)
    days = (visit_on - today).days
    if days < SOONEST_DAYS:
        return AlignmentPlan(
            visit_on,
            _("Your yearly visit is due (from %(day)s). Book it first; until then, request refills one by one.")
            % {"day": visit_on},
        )
    aligned: list[Aligned] = []
    left_out: list[tuple[MedicineAction, str]] = []
    for medicine in medicines:
        if not medicine.requestable:
            continue
        protocol = medicine.protocol
        if protocol is None or not by_protocol(protocol) or not protocol.align_to_annual_visit:
            left_out.append((medicine, _("Its prescriber renews it: request it on its own.")))
            continue
        stable_months = protocol.no_refill_within_months_of_start or 0
        start = started.get(medicine.key)
        if stable_months and (start is None or start > months_before(today, stable_months)):
            left_out.append(
                (medicine, _("Started less than %(n)s months ago: request it on its own.") % {"n": stable_months})
            )
            continue
        per_fill, refills = fills(days, protocol.max_days_supply)
        aligned.append(Aligned(medicine, per_fill, refills))
    if not aligned:
        return AlignmentPlan(visit_on, _("None of your medicines can be renewed this way."), left_out=left_out)
    return AlignmentPlan(visit_on, medicines=aligned, left_out=left_out)
