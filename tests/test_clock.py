"""The pinned clock (tests/clock.py) holds for every way of reading the time, in every thread."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.clock import CLINIC_ZONE, PINNED, Clock


def _close_to(moment: datetime, expected: datetime) -> bool:
    """Within a minute: the clock ticks from the pin while the test runs."""
    return timedelta(0) <= moment - expected < timedelta(minutes=1)


def test_every_test_starts_at_the_pinned_instant() -> None:
    assert _close_to(timezone.now(), PINNED)
    assert _close_to(datetime.fromtimestamp(time.time(), tz=CLINIC_ZONE), PINNED)
    assert date.today() == date(2026, 12, 9)  # noqa: DTZ011 - what code that forgets the zone would read


def test_another_thread_reads_the_same_clock() -> None:
    """The browser tests' live server is a thread of this process: it must see the pin too."""
    seen: list[datetime] = []
    reader = threading.Thread(target=lambda: seen.append(timezone.now()))
    reader.start()
    reader.join()

    assert _close_to(seen[0], PINNED)


def test_a_test_moves_the_clock_and_can_stop_it(clock: Clock) -> None:
    sunday_night = datetime(2026, 12, 13, 23, 30, tzinfo=CLINIC_ZONE)

    clock.move_to(sunday_night, tick=False)
    clock.shift(timedelta(minutes=45))

    assert timezone.now() == sunday_night + timedelta(minutes=45)
    assert time.tzname[0] == "UTC"  # moved in UTC: the process' own zone is left alone


def test_a_naive_time_is_refused(clock: Clock) -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        clock.move_to(datetime(2026, 12, 13, 23, 30))  # noqa: DTZ001 - the mistake under test
