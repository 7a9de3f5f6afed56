"""An organization's business calendar, loaded once into the pure form the SLA arithmetic uses
(messaging/calendar.py). Reads of threads are in the audience's module (patient.py, staff.py,
api.py)."""

from __future__ import annotations

from datetime import time

from messaging.calendar import ClinicCalendar
from messaging.models import BusinessHours, Holiday
from portal.models import Organization

# What an organization without a business calendar is assumed to keep (and an alert is raised).
ASSUMED_HOURS = tuple((weekday, time(8), time(17)) for weekday in range(5))


def clinic_calendar(organization: Organization) -> ClinicCalendar | None:
    """The organization's calendar (two queries), or None if it has no opening hours at all."""
    hours = list(
        BusinessHours.objects.filter(calendar__organization=organization).values_list("weekday", "opens", "closes")
    )
    if not hours:
        return None
    holidays = Holiday.objects.filter(calendar__organization=organization).values_list("date", flat=True)
    return ClinicCalendar.build(time_zone=organization.time_zone, hours=hours, holidays=list(holidays))


def assumed_calendar(organization: Organization) -> ClinicCalendar:
    """Weekdays 08:00-17:00 in the organization's time zone: the promise we can still make when
    nobody has configured a calendar."""
    return ClinicCalendar.build(time_zone=organization.time_zone, hours=ASSUMED_HOURS)
