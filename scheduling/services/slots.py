"""Slot search: the open times of a visit type, by day, across the providers who offer it.

Open = weekly hours (plus extra hours) minus leave minus occupied time (the provider's visits
and holds, and the patient's own visits), cut into slots of the visit type's length, from the
minimum lead time to the maximum horizon. Four queries whatever the number of providers or
days: offerings, weekly hours, exceptions, occupied time; the rest is arithmetic in Python.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from portal.models import Patient, StaffMember
from scheduling.models import (
    OCCUPYING,
    Appointment,
    AvailabilityException,
    AvailabilityTemplate,
    Location,
    ProviderOffering,
    VisitType,
)
from scheduling.models.appointments import Status

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime
    provider_id: int
    location_id: int
    ends_at: datetime


@dataclass
class SlotSearch:
    """Open slots by local date (each day's slots in time order), with the providers and
    locations they name, so a page needs no further query to show them."""

    visit_type: VisitType
    days: dict[date, list[Slot]] = field(default_factory=dict)
    providers: dict[int, StaffMember] = field(default_factory=dict)
    locations: dict[int, Location] = field(default_factory=dict)

    @property
    def slots(self) -> list[Slot]:
        return [slot for day in sorted(self.days) for slot in self.days[day]]

    def includes(self, *, provider_id: int, location_id: int, starts_at: datetime) -> bool:
        return any(
            slot.provider_id == provider_id and slot.location_id == location_id and slot.starts_at == starts_at
            for slot in self.slots
        )


class Blocked:
    """Time that is not open, merged into disjoint sorted intervals for O(log n) overlap checks."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        merged: list[list[datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _end in merged]
        self.ends = [end for _start, end in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # The last interval starting before `end` is the only one that can overlap (they are disjoint).
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start


def search_window(visit_type: VisitType, now: datetime) -> Interval:
    """From the minimum lead time to the maximum horizon."""
    return now + timedelta(minutes=visit_type.min_lead_minutes), now + timedelta(days=visit_type.max_horizon_days)


def local_date(visit_type: VisitType, moment: datetime) -> date:
    """The date at the visit type's organization."""
    return moment.astimezone(ZoneInfo(visit_type.organization.time_zone)).date()


def _local(day: date, at: object, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)  # type: ignore[arg-type]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _open_intervals(
    templates: list[AvailabilityTemplate],
    extras: list[AvailabilityException],
    offered: set[tuple[int, int]],
    first: date,
    last: date,
    zone: ZoneInfo,
) -> dict[tuple[int, int], list[Interval]]:
    """Open time per (provider, location): weekly hours on each matching day, plus extra hours."""
    by_weekday: dict[int, list[AvailabilityTemplate]] = defaultdict(list)
    for template in templates:
        by_weekday[template.weekday].append(template)
    intervals: dict[tuple[int, int], list[Interval]] = defaultdict(list)
    for day in _days(first, last):
        for template in by_weekday[day.weekday()]:
            if template.effective_from > day or (template.effective_until and template.effective_until < day):
                continue
            key = (template.provider_id, template.location_id)
            if key in offered:
                intervals[key].append((_local(day, template.starts, zone), _local(day, template.ends, zone)))
    for extra in extras:
        key = (extra.provider_id, extra.location_id or 0)
        if key in offered:
            intervals[key].append((extra.starts_at, extra.ends_at))
    return intervals


def find_slots(
    *,
    visit_type: VisitType,
    now: datetime,
    patient: Patient | None = None,
    provider_ids: Iterable[int] | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> SlotSearch:
    """Open slots of `visit_type` from the lead time to the horizon (narrowed to `first_day` ..
    `last_day`, local dates, when given), for the providers who offer it (narrowed to
    `provider_ids`), leaving out times the `patient` already has a visit. `visit_type` should
    come with its organization loaded (its time zone)."""
    zone = ZoneInfo(visit_type.organization.time_zone)
    earliest, latest = search_window(visit_type, now)
    if first_day is not None:
        earliest = max(earliest, _local(first_day, datetime.min.time(), zone))
    if last_day is not None:
        latest = min(latest, _local(last_day + timedelta(days=1), datetime.min.time(), zone))
    search = SlotSearch(visit_type=visit_type)
    if earliest >= latest:
        return search

    offerings = ProviderOffering.objects.filter(
        visit_type=visit_type, provider__is_active=True, location__is_active=True
    ).select_related("provider__user", "location")
    if provider_ids is not None:
        offerings = offerings.filter(provider_id__in=list(provider_ids))
    offered: set[tuple[int, int]] = set()
    for offering in offerings:
        offered.add((offering.provider_id, offering.location_id))
        search.providers[offering.provider_id] = offering.provider
        search.locations[offering.location_id] = offering.location
    if not offered:
        return search
    providers = list(search.providers)
    first, last = earliest.astimezone(zone).date(), latest.astimezone(zone).date()

    templates = list(
        AvailabilityTemplate.objects.filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=first),
            provider_id__in=providers,
            location_id__in=list(search.locations),
            effective_from__lte=last,
        )
    )
    exceptions = list(
        AvailabilityException.objects.filter(provider_id__in=providers, starts_at__lt=latest, ends_at__gt=earliest)
    )
    occupied_by = Q(provider_id__in=providers)
    if patient is not None:
        occupied_by |= Q(patient=patient)
    occupied = (
        Appointment.objects.filter(occupied_by, status__in=OCCUPYING, during__overlap=(earliest, latest))
        # A hold past its expiry no longer blocks anyone; booking marks it expired in passing.
        .exclude(status=Status.HELD, hold_expires_at__lte=now)
        .values_list("provider_id", "patient_id", "during")
    )

    blocked: dict[int, list[Interval]] = defaultdict(list)
    patient_busy: list[Interval] = []
    for provider_id, patient_id, during in occupied:
        if provider_id in search.providers:
            blocked[provider_id].append((during.lower, during.upper))
        if patient is not None and patient_id == patient.pk:
            patient_busy.append((during.lower, during.upper))
    extras: list[AvailabilityException] = []
    leave_by_location: dict[tuple[int, int | None], list[Interval]] = defaultdict(list)
    for exception in exceptions:
        if exception.kind == AvailabilityException.Kind.EXTRA:
            extras.append(exception)
        else:
            leave_by_location[(exception.provider_id, exception.location_id)].append(
                (exception.starts_at, exception.ends_at)
            )

    length = timedelta(minutes=visit_type.duration_minutes)
    seen: set[tuple[int, datetime]] = set()
    found: list[Slot] = []
    for (provider_id, location_id), intervals in _open_intervals(templates, extras, offered, first, last, zone).items():
        closed = Blocked(
            blocked[provider_id]
            + patient_busy
            + leave_by_location[(provider_id, None)]
            + leave_by_location[(provider_id, location_id)]
        )
        for opens, closes in intervals:
            start = opens
            while start + length <= closes:
                end = start + length
                if earliest <= start < latest and (provider_id, start) not in seen and not closed.overlaps(start, end):
                    seen.add((provider_id, start))
                    found.append(Slot(start, provider_id, location_id, end))
                start = end
    for slot in sorted(found):
        search.days.setdefault(slot.starts_at.astimezone(zone).date(), []).append(slot)
    return search


def nearby_slots(search: SlotSearch, around: datetime, count: int = 3) -> list[Slot]:
    """The `count` open slots closest in time to `around` (for the loser of a race)."""
    return sorted(search.slots, key=lambda slot: (abs(slot.starts_at - around), slot.provider_id))[:count]
