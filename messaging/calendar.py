"""Business-time arithmetic on a clinic's calendar: when is "4 business hours from now"?

Pure functions over a small frozen `ClinicCalendar` (no ORM), so the SLA clock is fast to
compute and easy to test; `messaging.selectors.clinic_calendar` builds one from the rows.

How time is counted. A calendar says, in the clinic's wall-clock time, when it is open on each
weekday (possibly several periods: split shifts) and which dates are holidays. Each opening
period of each date is turned into one interval of real (UTC) time by converting its two
boundaries; business time is then real elapsed time inside those intervals. So a DST change
is honoured where it happens: a 08:00-17:00 day is 9 hours on either side of it, and a
round-the-clock day (00:00-24:00) is 23 hours on spring-forward day and 25 on fall-back day.

A wall time the clocks skip (02:30 on spring-forward night) means the moment the clocks jump
past it; a wall time they show twice (01:30 on fall-back night) means its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A period that closes at 00:00 closes at midnight at the end of its day (24:00).
MIDNIGHT = time(0)
# How many days in a row may be closed before we decide the calendar never opens (a year of
# holidays, or no hours at all): a promise we cannot compute is an error, never an endless loop.
LONGEST_CLOSURE_DAYS = 366

Period = tuple[time, time]


class CalendarNeverOpens(ValueError):
    """The calendar has no opening hours within a year of the start."""


@dataclass(frozen=True)
class ClinicCalendar:
    """When a clinic is open: periods per weekday (0 = Monday) in wall time, holidays, time zone."""

    time_zone: ZoneInfo
    hours: Mapping[int, tuple[Period, ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @classmethod
    def build(
        cls, *, time_zone: str | ZoneInfo, hours: Iterable[tuple[int, time, time]], holidays: Iterable[date] = ()
    ) -> ClinicCalendar:
        """From rows of (weekday, opens, closes); overlapping or touching periods are merged."""
        by_day: dict[int, list[Period]] = {}
        for weekday, opens, closes in hours:
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
            if closes != MIDNIGHT and closes <= opens:
                raise ValueError(f"a period must close after it opens ({opens}-{closes})")
            by_day.setdefault(weekday, []).append((opens, closes))
        zone = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
        merged = {weekday: tuple(_merge(periods)) for weekday, periods in by_day.items()}
        return cls(time_zone=zone, hours=merged, holidays=frozenset(holidays))

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day in self.holidays:
            return ()
        return self.hours.get(day.weekday(), ())

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The date's opening periods as real-time (UTC) intervals, in order, none empty."""
        intervals = []
        for opens, closes in self.periods_on(day):
            start = instant(day, opens, self.time_zone)
            end = instant(day + timedelta(days=1), MIDNIGHT, self.time_zone) if closes == MIDNIGHT else None
            end = end or instant(day, closes, self.time_zone)
            if end > start:
                intervals.append((start, end))
        return intervals


def _seconds(moment: time, *, closing: bool = False) -> int:
    if closing and moment == MIDNIGHT:
        return 24 * 3600
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _merge(periods: list[Period]) -> Iterator[Period]:
    """Periods in order of opening; overlapping or touching ones become one."""
    spans = sorted((_seconds(opens), _seconds(closes, closing=True)) for opens, closes in periods)
    merged: list[list[int]] = []
    for opens, closes in spans:
        if merged and opens <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], closes)
        else:
            merged.append([opens, closes])
    for opens, closes in merged:
        yield _time_of(opens), _time_of(closes)


def _time_of(seconds: int) -> time:
    if seconds == 24 * 3600:
        return MIDNIGHT
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC moment the clinic's clocks first show `wall` on `day`."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first  # it exists; fold=0 is the first of two if the clocks show it twice
    # Skipped by a spring-forward jump: the answer is the jump itself, which lies between the
    # readings with the offsets after (earlier) and before (later) it. Find it to the second.
    low = int(naive.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def business_intervals(calendar: ClinicCalendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Every opening interval that ends after `since`, in order (endless; at least one a year)."""
    _require_aware(since)
    day = since.astimezone(calendar.time_zone).date() - timedelta(days=1)
    closed_days = 0
    while True:
        intervals = [(start, end) for start, end in calendar.intervals_on(day) if end > since]
        if intervals:
            closed_days = 0
            yield from intervals
        else:
            closed_days += 1
            if closed_days > LONGEST_CLOSURE_DAYS:
                raise CalendarNeverOpens(f"no opening hours in the year after {day - timedelta(days=closed_days)}")
        day += timedelta(days=1)


def add_business_minutes(calendar: ClinicCalendar, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` of business time after `start` (in UTC).

    Outside opening hours the clock starts at the next opening; 0 minutes is therefore the
    next moment the clinic is open (`start` itself while it is open). A span that ends
    exactly at closing time ends then, not at the next opening.
    """
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    remaining = timedelta(minutes=minutes)
    for opens, closes in business_intervals(calendar, start):
        begin = max(opens, start)
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise AssertionError("business_intervals never ends")  # pragma: no cover


def business_minutes_between(calendar: ClinicCalendar, start: datetime, end: datetime) -> float:
    """Minutes of business time from `start` to `end` (negative if `end` is earlier)."""
    _require_aware(start)
    _require_aware(end)
    if end < start:
        return -business_minutes_between(calendar, end, start)
    total = timedelta()
    day = start.astimezone(calendar.time_zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.time_zone).date()
    while day <= last:
        for opens, closes in calendar.intervals_on(day):
            if closes > start and opens < end:
                total += min(closes, end) - max(opens, start)
        day += timedelta(days=1)
    return total / timedelta(minutes=1)


def business_day_minutes(hours: Iterable[tuple[int, time, time]]) -> int:
    """How many minutes a full business day lasts on the clinic's clock: its longest weekday's
    opening periods (wall time, so 08:00-17:00 is 540). "N business days" of a promise is N times
    this, so a request at the opening of one day is due at the close of the Nth (0 without hours)."""
    by_day: dict[int, list[Period]] = {}
    for weekday, opens, closes in hours:
        by_day.setdefault(weekday, []).append((opens, closes))
    longest = 0
    for periods in by_day.values():
        seconds = sum(_seconds(closes, closing=True) - _seconds(opens) for opens, closes in _merge(periods))
        longest = max(longest, seconds)
    return longest // 60


def is_open(calendar: ClinicCalendar, moment: datetime) -> bool:
    """Whether the clinic is within opening hours at `moment` (for "after hours" messages)."""
    opens, _closes = next(business_intervals(calendar, moment))
    return opens <= moment


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-time arithmetic needs aware datetimes")
