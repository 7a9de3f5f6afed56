"""Template filters of the staff messaging pages: due times said relative to now, safety flags in words."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def due_in(moment: datetime | None) -> str:
    """ "in 2 hours" for a time to come, "3 hours ago" for one gone by."""
    if moment is None:
        return ""
    now = timezone.now()
    if moment >= now:
        return _("in %(time)s") % {"time": timeuntil(moment, now)}
    return _("%(time)s ago") % {"time": timesince(moment, now)}


@register.filter
def flag_words(flag: str) -> str:
    """A safety-screen flag ("chest_pain") as words ("chest pain")."""
    return flag.replace("_", " ")


@register.filter
def duration(minutes: float | None) -> str:
    """A span of time as a person reads it: "45 min", "2 h", "2 h 10 min" (whole minutes)."""
    if minutes is None:
        return ""
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}


@register.filter
def hours_as_minutes(hours: float | None) -> float | None:
    """Wall-clock hours (the metrics' unit for the patient's wait) in minutes, for `duration`."""
    return None if hours is None else hours * 60
