"""How the trends report words things: labels, periods, spans of flagged periods, percentages.

Shared by the charts (titles, ticks, alt text) and the deck and brief, so a
finding reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from rca.labels import label
from rca.render import formatting
from rca.render.formatting import MONTHS
from rca.render.formatting import plural as plural  # re-exported: the trends charts, deck and brief
from rca.trends.qa import ITEM_METRIC
from rca.trends.stats import ChartPoint, PChart, Rule

RULE_SHORT: dict[Rule, str] = {
    "beyond_3sigma": "beyond 3\u03c3",
    "two_of_three_beyond_2sigma": "2 of 3 beyond 2\u03c3",
    "four_of_five_beyond_1sigma": "4 of 5 beyond 1\u03c3",
    "eight_on_one_side": "8 in a row on one side",
}
CLOCK_LABELS = {
    "detect": "Time to detect",
    "escalate": "Time to escalate",
    "respond": "Time to respond",
    "resolve": "Time to resolve",
}


def metric_label(metric: str) -> str:
    """`account_match_correct` -> `Account match correct`; the item metric by what it means."""
    if metric == ITEM_METRIC:
        return "Whole item (no check failed)"
    return label(metric)


def code_label(code: str | None, labels: dict[str, str] | None = None) -> str:
    """A code's label: a taxonomy or enum label when known, else the code as a sentence."""
    return formatting.label(labels or {}, code)


def period_label(day: date, period: str, *, short: bool = False) -> str:
    """A period by its first day: `Nov 2025` (month), `Q4 2025`, or `3 Nov 2025` (week)."""
    if period == "month":
        return MONTHS[day.month - 1] if short else f"{MONTHS[day.month - 1]} {day.year}"
    if period == "quarter":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    return (
        f"{day.day} {MONTHS[day.month - 1]}"
        if short
        else (f"{day.day} {MONTHS[day.month - 1]} {day.year}")
    )


def span_label(first: date, last: date, period: str) -> str:
    """`Nov 2025-Mar 2026`, or one period's label when first is last."""
    if first == last:
        return (
            f"the week of {period_label(first, period)}"
            if period == "week"
            else (period_label(first, period))
        )
    prefix = "the weeks of " if period == "week" else ""
    return f"{prefix}{period_label(first, period)}\u2013{period_label(last, period)}"


day_label = formatting.day  # `2026-05-31` -> `31 May 2026`, None -> `not set`


def pct(value: float | None, digits: int = 1) -> str:
    """0.8712 -> `87.1%`; None -> `n/a`."""
    if value is None:
        return "n/a"
    return f"{value * 100:.{digits}f}%"


def number(value: float | None, digits: int = 2) -> str:
    """A statistic to `digits` places with a true minus sign; None -> `n/a`."""
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}".replace("-", "\u2212")


def join(items: Sequence[str], last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def flag_runs(points: Sequence[ChartPoint]) -> list[list[ChartPoint]]:
    """Consecutive flagged periods on the same side of the centre line, in time order."""
    runs: list[list[ChartPoint]] = []
    previous: ChartPoint | None = None
    for point in points:
        if point.rules:
            if runs and previous is not None and previous.rules and previous.side == point.side:
                runs[-1].append(point)
            else:
                runs.append([point])
        previous = point
    return runs


def rules_text(points: Iterable[ChartPoint]) -> str:
    """The distinct rules a run triggers, in rule order: `beyond 3 sigma; 2 of 3 beyond 2 sigma`."""
    seen: list[Rule] = []
    for point in points:
        seen += [r for r in point.rules if r not in seen]
    order = list(RULE_SHORT)
    return "; ".join(RULE_SHORT[r] for r in sorted(seen, key=order.index))


def run_finding(chart: PChart, run: Sequence[ChartPoint], period: str) -> str:
    """One flagged run as a sentence: `fell below its lower control limit in Nov 2025-Mar 2026`."""
    span = span_label(run[0].period, run[-1].period, period)
    below = run[0].side == "below"
    beyond = any(p.p < p.lcl for p in run) if below else any(p.p > p.ucl for p in run)
    if beyond:
        verb = "fell below its lower" if below else "rose above its upper"
        return f"{verb} control limit in {span}"
    return f"ran unusually {'low' if below else 'high'} in {span} ({rules_text(run)})"


def chart_finding(chart: PChart, period: str) -> str:
    """What a p-chart shows, as one sentence naming the metric."""
    name = metric_label(chart.metric)
    if not chart.points:
        return f"{name}: no assessed items in the range."
    runs = flag_runs(chart.points)
    if not runs:
        return f"{name} stayed within its control limits (centre {pct(chart.centre)})."
    parts = [run_finding(chart, run, period) for run in runs]
    low = min(p.p for run in runs for p in run)
    high = max(p.p for run in runs for p in run)
    level = pct(low) if low == high else f"{pct(low)} to {pct(high)}"
    return f"{name} {join(parts)}: {level} against a baseline of {pct(chart.centre)}."
