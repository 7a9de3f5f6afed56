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
