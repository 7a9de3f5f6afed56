"""A trend chart as plain SVG, drawn on the server: no JavaScript, readable at 360 px.

The page always shows the same values in a table too, for screen readers and
for anyone who prefers numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from portal import dates

WIDTH, HEIGHT = 600, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 16, 40


@dataclass(frozen=True)
class Point:
    when: datetime
    value: Decimal


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    if high == low:
        return (start + end) / 2
    return start + (value - low) * (end - start) / (high - low)


def _label(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


@dataclass(frozen=True)
class Line:
    """One series of a chart that draws several on the same axes."""

    path: str
    dots: list[tuple[float, float, str]]


@dataclass(frozen=True)
class LinesChart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]
    band: tuple[float, float] | None


def lines_chart(
    series: list[list[Point]],
    reference: tuple[Decimal | None, Decimal | None] = (None, None),
    *,
    label: Callable[[datetime], str] = dates.format_month,
) -> LinesChart | None:
    """Several series on one time axis and one scale (blood pressure: the top and the bottom number),
    each oldest first; None unless some series has two points. `label` writes the time axis's dates
    (months for years of results, days for weeks of home readings), in the portal's one style."""
    drawn = [points for points in series if points]
    if max((len(points) for points in drawn), default=0) < 2:
        return None
    everything = sorted((p for points in drawn for p in points), key=lambda p: p.when)
    values = [float(p.value) for p in everything]
    low_ref, high_ref = (float(r) if r is not None else None for r in reference)
    lowest = min(values + [v for v in (low_ref,) if v is not None])
    highest = max(values + [v for v in (high_ref,) if v is not None])
    margin = (highest - lowest) * 0.1 or abs(highest) * 0.1 or 1.0
    lowest, highest = lowest - margin, highest + margin
    first, last = everything[0].when.timestamp(), everything[-1].when.timestamp()
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
    y_ticks = [(y_of(v), _label(v)) for v in (lowest + (highest - lowest) * i / 4 for i in range(5))]
    # Start, end and the middle of the time axis (not the middle point: readings bunch up), one label per date.
    halfway = datetime.fromtimestamp((first + last) / 2, tz=everything[0].when.tzinfo)
    x_ticks: list[tuple[float, str, str]] = []
    for when, anchor in ((everything[0].when, "start"), (everything[-1].when, "end"), (halfway, "middle")):
        text = label(when)
        if all(text != shown for _, shown, _ in x_ticks):
            x_ticks.append((round(_scale(when.timestamp(), first, last, left, right), 1), text, anchor))
    band = None
    if low_ref is not None and high_ref is not None:
        band = (y_of(high_ref), y_of(low_ref))
    return LinesChart(WIDTH, HEIGHT, lines, y_ticks, x_ticks, band)
