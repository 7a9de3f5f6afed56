"""The one way the portal writes dates and times for people, per language.

English "Thu 17 Dec 2026, 10:00 a.m.", Spanish "jue 17 dic 2026, 10:00 a. m.": the weekday
so a patient can place a visit in their week, the year so nobody wonders which one, always
the minutes, and a.m./p.m. as patients in both languages here read a clock (in Spanish with
the Real Academia's spaced "a. m."). Times are shown in the current time zone, which the
request middleware sets to the clinic's. Templates use the filters in
`portal/templatetags/dates.py`; the raw `|date` and `|time` filters are not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from django.utils import timezone
from django.utils.translation import get_language


@dataclass(frozen=True)
class Style:
    """How one language writes the parts of a date and a time."""

    weekdays: tuple[str, ...]  # Monday first, as `date.weekday()` counts
    weekday_names: tuple[str, ...]
    months: tuple[str, ...]
    am: str
    pm: str


# Abbreviations a patient reads at a glance; written out here rather than taken from the
# locale's formats, which differ in style between languages and Django versions.
STYLES = {
    "en": Style(
        weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        weekday_names=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        am="a.m.",
        pm="p.m.",
    ),
    "es": Style(
        weekdays=("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
        weekday_names=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
        months=("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
        am="a. m.",
        pm="p. m.",
    ),
}


def style(language: str | None = None) -> Style:
    """The style of `language` (default: the active one); English for any language not shipped."""
    code = (language or get_language() or "en").lower().split("-")[0]
    return STYLES.get(code, STYLES["en"])


def local(value: datetime, zone: tzinfo | None = None) -> datetime:
    """An aware moment in `zone`, else in the current time zone (the clinic's during a request)."""
    if timezone.is_naive(value):
        return value
    return value.astimezone(zone) if zone is not None else timezone.localtime(value)


def format_date(value: date | datetime | None, *, language: str | None = None, zone: tzinfo | None = None) -> str:
    """ "Thu 17 Dec 2026" / "jue 17 dic 2026"; a moment is first put in the current time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, zone).date()
    words = style(language)
    return f"{words.weekdays[value.weekday()]} {value.day} {words.months[value.month - 1]} {value.year}"


def format_time(value: time | datetime | None, *, language: str | None = None, zone: tzinfo | None = None) -> str:
    """ "10:00 a.m.", "4:30 p.m." / "4:30 p. m."."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, zone).time()
    words = style(language)
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {words.am if value.hour < 12 else words.pm}"


def format_datetime(value: datetime | None, *, language: str | None = None, zone: tzinfo | None = None) -> str:
    """ "Thu 17 Dec 2026, 10:00 a.m." / "jue 17 dic 2026, 10:00 a. m."."""
    if value is None:
        return ""
    moment = local(value, zone)
    return f"{format_date(moment.date(), language=language)}, {format_time(moment.time(), language=language)}"


def format_month(value: date | datetime | None, *, language: str | None = None, zone: tzinfo | None = None) -> str:
    """ "Dec 2026" / "dic 2026": a chart's time axis over months or years."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, zone).date()
    return f"{style(language).months[value.month - 1]} {value.year}"


def weekday_name(value: date | datetime, *, language: str | None = None, zone: tzinfo | None = None) -> str:
    """ "Tuesday" / "martes": a day within the coming week ("Tuesday at 11:00 a.m.")."""
    if isinstance(value, datetime):
        value = local(value, zone).date()
    return style(language).weekday_names[value.weekday()]


def zone_abbreviation(value: datetime | None, *, zone: tzinfo | None = None) -> str:
    """ "CST": said next to a time where the reader may be elsewhere (a share link's end)."""
    if value is None:
        return ""
    return local(value, zone).tzname() or ""
