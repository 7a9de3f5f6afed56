"""The one date and time style, in English and Spanish, and a static check that nothing else is used."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template, engines
from django.utils import timezone, translation

from portal import dates

CHICAGO = ZoneInfo("America/Chicago")
# Thursday 17 December 2026, 16:00 UTC: 10:00 in Chicago (CST).
MOMENT = datetime(2026, 12, 17, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "day", "clock", "both", "month"),
    [
        ("en", "Thu 17 Dec 2026", "10:00 a.m.", "Thu 17 Dec 2026, 10:00 a.m.", "Dec 2026"),
        ("es", "jue 17 dic 2026", "10:00 a. m.", "jue 17 dic 2026, 10:00 a. m.", "dic 2026"),
    ],
)
def test_one_style_per_language_in_the_clinics_time_zone(
    language: str, day: str, clock: str, both: str, month: str
) -> None:
    with translation.override(language), timezone.override(CHICAGO):
        assert dates.format_date(MOMENT) == day
        assert dates.format_time(MOMENT) == clock
        assert dates.format_datetime(MOMENT) == both
        assert dates.format_month(MOMENT) == month
        assert dates.zone_abbreviation(MOMENT) == "CST"


@pytest.mark.parametrize(
    ("language", "moment", "clock"),
    [
        ("en", time(0, 5), "12:05 a.m."),
        ("en", time(12, 0), "12:00 p.m."),
        ("en", time(16, 30), "4:30 p.m."),
        ("es", time(16, 30), "4:30 p. m."),
        ("es", time(9, 0), "9:00 a. m."),
    ],
)
def test_times_always_show_minutes_and_morning_or_afternoon(language: str, moment: time, clock: str) -> None:
    assert dates.format_time(moment, language=language) == clock


def test_the_day_is_the_local_one_not_utcs() -> None:
    late_evening = datetime(2026, 12, 18, 3, 30, tzinfo=UTC)  # Thursday 21:30 in Chicago

    assert dates.format_datetime(late_evening, language="en", zone=CHICAGO) == "Thu 17 Dec 2026, 9:30 p.m."
    assert dates.format_date(late_evening, language="en", zone=UTC) == "Fri 18 Dec 2026"


def test_a_plain_date_and_an_unshipped_language() -> None:
    assert dates.format_date(date(1981, 2, 19), language="es") == "jue 19 feb 1981"
    assert dates.format_date(date(1981, 2, 19), language="fr") == "Thu 19 Feb 1981"
    assert dates.weekday_name(date(2026, 12, 15), language="es") == "martes"
    assert dates.format_date(None) == ""


@pytest.mark.parametrize(
    ("language", "rendered"),
    [
        (
            "en",
            "Thu 17 Dec 2026|10:00 a.m.|Thu 17 Dec 2026, 10:00 a.m.|Dec 2026|CST|2026-12-17T10:00:00-06:00|2026-12-17",
        ),
        (
            "es",
            "jue 17 dic 2026|10:00 a. m.|jue 17 dic 2026, 10:00 a. m.|dic 2026|CST"
            "|2026-12-17T10:00:00-06:00|2026-12-17",
        ),
    ],
)
def test_the_template_filters_need_no_load_and_follow_the_page(language: str, rendered: str) -> None:
    template = Template(
        "{{ m|date_text }}|{{ m|time_text }}|{{ m|datetime_text }}|{{ m|month_text }}|{{ m|zone_abbr }}"
        "|{{ m|iso }}|{{ m|iso_date }}"
    )

    with translation.override(language), timezone.override(CHICAGO):
        assert template.render(Context({"m": MOMENT})) == rendered


# -- nothing else writes a date for people ---------------------------------------------------------------------------

ROOT = Path(settings.BASE_DIR)
APPS = ("portal", "records", "messaging", "scheduling", "refills", "billing", "summaries")
RAW_FILTER = re.compile(r"\|\s*(date|time)\b")
RAW_PYTHON = re.compile(r"\b(date_format|time_format|strftime|naturaltime|naturalday)\(")


def _templates() -> list[Path]:
    folders = [ROOT / "templates", *(ROOT / app for app in APPS)]
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt", ".xml") and "templates" in path.parts
    )


def test_no_template_uses_the_raw_date_or_time_filter() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if RAW_FILTER.search(line)
    ]

    assert len(_templates()) > 50
    assert found == []


def test_no_python_formats_a_date_for_people_except_the_one_helper() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if path != ROOT / "portal" / "dates.py" and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if RAW_PYTHON.search(line)
    ]

    assert found == []


def test_every_template_compiles() -> None:
    """A date sweep that broke a filter name (`|timesince`) fails here, not on one page in production."""
    engine = engines["django"]
    for path in _templates():
        parts = path.relative_to(ROOT).parts
        name = "/".join(parts[parts.index("templates") + 1 :])
        engine.get_template(name)
