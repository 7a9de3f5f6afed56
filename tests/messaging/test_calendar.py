"""Business-time arithmetic: pure functions, no database. Times are in America/Chicago, where
2026's clocks spring forward on Sunday 8 March and fall back on Sunday 1 November."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from messaging.calendar import (
    CalendarNeverOpens,
    ClinicCalendar,
    add_business_minutes,
    business_minutes_between,
    instant,
    is_open,
)

CHICAGO = ZoneInfo("America/Chicago")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
INDEPENDENCE_DAY_OBSERVED = date(2026, 7, 3)  # a Friday


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Wall-clock time in Chicago."""
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Weekdays 08:00-17:00, except Wednesday's split shift (lunch closed 12:00-13:00); one holiday.
CLINIC = ClinicCalendar.build(
    time_zone="America/Chicago",
    hours=[
        *[(day, time(8), time(17)) for day in (MON, TUE, THU, FRI)],
        (WED, time(8), time(12)),
        (WED, time(13), time(17)),
    ],
    holidays=[INDEPENDENCE_DAY_OBSERVED],
)
ROUND_THE_CLOCK = ClinicCalendar.build(time_zone=CHICAGO, hours=[(day, time(0), time(0)) for day in range(7)])


# -- add_business_minutes ------------------------------------------------------------------------


def test_within_hours_the_clock_runs_as_a_wall_clock() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 9), 60) == at(2026, 3, 2, 10)


def test_a_span_that_ends_at_closing_time_ends_then() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 16), 60) == at(2026, 3, 2, 17)


def test_across_a_night_the_clock_resumes_at_opening() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 16), 120) == at(2026, 3, 3, 9)


def test_over_a_weekend() -> None:
    assert add_business_minutes(CLINIC, at(2026, 2, 27, 16), 120) == at(2026, 3, 2, 9)


def test_a_holiday_is_skipped() -> None:
    # Thursday 2 July 16:00; Friday is the holiday, then the weekend.
    assert add_business_minutes(CLINIC, at(2026, 7, 2, 16), 120) == at(2026, 7, 6, 9)


def test_a_split_shift_stops_the_clock_over_lunch() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 4, 11, 30), 60) == at(2026, 3, 4, 13, 30)


def test_starting_before_opening_the_clock_starts_at_opening() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 6), 30) == at(2026, 3, 2, 8, 30)


def test_starting_after_closing_the_clock_starts_next_morning() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 18), 30) == at(2026, 3, 3, 8, 30)


def test_starting_at_lunch_the_clock_starts_after_lunch() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 4, 12, 15), 30) == at(2026, 3, 4, 13, 30)


def test_zero_minutes_is_now_while_open() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 10, 7), 0) == at(2026, 3, 2, 10, 7)


def test_zero_minutes_outside_hours_is_the_next_opening() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 6, 17), 0) == at(2026, 3, 9, 8)
    assert add_business_minutes(CLINIC, at(2026, 3, 7, 12), 0) == at(2026, 3, 9, 8)


def test_fractions_of_a_minute_count() -> None:
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 16, 30), 67.5) == at(2026, 3, 3, 8, 37) + timedelta(seconds=30)


def test_many_business_days() -> None:
    # Five business days of 9 hours (Wednesday 8), from Monday 08:00: ends at Friday 17:00.
    assert add_business_minutes(CLINIC, at(2026, 3, 2, 8), 4 * 9 * 60 + 8 * 60) == at(2026, 3, 6, 17)


def test_the_answer_is_in_utc_whatever_zone_the_start_is_in() -> None:
    due = add_business_minutes(CLINIC, utc(2026, 3, 2, 15), 60)  # 09:00 in Chicago

    assert (due, due.tzinfo) == (utc(2026, 3, 2, 16), UTC)


# -- daylight saving time ----------------------------------------------------------------------------


def test_spring_forward_weekend_keeps_monday_opening_at_wall_clock_time() -> None:
    # Friday 16:00 CST + 2 business hours: Monday 09:00 CDT, which is 14:00 UTC, not 15:00.
    due = add_business_minutes(CLINIC, at(2026, 3, 6, 16), 120)

    assert due == at(2026, 3, 9, 9)
    assert due == utc(2026, 3, 9, 14)


def test_fall_back_weekend_keeps_monday_opening_at_wall_clock_time() -> None:
    # Friday 16:00 CDT + 2 business hours: Monday 09:00 CST, which is 15:00 UTC, not 14:00.
    due = add_business_minutes(CLINIC, at(2026, 10, 30, 16), 120)

    assert due == at(2026, 11, 2, 9)
    assert due == utc(2026, 11, 2, 15)


def test_a_round_the_clock_day_is_23_hours_when_the_clocks_spring_forward() -> None:
    assert business_minutes_between(ROUND_THE_CLOCK, at(2026, 3, 8), at(2026, 3, 9)) == 23 * 60


def test_a_round_the_clock_day_is_25_hours_when_the_clocks_fall_back() -> None:
    assert business_minutes_between(ROUND_THE_CLOCK, at(2026, 11, 1), at(2026, 11, 2)) == 25 * 60


def test_adding_across_the_spring_forward_night_counts_real_time() -> None:
    # Saturday 23:00 CST (05:00 UTC) + 4 hours = 09:00 UTC = Sunday 04:00 CDT.
    due = add_business_minutes(ROUND_THE_CLOCK, at(2026, 3, 7, 23), 240)

    assert due == utc(2026, 3, 8, 9)
    assert due.astimezone(CHICAGO).hour == 4


def test_adding_across_the_fall_back_night_counts_real_time() -> None:
    # Saturday 23:00 CDT (04:00 UTC) + 4 hours = 08:00 UTC = Sunday 02:00 CST.
    due = add_business_minutes(ROUND_THE_CLOCK, at(2026, 10, 31, 23), 240)

    assert due == utc(2026, 11, 1, 8)
    assert due.astimezone(CHICAGO).hour == 2


def test_a_night_shift_over_the_skipped_hour_is_one_real_hour() -> None:
    night = ClinicCalendar.build(time_zone=CHICAGO, hours=[(SUN, time(1), time(3))])

    assert business_minutes_between(night, at(2026, 3, 8), at(2026, 3, 9)) == 60
    assert add_business_minutes(night, at(2026, 3, 8, 0), 60) == utc(2026, 3, 8, 8)  # 03:00 CDT


def test_a_night_shift_over_the_repeated_hour_is_three_real_hours() -> None:
    night = ClinicCalendar.build(time_zone=CHICAGO, hours=[(SUN, time(1), time(3))])

    assert business_minutes_between(night, at(2026, 11, 1), at(2026, 11, 2)) == 180


def test_a_wall_time_the_clocks_skip_means_the_moment_they_jump() -> None:
    # 02:30 never happens on 8 March 2026: at 08:00 UTC the clocks go from 01:59:59 CST to 03:00 CDT.
    assert instant(date(2026, 3, 8), time(2, 30), CHICAGO) == utc(2026, 3, 8, 8)


def test_a_wall_time_the_clocks_show_twice_means_the_first_time() -> None:
    # 01:30 happens twice on 1 November 2026: first at 06:30 UTC (CDT), again at 07:30 UTC (CST).
    assert instant(date(2026, 11, 1), time(1, 30), CHICAGO) == utc(2026, 11, 1, 6, 30)


def test_opening_inside_the_skipped_hour_opens_when_the_clocks_jump() -> None:
    odd = ClinicCalendar.build(time_zone=CHICAGO, hours=[(SUN, time(2, 30), time(4))])

    assert add_business_minutes(odd, at(2026, 3, 8, 0), 0) == utc(2026, 3, 8, 8)
    assert business_minutes_between(odd, at(2026, 3, 8), at(2026, 3, 9)) == 60


# -- business_minutes_between ---------------------------------------------------------------------


def test_minutes_between_over_a_weekend() -> None:
    assert business_minutes_between(CLINIC, at(2026, 2, 27, 16), at(2026, 3, 2, 9)) == 120


def test_minutes_between_over_a_split_shift() -> None:
    assert business_minutes_between(CLINIC, at(2026, 3, 4, 11), at(2026, 3, 4, 14)) == 120


def test_minutes_between_outside_hours_is_zero() -> None:
    assert business_minutes_between(CLINIC, at(2026, 3, 7, 9), at(2026, 3, 8, 17)) == 0
    assert business_minutes_between(CLINIC, at(2026, 7, 3, 9), at(2026, 7, 3, 12)) == 0  # the holiday


def test_minutes_between_backwards_is_negative() -> None:
    assert business_minutes_between(CLINIC, at(2026, 3, 2, 10), at(2026, 3, 2, 9)) == -60


def test_minutes_between_inverts_adding_across_dst_weeks() -> None:
    for start in (at(2026, 3, 6, 7, 45), at(2026, 10, 30, 12, 10), at(2026, 7, 2, 17, 30)):
        opening = add_business_minutes(CLINIC, start, 0)
        for minutes in (0, 1, 59, 240, 541, 1000, 2999):
            due = add_business_minutes(CLINIC, start, minutes)

            assert business_minutes_between(CLINIC, opening, due) == minutes, (start, minutes)
            assert business_minutes_between(CLINIC, start, due) == minutes, (start, minutes)


# -- building and guarding -------------------------------------------------------------------------------


def test_building_merges_overlapping_and_touching_periods() -> None:
    calendar = ClinicCalendar.build(
        time_zone=CHICAGO,
        hours=[
            (MON, time(13), time(17)),
            (MON, time(8), time(12)),
            (MON, time(11), time(13)),
            (MON, time(16), time(0)),
        ],
    )

    assert calendar.hours == {MON: ((time(8), time(0)),)}


def test_a_period_closing_at_midnight_runs_to_the_end_of_the_day() -> None:
    evening = ClinicCalendar.build(time_zone=CHICAGO, hours=[(MON, time(20), time(0)), (TUE, time(0), time(2))])

    assert add_business_minutes(evening, at(2026, 3, 2, 23), 120) == at(2026, 3, 3, 1)


def test_building_refuses_a_period_that_closes_before_it_opens() -> None:
    with pytest.raises(ValueError, match="close after it opens"):
        ClinicCalendar.build(time_zone=CHICAGO, hours=[(MON, time(17), time(8))])


def test_building_refuses_a_weekday_out_of_range() -> None:
    with pytest.raises(ValueError, match="weekday 7"):
        ClinicCalendar.build(time_zone=CHICAGO, hours=[(7, time(8), time(17))])


def test_a_calendar_that_never_opens_is_an_error_not_an_endless_loop() -> None:
    closed = ClinicCalendar.build(time_zone=CHICAGO, hours=[])

    with pytest.raises(CalendarNeverOpens):
        add_business_minutes(closed, at(2026, 3, 2, 9), 1)


def test_a_year_of_holidays_is_an_error() -> None:
    start = date(2026, 3, 2)
    holidays = [start + timedelta(days=n) for n in range(400)]
    closed = ClinicCalendar.build(time_zone=CHICAGO, hours=[(MON, time(8), time(17))], holidays=holidays)

    with pytest.raises(CalendarNeverOpens):
        add_business_minutes(closed, at(2026, 3, 2, 9), 1)


def test_naive_times_and_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(CLINIC, datetime(2026, 3, 2, 9), 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(CLINIC, at(2026, 3, 2, 9), -1)


def test_is_open() -> None:
    assert is_open(CLINIC, at(2026, 3, 2, 8)) is True
    assert is_open(CLINIC, at(2026, 3, 2, 17)) is False
    assert is_open(CLINIC, at(2026, 3, 4, 12, 30)) is False
    assert is_open(CLINIC, at(2026, 7, 3, 10)) is False
