"""Template filters for plain-language times, measures, statuses and device names (the plain-language
explanations of tests are records' own tags: records/templatetags/records_tags.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

# (pattern in the user agent, name shown) — first match wins, so order matters:
# Edge and Chrome both say "Chrome"; every iPhone browser says "Safari".
_BROWSERS = [
    (r"Edg/", "Edge"),
    (r"HeadlessChrome", "Chrome"),
    (r"CriOS|Chrome/", "Chrome"),
    (r"FxiOS|Firefox/", "Firefox"),
    (r"Safari/", "Safari"),
]
_SYSTEMS = [
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "Mac"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
]


def _first(patterns: list[tuple[str, str]], text: str) -> str | None:
    return next((name for pattern, name in patterns if re.search(pattern, text)), None)


@register.filter
def device_label(user_agent: str) -> str:
    """ "Chrome on Android" rather than a raw user-agent string."""
    browser = _first(_BROWSERS, user_agent or "")
    system = _first(_SYSTEMS, user_agent or "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now", or "5 minutes ago": every date a person sees says how long ago it was."""
    # A plain date, or a moment without a zone, has no "how long ago" a person could trust.
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        return ""
    now = timezone.now()
    if moment > now + timedelta(minutes=1):  # a visit or a due time ahead
        return _("in %(time)s") % {"time": timeuntil(moment, now)}
    if now - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, now)}


@register.filter
def subtract(value: float, other: float) -> float:
    return round(float(value) - float(other), 1)


@register.filter
def measure(value: Decimal | None) -> str:
    """A measured value to the precision a person reads: 142, 98.6, 4.9, 0.85 (sources send 59.6391)."""
    if value is None:
        return ""
    places = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded.normalize():f}" if places else f"{rounded:f}"


# Units as labs send them (UCUM codes) and as a person reads them.
UNIT_LABELS = {
    "mm[Hg]": "mmHg",
    "10*3/uL": "thousand/µL",
    "10*6/uL": "million/µL",
    "10*9/L": "billion/L",
    "10*12/L": "trillion/L",
    "/min": "per minute",
    "kg/m2": "kg/m²",
    "Cel": "°C",
    "[degF]": "°F",
    "[lb_av]": "lb",
    "[in_i]": "in",
    "uL": "µL",
    "ug/dL": "µg/dL",
    "mL/min/{1.73_m2}": "mL/min/1.73 m²",
    "{score}": "",
}


@register.filter
def unit_label(unit: str) -> str:
    """ "mmHg" for "mm[Hg]", "thousand/µL" for "10*3/uL": what a patient can read."""
    return UNIT_LABELS.get(unit, unit)


# FHIR status codes as sources send them, in the words of the page's language.
STATUS_LABELS = {
    "active": gettext_lazy("active"),
    "inactive": gettext_lazy("inactive"),
    "resolved": gettext_lazy("resolved"),
    "remission": gettext_lazy("in remission"),
    "recurrence": gettext_lazy("came back"),
    "relapse": gettext_lazy("came back"),
    "completed": gettext_lazy("completed"),
    "stopped": gettext_lazy("stopped"),
    "on-hold": gettext_lazy("on hold"),
    "cancelled": gettext_lazy("cancelled"),
    "entered-in-error": gettext_lazy("entered in error"),
    "finished": gettext_lazy("finished"),
    "in-progress": gettext_lazy("in progress"),
    "planned": gettext_lazy("planned"),
    "final": gettext_lazy("final"),
    "preliminary": gettext_lazy("preliminary"),
    "amended": gettext_lazy("amended"),
    "current": gettext_lazy("current"),
    "superseded": gettext_lazy("replaced by a newer version"),
    "not-done": gettext_lazy("not done"),
}


@register.filter
def status_label(status: str) -> str:
    """A record item's status in plain words ("in remission" for "remission")."""
    return str(STATUS_LABELS.get(status, status))
