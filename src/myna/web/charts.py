"""Small charts drawn on the server as SVG: a topic's last seven days as a sparkline."""

from dataclasses import dataclass

from myna.reads.tags import TagDay

# A trend's small chart, in SVG user units.
SPARK_WIDTH = 112
SPARK_HEIGHT = 28


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
