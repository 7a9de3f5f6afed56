"""The suite's clock: every test starts at one pinned instant, so no result depends on when it runs.

time-machine replaces Python's time functions for the whole process, so the pin reaches
timezone.now(), datetime.now(), date.today(), time.time() (TOTP codes, signed links, session
expiry) and the browser tests' live server, which is a thread of this process. It does not reach
other processes: PostgreSQL's now(), Redis' TTLs, Chromium's Date.now(). The application never
asks those for the time (services take `now` or call timezone.now(); SQL gets `now` as a
parameter), and the portal's JavaScript uses Date.now() only for durations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from time_machine import TimeMachineFixture

# The clinic's zone in the factories and the demo (Organization.time_zone, CLINIC_TIME_ZONE).
CLINIC_ZONE = ZoneInfo("America/Chicago")

# Wednesday 9 December 2026, 10:30 at the clinic. A weekday mid-morning, so the clinic is open,
# this morning's visits have begun (they can be marked arrived) and the afternoon's are still
# bookable; mid-week, so a week either side is ordinary working days; five weeks after and
# fourteen before a daylight-saving change, and two weeks clear of the next holiday (25 December).
PINNED = datetime(2026, 12, 9, 10, 30, tzinfo=CLINIC_ZONE)


class Clock:
    """The pinned clock a test can move: `clock.move_to(...)`, `clock.shift(...)`.

    It ticks by default (time passes from the pin, as it would), so code that waits or compares
    two readings behaves normally; `tick=False` stops it for a test that wants exact instants.
    """

    def __init__(self, machine: TimeMachineFixture) -> None:
        self._machine = machine

    def move_to(self, moment: datetime, *, tick: bool = True) -> None:
        if moment.tzinfo is None:
            raise ValueError("give the clock an aware datetime (a naive one has no single instant)")
        # In UTC: given a ZoneInfo, time-machine would also change the process' TZ (time.localtime).
        self._machine.move_to(moment.astimezone(UTC), tick=tick)

    def shift(self, delta: timedelta) -> None:
        self._machine.shift(delta)

    def now(self) -> datetime:
        return timezone.now()
