"""The server's SVG charts as coordinates: bars on one scale from zero, side by side when a
chart has two series, and the table that is their text alternative."""

from datetime import date, timedelta

import pytest

from myna.web.charts import BARS_HEIGHT, BARS_TOP, BARS_WIDTH, bar_chart

DAYS = [date(2024, 11, 1) + timedelta(days=i) for i in range(5)]


def test_bars_stand_on_the_baseline_and_the_peak_reaches_the_top() -> None:
    chart = bar_chart(DAYS, [0, 2, 4, 1, 0])
    assert chart.peak == 4
    assert [bar.height for bar in chart.bars] == [
        round((chart.baseline - BARS_TOP) * n / 4, 2) for n in (2, 4, 1)
    ]
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(chart.baseline)
        assert bar.x >= 0 and bar.x + bar.width <= BARS_WIDTH
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.y == BARS_TOP
    assert chart.baseline < BARS_HEIGHT  # room for the days' labels


def test_two_series_share_a_day_s_slot_and_one_scale() -> None:
    chart = bar_chart(DAYS, [1, 0, 0, 0, 2], [2, 0, 0, 0, 0])
    opened = [bar for bar in chart.bars if bar.series == 0]
    resolved = [bar for bar in chart.bars if bar.series == 1]
    assert len(opened) == 2 and len(resolved) == 1
    assert resolved[0].x == pytest.approx(opened[0].x + opened[0].width)
    assert resolved[0].height == opened[1].height  # both 2, on the same scale
    assert chart.rows[0] == (DAYS[-1], [2, 0])  # newest first
    assert chart.rows[-1] == (DAYS[0], [1, 2])


def test_nothing_to_draw() -> None:
    chart = bar_chart(DAYS, [0] * 5)
    assert chart.peak == 0 and chart.bars == []
    assert [tick.day for tick in chart.ticks] == [DAYS[0], DAYS[2], DAYS[-1]]
    assert bar_chart([]).ticks == []
    with pytest.raises(ValueError):
        bar_chart(DAYS, [1, 2])
