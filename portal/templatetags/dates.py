"""Template filters for dates and times, the only ones templates use (a test forbids the raw
`|date` and `|time`). Loaded everywhere as a builtin (settings.TEMPLATES), so a template needs
no `{% load %}` for them. Each filter writes the active language's style from `portal.dates`."""

from __future__ import annotations

from datetime import date, datetime, time

from django import template

from portal import dates

register = template.Library()


@register.filter(expects_localtime=True)
def date_text(value: date | datetime | None) -> str:
    """ "Thu 17 Dec 2026" / "jue 17 dic 2026"."""
    return dates.format_date(value)


@register.filter(expects_localtime=True)
def time_text(value: time | datetime | None) -> str:
    """ "10:00 a.m." / "10:00 a. m."."""
    return dates.format_time(value)


@register.filter(expects_localtime=True)
def datetime_text(value: datetime | None) -> str:
    """ "Thu 17 Dec 2026, 10:00 a.m." / "jue 17 dic 2026, 10:00 a. m."."""
    return dates.format_datetime(value)


@register.filter(expects_localtime=True)
def month_text(value: date | datetime | None) -> str:
    """ "Dec 2026" / "dic 2026"."""
    return dates.format_month(value)


@register.filter(expects_localtime=True)
def zone_abbr(value: datetime | None) -> str:
    """ "CST": the current time zone's name at that moment."""
    return dates.zone_abbreviation(value)


@register.filter(expects_localtime=True)
def iso(value: date | datetime | None) -> str:
    """Machine-readable, for `<time datetime>` and links: "2026-12-17T10:00:00-06:00", "2026-12-17"."""
    return value.isoformat() if value is not None else ""


@register.filter(expects_localtime=True)
def iso_date(value: date | datetime | None) -> str:
    """The (local) day alone, for a date field or a `?day=` link: "2026-12-17"."""
    if value is None:
        return ""
    return (value.date() if isinstance(value, datetime) else value).isoformat()
