"""The trend charts' value axis: round ticks, evenly spaced, no decimals the readings do not have."""

from __future__ import annotations

import pytest

from records.charts import nice_ticks


@pytest.mark.parametrize(
    ("lowest", "highest", "ticks"),
    [
        (58, 72, [55, 60, 65, 70, 75]),  # a pulse: not 58/62/65/68/72
        (68, 78, [65, 70, 75, 80]),  # not 67.5/70.0/72.5
        (60, 160, [50, 75, 100, 125, 150, 175]),
        (6.1, 6.8, [6.0, 6.2, 6.4, 6.6, 6.8]),
        (64, 64.5, [64.0, 64.2, 64.4, 64.6]),
        (120, 120, [100, 110, 120, 130, 140]),  # one value still gets an axis around it
    ],
)
def test_ticks_are_round_evenly_spaced_and_cover_every_value(lowest: float, highest: float, ticks: list[float]) -> None:
    found = nice_ticks(lowest, highest)

    assert found == pytest.approx(ticks)
    assert found[0] <= lowest and found[-1] >= highest
    assert len({round(b - a, 9) for a, b in zip(found, found[1:], strict=False)}) == 1
