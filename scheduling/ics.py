"""An appointment as an iCalendar file (RFC 5545) in the clinic's time zone: the event's times carry
a TZID, defined by a VTIMEZONE built from the zone's own transitions (Python's zoneinfo), so any
calendar shows the visit at the clinic's wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from scheduling.models import Appointment, VisitType

FOLD_AT = 75  # octets per line, CRLF excluded (RFC 5545 section 3.1)


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newline escaped (section 3.3.11)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    pieces: list[str] = []
    current, size, limit = "", 0, FOLD_AT
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = " ", 1, FOLD_AT
        current += char
        size += width
    pieces.append(current)
    return "\r\n".join(pieces)


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def _transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The UTC instants in `year` at which the zone's offset changes (to the minute)."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=6)
    while moment < end:
        after = moment + step
        if moment.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = moment, after
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if low.astimezone(zone).utcoffset() == middle.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
        moment = after
    return found


def vtimezone(zone: ZoneInfo, year: int) -> list[str]:
    """A VTIMEZONE whose observances cover `year` (with the last change of the year before)."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    changes = _transitions(zone, year - 1)[-1:] + _transitions(zone, year)
    if not changes:
        offset = datetime(year, 1, 1, tzinfo=zone).utcoffset() or timedelta(0)
        changes_lines = [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_offset(offset)}",
            f"TZOFFSETTO:{_offset(offset)}",
            f"TZNAME:{datetime(year, 1, 1, tzinfo=zone).tzname()}",
            "END:STANDARD",
        ]
        return [*lines, *changes_lines, "END:VTIMEZONE"]
    for change in changes:
        before = (change - timedelta(minutes=1)).astimezone(zone)
        after = change.astimezone(zone)
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        onset = (change + (before.utcoffset() or timedelta(0))).replace(tzinfo=None)
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{onset:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(before.utcoffset() or timedelta(0))}",
            f"TZOFFSETTO:{_offset(after.utcoffset() or timedelta(0))}",
            f"TZNAME:{after.tzname()}",
            f"END:{kind}",
        ]
    return [*lines, "END:VTIMEZONE"]


def _where(appointment: Appointment) -> str:
    if appointment.visit_type.modality == VisitType.Modality.VIDEO:
        return _("Video visit")
    if appointment.visit_type.modality == VisitType.Modality.PHONE:
        return _("Phone visit: we will call you")
    return f"{appointment.location.name}, {appointment.location.address}"


def appointment_ics(appointment: Appointment, *, now: datetime) -> str:
    """The calendar file of one appointment (load visit type, organization, location and provider)."""
    organization = appointment.visit_type.organization
    zone = ZoneInfo(organization.time_zone)
    starts, ends = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    details = [appointment.video_link or appointment.location.directions, organization.phone]
    summary = _("%(visit)s at %(clinic)s") % {"visit": appointment.visit_type.label, "clinic": organization.name}
    host = urlsplit(settings.SITE_URL).hostname or "portal"
    cancelled = appointment.status == Appointment.Status.CANCELLED
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Patient portal//Scheduling//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *vtimezone(zone, starts.year),
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@{host}",
        f"DTSTAMP:{now.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={zone.key}:{starts:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={zone.key}:{ends:%Y%m%dT%H%M%S}",
        f"SUMMARY:{escape(summary)}",
        f"LOCATION:{escape(_where(appointment))}",
        f"DESCRIPTION:{escape(chr(10).join(detail for detail in details if detail))}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
