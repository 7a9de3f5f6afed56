"""The metrics page's chart as plain SVG, drawn on the server: one horizontal bar per pool for the
share of first answers on time, with the clinic's target as a dashed line. Horizontal bars keep
the pool names readable on a phone; each bar also carries its number in words (and the page
shows the same numbers in a table), so nothing depends on colour or on seeing the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from messaging.selectors.staff_metrics import Compliance

WIDTH = 400
PAD_LEFT, PAD_RIGHT, PAD_TOP = 8, 84, 40
ROW = 60  # a pool's name above its bar
BAR = 22
AXIS = 34


@dataclass(frozen=True)
class Bar:
    name: str
    label_y: float
    bar_y: float
    width: float | None  # None: no promise decided yet, nothing to draw
    percent: float | None
    below_target: bool
    value_x: float


@dataclass(frozen=True)
class BarsChart:
    width: int
    height: int
    left: int
    right: int
    bars: list[Bar]
    target: int
    target_x: float
    bar_height: int
    ticks: list[tuple[float, int]]
    axis_y: int


def _x(percent: float) -> float:
    return round(PAD_LEFT + percent * (WIDTH - PAD_LEFT - PAD_RIGHT) / 100, 1)


def on_time_bars(rows: list[Compliance], target: int) -> BarsChart | None:
    """One bar per pool (in the order given); None when there are no pools."""
    if not rows:
        return None
    bars = []
    for number, row in enumerate(rows):
        top = PAD_TOP + number * ROW
        percent = row.on_time_percent
        bars.append(
            Bar(
                name=row.name,
                label_y=top + 18,
                bar_y=top + 26,
                width=None if percent is None else max(_x(percent) - PAD_LEFT, 0.0),
                percent=percent,
                below_target=percent is not None and percent < target,
                value_x=_x(percent or 0) + 8,
            )
        )
    axis_y = PAD_TOP + len(rows) * ROW
    return BarsChart(
        width=WIDTH,
        height=axis_y + AXIS,
        left=PAD_LEFT,
        right=WIDTH - PAD_RIGHT,
        bars=bars,
        target=target,
        target_x=_x(target),
        bar_height=BAR,
        ticks=[(_x(percent), percent) for percent in (0, 50, 100)],
        axis_y=axis_y,
    )
