"""The console's dashboard (`/admin`): sign-ups, active people, posts, interactions and reports
per day over the last 7, 30 or 90 days, each beside the period before it. The figures are
`ModerationReads.measures` (the admin API's measures); this module only lays them out as
charts (web/charts.py), which the overview's template draws."""

from dataclasses import dataclass
from datetime import date, timedelta

from myna.models import Account
from myna.reads.moderation import Measure, ModerationReads
from myna.web.charts import BarChart, bar_chart

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# One chart each, in this order; the reports chart sets opened beside resolved.
SINGLE = ("new_users", "active_users", "statuses", "interactions")
REPORTS = ("opened_reports", "resolved_reports")


@dataclass(frozen=True, slots=True)
class Figure:
    """One measure's total over the period, against the period just before."""

    key: str
    total: int
    previous: int

    @property
    def percent(self) -> int | None:
        """The change in per cent, rounded; None when there was nothing before."""
        if not self.previous:
            return None
        return round((self.total - self.previous) * 100 / self.previous)

    @property
    def direction(self) -> str:
        if self.total == self.previous:
            return "same"
        return "up" if self.total > self.previous else "down"


@dataclass(frozen=True, slots=True)
class Panel:
    """One chart of the dashboard: its measures (one, or opened and resolved reports)."""

    key: str  # a measure's key, or "reports"
    figures: list[Figure]
    chart: BarChart


def period_of(raw: str | None) -> int:
    """The `?days=` switch: one of PERIODS, else the default."""
    return int(raw) if raw in {str(p) for p in PERIODS} else DEFAULT_PERIOD


def _panel(key: str, measures: list[Measure]) -> Panel:
    days = [day for day, _n in measures[0].days]
    return Panel(
        key=key,
        figures=[Figure(m.key, m.total, m.previous_total) for m in measures],
        chart=bar_chart(days, *([n for _d, n in m.days] for m in measures)),
    )


async def panels(reads: ModerationReads, viewer: Account, days: int, today: date) -> list[Panel]:
    """The dashboard's charts for the `days` days up to `today` (UTC, included)."""
    found = {
        m.key: m
        for m in await reads.measures(
            viewer, [*SINGLE, *REPORTS], today - timedelta(days=days - 1), today
        )
    }
    shown = [_panel(key, [found[key]]) for key in SINGLE]
    shown.append(_panel("reports", [found[key] for key in REPORTS]))
    return shown
