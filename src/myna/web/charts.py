"""Small charts drawn on the server as SVG: a topic's last seven days as a sparkline, and the
console's per-day bar charts. The builders only compute coordinates; the templates draw them,
each beside a text alternative (the numbers as a table)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from myna.reads.tags import TagDay

# A trend's small chart, in SVG user units.
SPARK_WIDTH = 112
SPARK_HEIGHT = 28

# A bar chart's drawing, in SVG user units: room above the bars for the peak's label and
# below them for the days'.
BARS_WIDTH = 320
BARS_HEIGHT = 120
BARS_TOP = 14
BARS_BOTTOM = 18
BARS_GAP = 0.2  # of a day's slot, left empty between days


@dataclass(frozen=True, slots=True)
class Sparkline:
    """Seven days of a topic's use as a polyline, the oldest day on the left."""

    points: str
    counts: list[int]  # posts per day, oldest first
    peak: int
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(history: list[TagDay]) -> Sparkline:
    """`history` comes newest first (the Tag entity's order)."""
    counts = [day.uses for day in reversed(history)]
    peak = max(counts, default=0)
    step = SPARK_WIDTH / max(1, len(counts) - 1)
    usable = SPARK_HEIGHT - 4  # two units of room above and below the line
    points = " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (usable * n / peak if peak else 0):.1f}"
        for i, n in enumerate(counts)
    )
    return Sparkline(points=points, counts=counts, peak=peak)


@dataclass(frozen=True, slots=True)
class Bar:
    """One day's value of one series, as a rectangle."""

    series: int  # which series: 0, 1, ... (the template colours them)
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Tick:
    """A day named under the bars."""

    x: float
    day: date
    anchor: str  # SVG text-anchor: start, middle or end


@dataclass(frozen=True, slots=True)
class BarChart:
    """Days of one or more series (drawn side by side within a day), oldest on the left."""

    days: list[date]
    series: list[list[int]]  # each series' value per day, in the order of `days`
    bars: list[Bar]  # days with nothing have no bar
    ticks: list[Tick]
    peak: int
    baseline: float  # the y of the zero line
    top: float  # the y of the peak
    width: int = BARS_WIDTH
    height: int = BARS_HEIGHT

    @property
    def rows(self) -> list[tuple[date, list[int]]]:
        """Each day with its values, newest first: the chart as a table."""
        return [
            (day, [s[i] for s in self.series]) for i, day in reversed(list(enumerate(self.days)))
        ]


def bar_chart(days: Sequence[date], *series: Sequence[int]) -> BarChart:
    """Bars for `series` (each as long as `days`) on one scale, from 0 to the highest value."""
    if any(len(values) != len(days) for values in series):
        raise ValueError("every series needs one value per day")
    peak = max((v for values in series for v in values), default=0)
    baseline = BARS_HEIGHT - BARS_BOTTOM
    usable = baseline - BARS_TOP
    slot = BARS_WIDTH / max(1, len(days))
    width = slot * (1 - BARS_GAP) / max(1, len(series))
    bars = []
    for i in range(len(days)):
        left = i * slot + slot * BARS_GAP / 2
        for s, values in enumerate(series):
            height = usable * values[i] / peak if peak else 0.0
            if height > 0:
                bars.append(
                    Bar(
                        series=s,
                        x=round(left + s * width, 2),
                        y=round(baseline - height, 2),
                        width=round(width, 2),
                        height=round(height, 2),
                    )
                )
    ticks = []
    if days:
        ticks.append(Tick(x=0, day=days[0], anchor="start"))
    if len(days) > 2:
        middle = len(days) // 2
        ticks.append(Tick(x=round((middle + 0.5) * slot, 2), day=days[middle], anchor="middle"))
    if len(days) > 1:
        ticks.append(Tick(x=BARS_WIDTH, day=days[-1], anchor="end"))
    return BarChart(
        days=list(days),
        series=[list(values) for values in series],
        bars=bars,
        ticks=ticks,
        peak=peak,
        baseline=baseline,
        top=BARS_TOP,
    )
