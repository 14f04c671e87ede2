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
from rca.trends.stats import ChartPoint, PChart, Rule, rule_chance

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


def span_label(first: date, last: date, period: str, *, bare: bool = False) -> str:
    """`Nov 2025-Mar 2026`, or one period's label when first is last.

    Weeks read `the weeks of 3 Nov-29 Dec 2025` in a sentence; `bare` leaves out
    `the weeks of` (for a title that already says what the dates are).
    """
    if first == last:
        return (
            f"the week of {period_label(first, period)}"
            if period == "week" and not bare
            else (period_label(first, period))
        )
    prefix = "the weeks of " if period == "week" and not bare else ""
    if period == "month" and first.year == last.year:  # `Apr-Sep 2025`
        return f"{MONTHS[first.month - 1]}\u2013{period_label(last, period)}"
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


# Denominators a reader takes in at a glance: "less than 1 time in 300".
_ONE_IN = (2, 3, 4, 5, 10, 20, 50, 100, 150, 200, 300, 500, 1_000, 2_000, 5_000, 10_000)


def chance_text(probability: float) -> str:
    """A small probability in words, rounded to the safe side: 0.0027 -> `less than 1 time in 300`."""
    if probability <= 0:
        return "practically never"
    fitting = [n for n in _ONE_IN if n * probability < 1]
    if not fitting:
        return f"about {pct(probability, 0)} of the time"
    return f"less than 1 time in {fitting[-1]:,}"


def run_finding(chart: PChart, run: Sequence[ChartPoint], period: str) -> str:
    """One flagged run in plain words: `fell well below its usual level in Nov 2025-Mar 2026`."""
    return f"{_run_verb(run)} in {span_label(run[0].period, run[-1].period, period)}"


def _run_verb(run: Sequence[ChartPoint]) -> str:
    below = run[0].side == "below"
    beyond = any(p.p < p.lcl for p in run) if below else any(p.p > p.ucl for p in run)
    if beyond:
        return f"{'fell well below' if below else 'rose well above'} its usual level"
    return f"ran {'lower' if below else 'higher'} than usual"


def runs_finding(runs: Sequence[Sequence[ChartPoint]], period: str) -> str:
    """Every flagged run, runs that read alike joined: `fell well below its usual level in
    the week of 15 Sep 2025 and the week of 10 Nov 2025`."""
    spans: dict[str, list[str]] = {}
    for run in runs:
        spans.setdefault(_run_verb(run), []).append(
            span_label(run[0].period, run[-1].period, period)
        )
    return join([f"{verb} in {join(where)}" for verb, where in spans.items()])


def chance_finding(runs: Sequence[Sequence[ChartPoint]], period: str) -> str:
    """How often noise alone would flag the rarest pattern found, as a sentence."""
    found = [
        (rule_chance(r), r, run[0].side == "below") for run in runs for p in run for r in p.rules
    ]
    if not found:
        return ""
    chance, rule, below = min(found, key=lambda f: f[0])
    side, way = ("below", "dip") if below else ("above", "rise")
    text = {
        "beyond_3sigma": f"A {way} this large",
        "two_of_three_beyond_2sigma": f"Two {period}s out of three this far {side} the usual level",
        "four_of_five_beyond_1sigma": f"Four {period}s out of five this far {side} the usual level",
        "eight_on_one_side": f"Eight {period}s in a row {side} the usual level",
    }[rule]
    verb = "happens" if rule == "beyond_3sigma" else "happen"
    return f"{text} {verb} by chance {chance_text(chance)}."


def baseline_span(chart: PChart, period: str) -> str:
    """The periods the centre line comes from: `Apr-Sep 2025`."""
    base = chart.points[: max(chart.baseline_periods, 1)]
    return span_label(base[0].period, base[-1].period, period)


def chart_finding(chart: PChart, period: str) -> str:
    """What a p-chart shows, in plain words naming the metric, with how rare the flag is."""
    name = metric_label(chart.metric)
    if not chart.points:
        return f"{name}: no assessed items in the range."
    runs = flag_runs(chart.points)
    if not runs:
        return (
            f"{name} held steady: every {period} within its usual range around "
            f"{pct(chart.centre)} of items passing."
        )
    low = min(p.p for run in runs for p in run)
    high = max(p.p for run in runs for p in run)
    level = pct(low) if low == high else f"{pct(low)} to {pct(high)}"
    return (
        f"{name} {runs_finding(runs, period)}: {level} of items passed, against "
        f"{pct(chart.centre)} in "
        f"{baseline_span(chart, period)}. {chance_finding(runs, period)}"
    )


def chart_statistics(chart: PChart, period: str) -> str:
    """The same flags for those who want the statistic: rules and control limits."""
    runs = flag_runs(chart.points)
    if not runs:
        return f"Every {period} within the 3-sigma control limits around {pct(chart.centre)}."
    return "; ".join(
        f"{span_label(r[0].period, r[-1].period, period)}: {rules_text(r)}" for r in runs
    ) + (f" (centre line {pct(chart.centre)}, 3-sigma limits for each {period}'s items)")


# Krippendorff's alpha in words (his own cut-offs at 0.667 and 0.8; below, the usual
# reading of chance-corrected agreement).
_AGREEMENT_WORDS: tuple[tuple[float, str], ...] = (
    (0.8, "agree well"),
    (0.667, "agree well enough to use, with care"),
    (0.4, "agree only partly"),
    (0.2, "agree barely more than chance"),
    (0.0, "agree no more than chance"),
)


def agreement_words(alpha: float | None) -> str:
    """Reviewer agreement in words: 0.32 -> `agree barely more than chance`."""
    if alpha is None:
        return "could not be compared"
    for floor, words in _AGREEMENT_WORDS:
        if alpha >= floor:
            return words
    return "agree less often than chance would"


# Below this many, a rate misleads (one case is 0 % or 100 %): say "1 of 2" instead.
MIN_RATE_N = 5


def share_text(part: int, whole: int, digits: int = 0) -> str:
    """`3 of 6 (50%)`; below MIN_RATE_N just `1 of 2`, never a rate of one or two cases."""
    if whole < MIN_RATE_N:
        return f"{part} of {whole}"
    return f"{part} of {whole} ({pct(part / whole, digits)})"


def panel_label(metric: str) -> str:
    """A small-multiple panel's title: the check's label (the item metric in short)."""
    return "Whole item (no check failed)" if metric == ITEM_METRIC else metric_label(metric)


def panels_finding(charts: Sequence[PChart], period: str = "month") -> str:
    """What the small multiples show: which panels moved, naming every one that did."""
    moved = {c.metric for c in charts if flag_runs(c.points)}
    checks = [c.metric for c in charts if c.metric != ITEM_METRIC]
    names = [metric_label(m) for m in checks if m in moved]
    steady = len(checks) - len(names)
    item = ITEM_METRIC in moved
    if not names and not item:
        return f"All {plural(len(checks), 'check')} held steady, {period} by {period}"
    if not names:
        return (
            f"Whole-item accuracy moved though no single check did; all {len(checks)} held steady"
        )
    text = f"{join(names)} moved"
    if item:
        text += f", and whole-item accuracy with {'it' if len(names) == 1 else 'them'}"
    if steady:
        text += f"; the other {plural(steady, 'check')} held steady"
    return text
