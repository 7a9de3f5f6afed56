"""A trend chart as plain SVG, drawn on the server: no JavaScript, readable at 360 px.

The page always shows the same values in a table too, for screen readers and
for anyone who prefers numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

WIDTH, HEIGHT = 600, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 16, 40


@dataclass(frozen=True)
class Point:
    when: datetime
    value: Decimal


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    path: str
    dots: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]  # x, label, text-anchor (ends stay inside the frame)
    band: tuple[float, float] | None  # the reference range, as a shaded band (y top, y bottom)


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    if high == low:
        return (start + end) / 2
    return start + (value - low) * (end - start) / (high - low)


def _label(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def trend_chart(points: list[Point], reference: tuple[Decimal | None, Decimal | None] = (None, None)) -> Chart | None:
    """Coordinates for a line chart of `points`, or None when there are fewer than two."""
    if len(points) < 2:
        return None
    values = [float(p.value) for p in points]
    low_ref, high_ref = (float(r) if r is not None else None for r in reference)
    lowest = min(values + [v for v in (low_ref,) if v is not None])
    highest = max(values + [v for v in (high_ref,) if v is not None])
    margin = (highest - lowest) * 0.1 or abs(highest) * 0.1 or 1.0
    lowest, highest = lowest - margin, highest + margin
    first, last = points[0].when.timestamp(), points[-1].when.timestamp()
    left, right, top, bottom = PAD_LEFT, WIDTH - PAD_RIGHT, PAD_TOP, HEIGHT - PAD_BOTTOM

    def xy(point: Point) -> tuple[float, float]:
        return (
            round(_scale(point.when.timestamp(), first, last, left, right), 1),
            round(_scale(float(point.value), lowest, highest, bottom, top), 1),
        )

    coordinates = [xy(p) for p in points]
    path = "M " + " L ".join(f"{x} {y}" for x, y in coordinates)
    dots = [
        (x, y, f"{p.when:%Y-%m-%d}: {p.value.normalize():f}") for (x, y), p in zip(coordinates, points, strict=True)
    ]
    y_ticks = [
        (round(_scale(v, lowest, highest, bottom, top), 1), _label(v))
        for v in (lowest + (highest - lowest) * i / 4 for i in range(5))
    ]
    middle = points[len(points) // 2]
    x_ticks = [
        (xy(point)[0], f"{point.when:%Y-%m}", anchor)
        for point, anchor in ((points[0], "start"), (middle, "middle"), (points[-1], "end"))
    ]
    band = None
    if low_ref is not None and high_ref is not None:
        band = (
            round(_scale(high_ref, lowest, highest, bottom, top), 1),
            round(_scale(low_ref, lowest, highest, bottom, top), 1),
        )
    return Chart(WIDTH, HEIGHT, path, dots, y_ticks, x_ticks, band)
