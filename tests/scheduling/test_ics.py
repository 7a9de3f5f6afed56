"""The .ics file: valid RFC 5545 structure (checked by hand: no iCalendar package in the venv),
folded lines, and times that mean the clinic's wall-clock time through its VTIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings

from portal.models import AuditEvent
from scheduling.ics import appointment_ics, escape, fold
from scheduling.models import Location
from scheduling.selectors.patient import appointment_calendar_file
from tests.scheduling.conftest import NOW, Clinic, at


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all(len(line.encode()) <= 75 for line in physical)
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def components(lines: list[str]) -> list[str]:
    """The BEGIN/END nesting, checked to be balanced; returns the components opened, in order."""
    stack, opened = [], []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
            opened.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
    assert stack == []
    return opened


def utc_of(local: str, offset: str) -> datetime:
    # A floating local time read as UTC, then moved by the offset.
    moment = datetime.strptime(local + "+0000", "%Y%m%dT%H%M%S%z")
    sign = -1 if offset[0] == "-" else 1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * sign
    return moment - delta


def observance_offset(lines: list[str], local: str) -> str:
    """The TZOFFSETTO of the latest observance whose onset is not after `local`."""
    best = ("", "")
    onset = ""
    for line in lines:
        if line.startswith("DTSTART:"):
            onset = line[8:]
        elif line.startswith("TZOFFSETTO:") and onset <= local and onset >= best[0]:
            best = (onset, line[11:])
    return best[1]


def test_the_file_is_a_valid_calendar_in_the_clinics_time_zone(clinic: Clinic) -> None:
    Location.objects.filter(pk=clinic.location.pk).update(directions="Parking behind; entrance on Lake St, 2nd floor")
    visit = clinic.book(at(2026, 3, 10, 9))  # after the switch to daylight time on 8 March
    visit.refresh_from_db()

    lines = unfold(appointment_ics(visit, now=NOW))

    assert components(lines) == ["VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT", "STANDARD", "VEVENT"]
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert "TZID:America/Chicago" in lines
    assert "DTSTART;TZID=America/Chicago:20260310T090000" in lines
    assert "DTEND;TZID=America/Chicago:20260310T093000" in lines
    assert f"UID:appointment-{visit.pk}@{urlsplit(settings.SITE_URL).hostname}" in lines
    assert "DTSTAMP:20260302T130000Z" in lines
    assert "SUMMARY:Follow-up visit at Lakeside Primary Care" in lines
    assert "DESCRIPTION:Parking behind\\; entrance on Lake St\\, 2nd floor\\n(312) 555-0100" in lines
    assert "DAYLIGHT" in lines[lines.index("DTSTART:20260308T020000") - 1]
    offset = observance_offset(lines, "20260310T090000")
    assert utc_of("20260310T090000", offset) == visit.starts_at.astimezone(UTC)


def test_a_winter_visit_uses_standard_time(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 6, 9))
    visit.refresh_from_db()

    lines = unfold(appointment_ics(visit, now=NOW))

    assert utc_of("20260306T090000", observance_offset(lines, "20260306T090000")) == datetime(
        2026, 3, 6, 15, tzinfo=UTC
    )


def test_long_lines_fold_without_splitting_characters_and_text_is_escaped() -> None:
    line = "SUMMARY:" + "Visita de seguimiento en la clínica, " * 5

    folded = fold(line)

    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
    assert escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_downloading_the_file_is_audited(clinic: Clinic) -> None:
    visit = clinic.book(at(2026, 3, 10, 9))

    name, text = appointment_calendar_file(
        access=clinic.access(), actor=clinic.patient.user, appointment_id=visit.pk, now=NOW
    )

    assert name == f"appointment-{visit.pk}.ics"
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert AuditEvent.objects.filter(action="download", object_id=str(visit.pk), acting_as="self").count() == 1
