"""A briefing line's moment: a plain date (a care gap's due day, a bill's) stays a date and gets no
"how long ago"; a moment ahead says "in ..."; a past one "... ago". A plain date once reached the
`ago` filter as a naive midnight and every home with a care-gap or bill line answered 500."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from portal.templatetags.portal_tags import ago
from summaries.selectors.patient import _when
from tests.clock import PINNED, Clock


def test_a_plain_date_is_read_as_a_date() -> None:
    assert _when("2026-12-07") == date(2026, 12, 7)
    assert isinstance(_when("2026-12-07T09:30:00+00:00"), datetime)
    assert _when("") is None


@pytest.mark.parametrize("moment", [date(2026, 12, 7), datetime(2026, 12, 7, 9, 0)])  # noqa: DTZ001 - the zoneless moment is the point
def test_ago_says_nothing_of_a_date_or_a_moment_without_a_zone(moment: date) -> None:
    assert ago(moment) == ""


def test_ago_says_ahead_or_past(clock: Clock) -> None:
    clock.move_to(PINNED, tick=False)
    now = timezone.now()
    with translation.override("en"):
        assert ago(now + timedelta(days=3)) == "in 3\xa0days"
        assert ago(now - timedelta(hours=2)) == "2\xa0hours ago"
        assert ago(now) == "just now"
