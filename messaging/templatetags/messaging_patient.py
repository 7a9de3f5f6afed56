"""Template filters for the patient's messaging pages: a promised time in words."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()

# Within this many days a weekday name is enough ("Tuesday 11 a.m."); further away, the date too.
WEEKDAY_ONLY_DAYS = 6


@register.filter
def when(moment: datetime | None) -> str:
    """A time to come, as a person says it, in the current time zone (the clinic's on these
    pages): "today at 3 p.m. CST", "tomorrow at 8 a.m. CST", "Tuesday at 11 a.m. CST", or
    with the date when more than a few days away."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    days = (local.date() - timezone.localdate()).days
    values = {
        "time": formats.time_format(local, "TIME_FORMAT"),
        "zone": formats.date_format(local, "T"),
        "weekday": formats.date_format(local, "l"),
        "date": formats.date_format(local, "MONTH_DAY_FORMAT"),
    }
    if days == 0:
        return _("today at %(time)s %(zone)s") % values
    if days == 1:
        return _("tomorrow at %(time)s %(zone)s") % values
    if 1 < days <= WEEKDAY_ONLY_DAYS:
        return _("%(weekday)s at %(time)s %(zone)s") % values
    return _("%(weekday)s %(date)s at %(time)s %(zone)s") % values
