"""The date at an organization: billing's "today" and service dates are the clinic's calendar day,
never the server's (UTC outside a request, where a statement issued at 7 pm would be dated tomorrow)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.models import Organization


def clinic_date(organization: Organization, moment: datetime) -> date:
    """The calendar day at the organization when `moment` happened."""
    return moment.astimezone(ZoneInfo(organization.time_zone)).date()
