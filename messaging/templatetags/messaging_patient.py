"""Template filters for the patient's messaging pages: a promised time in words."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import dates

register = template.Library()

# Within this many days a weekday name is enough ("Tuesday 11 a.m."); further away, the date too.
WEEKDAY_ONLY_DAYS = 6


@register.filter
def when(moment: datetime | None) -> str:
    """A time to come, as a person says it, in the current time zone (the clinic's on these
    pages): "today at 3:00 p.m. CST", "tomorrow at 8:00 a.m. CST", "Tuesday at 11:00 a.m. CST",
    or "Thu 17 Dec 2026 at 10:00 a.m. CST" when more than a few days away."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    days = (local.date() - timezone.localdate()).days
    values = {
        "time": dates.format_time(local),
        "zone": dates.zone_abbreviation(local),
        "weekday": dates.weekday_name(local),
        "date": dates.format_date(local),
    }
    if days == 0:
        return _("today at %(time)s %(zone)s") % values
    if days == 1:
        return _("tomorrow at %(time)s %(zone)s") % values
    if 1 < days <= WEEKDAY_ONLY_DAYS:
        return _("%(weekday)s at %(time)s %(zone)s") % values
    return _("%(date)s at %(time)s %(zone)s") % values
