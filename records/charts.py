"""A trend chart as plain SVG, drawn on the server: no JavaScript, readable at 360 px; and the record's
two charts (a test's results over time, one kind of home reading).

The page always shows the same values in a table too, for screen readers and
for anyone who prefers numbers. The value axis has round, evenly spaced ticks (60, 65, 70,
not 58, 62, 65); the usual range, where known, is a shaded band behind the lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from portal import dates
from portal.templatetags.portal_tags import unit_label
from records.models import HomeReading, RecordItem
from records.services.readings import MEASURES, Limits

WIDTH, HEIGHT = 600, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 16, 40
# About this many gaps between value ticks; the step is then rounded up to 1, 2, 2.5 or 5 times a
# power of ten; 2.5 only when whole (25, 250): a pulse axis of 67.5, 70.0, 72.5 shows decimals no
# reading has.
TICK_GAPS = 4
NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)

Range = tuple[Decimal | None, Decimal | None]
# Up to this span the time axis names days; beyond it, months (three labels "Nov 2026" would not tell apart).
DAYS_LABELLED_BY_DATE = 62


@dataclass(frozen=True)
class Point:
    when: datetime
    value: Decimal


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    if high == low:
        return (start + end) / 2
    return start + (value - low) * (end - start) / (high - low)


def nice_step(span: float, gaps: int = TICK_GAPS) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving at most `gaps` gaps over `span`."""
    raw = span / gaps if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(
        step * power
        for step in NICE_STEPS
        if step * power >= raw * (1 - 1e-9) and (step != 2.5 or float(step * power).is_integer())
    )


def nice_ticks(lowest: float, highest: float) -> list[float]:
    """Evenly spaced round ticks from a multiple of the step at or below `lowest` to one at or
    above `highest` (the axis runs from the first tick to the last)."""
    if highest == lowest:
        lowest, highest = lowest - (abs(lowest) * 0.1 or 1.0), highest + (abs(highest) * 0.1 or 1.0)
    step = nice_step(highest - lowest)
    first = math.floor(lowest / step + 1e-9) * step
    count = math.ceil((highest - first) / step - 1e-9)
    return [round(first + step * i, 10) for i in range(count + 1)]


def _label(value: float, step: float) -> str:
    # As many decimals as the step needs: none for 5 or 25, one for 0.5, two for 0.05.
    decimals = 0
    while decimals < 4 and not float(round(step * 10**decimals, 6)).is_integer():
        decimals += 1
    return f"{value:.{decimals}f}"


@dataclass(frozen=True)
class Line:
    """One series of a chart that draws several on the same axes."""

    path: str
    dots: list[tuple[float, float, str]]


@dataclass(frozen=True)
class Band:
    """A shaded usual range, as SVG y coordinates (top above bottom), with its name when the chart
    has more than one (which line's range it is)."""

    top: float
    bottom: float
    label: str = ""


@dataclass(frozen=True)
class LinesChart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]
    # Shaded usual ranges, one per series that has both limits.
    bands: list[Band]


def lines_chart(
    series: list[list[Point]],
    ranges: Sequence[Range] | None = None,
    band_labels: Sequence[str] | None = None,
    *,
    label: Callable[[datetime], str] | None = None,
) -> LinesChart | None:
    """Several series on one time axis and one scale (blood pressure: the top and the bottom number),
    each oldest first; None unless some series has two points. `ranges` are the usual (low, high)
    of each series, drawn as bands where both ends are known, named by `band_labels` if given.
    `label` writes the time axis's dates in the portal's one style: by default days over two months
    or less (weeks of readings), months over longer spans (years of results)."""
    drawn = [points for points in series if points]
    if max((len(points) for points in drawn), default=0) < 2:
        return None
    everything = sorted((p for points in drawn for p in points), key=lambda p: p.when)
    names = band_labels or [""] * len(ranges or [])
    limits = [
        (float(low), float(high), name)
        for (low, high), name in zip(ranges or [], names, strict=True)
        if low is not None and high is not None and low < high
    ]
    values = [float(p.value) for p in everything] + [v for low, high, _name in limits for v in (low, high)]
    ticks = nice_ticks(min(values), max(values))
    lowest, highest = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    first, last = everything[0].when.timestamp(), everything[-1].when.timestamp()
    if label is None:
        label = dates.format_date if last - first <= DAYS_LABELLED_BY_DATE * 86400 else dates.format_month
    left, right, top, bottom = PAD_LEFT, WIDTH - PAD_RIGHT, PAD_TOP, HEIGHT - PAD_BOTTOM

    def x_of(point: Point) -> float:
        return round(_scale(point.when.timestamp(), first, last, left, right), 1)

    def y_of(value: float) -> float:
        return round(_scale(value, lowest, highest, bottom, top), 1)

    lines = []
    for points in drawn:
        coordinates = [(x_of(p), y_of(float(p.value))) for p in points]
        path = "M " + " L ".join(f"{x} {y}" for x, y in coordinates)
        dots = [
            (x, y, f"{dates.format_date(p.when)}: {p.value.normalize():f}")
            for (x, y), p in zip(coordinates, points, strict=True)
        ]
        lines.append(Line(path, dots))
    y_ticks = [(y_of(v), _label(v, step)) for v in ticks]
    # Start, end and the middle of the time axis (not the middle point: readings bunch up), one label per date.
    halfway = datetime.fromtimestamp((first + last) / 2, tz=everything[0].when.tzinfo)
    x_ticks: list[tuple[float, str, str]] = []
    for when, anchor in ((everything[0].when, "start"), (everything[-1].when, "end"), (halfway, "middle")):
        text = label(when)
        if all(text != shown for _, shown, _ in x_ticks):
            x_ticks.append((round(_scale(when.timestamp(), first, last, left, right), 1), text, anchor))
    bands = [Band(y_of(high), y_of(low), name) for low, high, name in limits]
    return LinesChart(WIDTH, HEIGHT, lines, y_ticks, x_ticks, bands)


# --- The record's charts: a test's results over time, and one kind of home reading ---------------


# Blood pressure as sources send it: one panel whose value reads "top/bottom" (records.fhir.projection).
BLOOD_PRESSURE_PANEL = "85354-9"
# The usual range of each number (adults; AHA "normal": top below 120, bottom below 80), for the
# chart's bands. A clinical choice, to be reviewed with the plain-language texts.
BLOOD_PRESSURE_USUAL = [(Decimal(90), Decimal(120)), (Decimal(60), Decimal(80))]


def _panel_series(points: list[RecordItem]) -> list[list[Point]]:
    """Panels such as blood pressure ("128/82") as one series per number, oldest first."""
    series: list[list[Point]] = [[], []]
    for point in points:
        parts = point.value_text.split("/")
        if point.effective_at is None or len(parts) != len(series):
            continue
        try:
            numbers = [Decimal(part.strip()) for part in parts]
        except InvalidOperation:
            continue
        for line, number in zip(series, numbers, strict=True):
            line.append(Point(point.effective_at, number))
    return series


def result_trend_chart(code: str, points: list[RecordItem]) -> tuple[LinesChart | None, str]:
    """The chart of one test's values and its caption: what the lines and bands are, and the unit."""
    latest = points[-1]
    unit = unit_label(latest.unit)
    words = [_("Unit: %(unit)s.") % {"unit": unit}] if unit else []
    numeric = [Point(p.effective_at, p.value_number) for p in points if p.effective_at and p.value_number is not None]
    if numeric:
        chart = lines_chart([numeric], [(latest.reference_low, latest.reference_high)])
        if chart is not None and chart.bands:
            words.insert(0, _("The shaded band is the usual range."))
        return chart, " ".join(words)
    if code == BLOOD_PRESSURE_PANEL:
        names = [_("usual top number"), _("usual bottom number")]
        chart = lines_chart(_panel_series(points), BLOOD_PRESSURE_USUAL, names)
    else:
        chart = lines_chart(_panel_series(points))
    if chart is None:
        return None, " ".join(words)
    words.insert(0, _("Solid line and round dots: top number. Dashed line and square dots: bottom number."))
    if chart.bands:
        words.insert(1, _("The shaded bands are the usual range of each number."))
    return chart, " ".join(words)


def home_reading_chart(kind: str, newest_first: Sequence[HomeReading], limits: dict[str, Limits]) -> LinesChart | None:
    """The chart of one kind of home reading, oldest first, with the care team's limits as bands."""
    oldest_first = list(reversed(newest_first))
    # Each measure's band: the range the care team set, where both ends are set.
    bands = [(limits[m].low.value, limits[m].high.value) for m in MEASURES[kind]]
    if kind == HomeReading.Kind.BLOOD_PRESSURE:
        series = [
            [Point(r.taken_at, Decimal(r.systolic or 0)) for r in oldest_first],
            [Point(r.taken_at, Decimal(r.diastolic or 0)) for r in oldest_first],
        ]
        return lines_chart(series, bands, label=dates.format_date)
    points = [Point(r.taken_at, r.value) for r in oldest_first if r.value is not None]
    return lines_chart([points], bands, label=dates.format_date)
