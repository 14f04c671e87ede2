"""Trend charts, drawn with matplotlib: SVG for briefs (vector), PNG for decks, alt text that states the finding.

    chart = control_chart(qa.charts[0], "month")   # -> rca.render.registry.Diagram
    chart.svg, chart.png, chart.alt

The only module that imports matplotlib (on the Agg backend, figures built
without pyplot, so nothing global is shown or kept). Output is deterministic:
a fixed SVG hash salt, text kept as text (`svg.fonttype: none`), no dates or
version strings in the metadata. SVG markers are expanded in place of
`<use>` references, so a chart survives the brief's SVG allow-list intact.
"""

from __future__ import annotations

import copy
import io
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, ParamSpec

import matplotlib

matplotlib.use("Agg")  # before anything draws: no display, no GUI toolkit

import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from rca.render.registry import Diagram
from rca.render.textfit import LIBERATION
from rca.trends.agreement import Agreement
from rca.trends.cases import ClockSummary, Portfolio
from rca.trends.queries import Accuracy
from rca.trends.stats import PChart, rule_chance
from rca.trends.words import (
    CLOCK_LABELS,
    MIN_RATE_N,
    agreement_words,
    baseline_span,
    chance_text,
    chart_finding,
    code_label,
    flag_runs,
    join,
    metric_label,
    number,
    panel_label,
    panels_finding,
    pct,
    period_label,
    plural,
    run_finding,
    share_text,
)

DPI = 144  # PNG resolution for decks (rca.render.pptx.DIAGRAM_DPI)
# Every chart is WIDTH inches wide and at most HEIGHT tall, its smallest text TEXT pt.
# Placed on a slide it fills the 12.1 x 5.15 in picture area's width (x 1.21): text
# >= 12.7 pt; in the brief it fills a 7.2 in column (x 0.72): text >= 7.5 pt printed.
# One drawing serves both, so the SVG and the PNG come from one layout.
WIDTH, HEIGHT, TEXT = 10.0, 4.2, 10.5
NAVY, NAVY_2, SLATE, SLATE_2 = "#14233c", "#1f3a5f", "#475569", "#64748b"
RULE, WASH, ACCENT, ACCENT_WASH, OK = "#cbd5e1", "#f1f5f9", "#c2410c", "#fdebdd", "#1f6f4a"
PALE_NAVY, PALE_SLATE = "#7d93b5", "#b6c2d3"
FONT = "Liberation Sans"
STYLE: dict[Any, Any] = {  # rcParams keys are a Literal union in the stubs
    "font.family": "sans-serif",
    "font.sans-serif": [FONT, "DejaVu Sans"],
    "font.size": TEXT,
    "text.color": NAVY,
    "axes.edgecolor": SLATE_2,
    "axes.linewidth": 0.8,
    "axes.labelcolor": SLATE,
    "axes.labelsize": TEXT,
    "axes.titlesize": 12.5,
    "axes.titleweight": "bold",
    "axes.titlecolor": NAVY,
    "axes.titlelocation": "left",
    "axes.titlepad": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.unicode_minus": True,
    "grid.color": RULE,
    "grid.linewidth": 0.6,
    "xtick.color": SLATE,
    "ytick.color": SLATE,
    "xtick.labelsize": TEXT,
    "ytick.labelsize": TEXT,
    "legend.frameon": False,
    "legend.fontsize": TEXT,
    "svg.fonttype": "none",  # text stays text: searchable, selectable, small
    "svg.hashsalt": "rca-trends",  # stable ids for clip paths and markers
    "path.simplify": True,
}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

P = ParamSpec("P")


@cache
def _fonts() -> None:
    # Liberation Sans is metric-compatible with Arial, the deck's face; register its
    # files directly so a stale font cache cannot make matplotlib fall back silently.
    for name in ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"):
        path = LIBERATION / name
        if path.is_file():
            font_manager.fontManager.addfont(str(path))


def _styled(draw: Callable[P, Diagram]) -> Callable[P, Diagram]:
    """Run a chart function inside the house style (fonts resolve when drawing, so all of it)."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Diagram:
        _fonts()
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    wrapper.__doc__ = draw.__doc__
    wrapper.__name__ = draw.__name__
    return wrapper


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def finish(fig: Figure, name: str, title: str, alt: str, *, raster: bool = True) -> Diagram:
    """The figure as a Diagram: flattened SVG, and a PNG at DPI when `raster`."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = flatten_svg(buffer.getvalue().decode("utf-8"))
    png = b""
    if raster:
        # The layout is done: the PNG reuses it instead of solving it again (a third of the time).
        fig.set_layout_engine("none")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        png = buffer.getvalue()
    width, height = fig.get_size_inches()
    return Diagram(
        name=name,
        title=title,
        alt=alt,
        dot="",
        svg=svg,
        png=png,
        width_px=round(width * DPI),
        height_px=round(height * DPI),
    )


def flatten_svg(svg: str) -> str:
    """matplotlib's SVG with every `<use>` replaced by a copy of what it references.

    Markers are drawn once in <defs> and placed with <use>; the brief's SVG
    allow-list drops <use> (it can reference outside the document), so the
    copies are made here, where the references are known to be local.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    href = f"{{{XLINK_NS}}}href"
    for parent in list(root.iter()):
        for i, child in enumerate(list(parent)):
            if child.tag != f"{{{SVG_NS}}}use":
                continue
            target = by_id.get((child.get(href) or child.get("href") or "").lstrip("#"))
            parent.remove(child)
            if target is None:
                continue
            group = ET.Element(f"{{{SVG_NS}}}g")
            x, y = child.get("x", "0"), child.get("y", "0")
            group.set("transform", f"translate({x} {y})")
            for key, value in child.attrib.items():
                if key not in (href, "href", "x", "y", "id"):
                    group.set(key, value)
            shape = copy.deepcopy(target)
            shape.attrib.pop("id", None)
            group.append(shape)
            parent.insert(i, group)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + body + "\n"


# --------------------------------------------------------------------------- shared pieces


def _ticks(ax: Axes, periods: Sequence[Any], period: str, *, ends: bool = False) -> None:
    """Period tick labels, the year under the first label of each year (`ends`: first and last only)."""
    x = np.arange(len(periods))
    step = max(1, -(-len(periods) // 13))
    labels = []
    year = None
    if ends:  # two ticks only: fewer tick artists to lay out, and nothing to collide
        last = len(periods) - 1
        at = [0, last] if last else [0]
        ax.set_xticks(at, [period_label(periods[i], period) for i in at])
        ax.tick_params(axis="x", length=0, pad=5)
        if last:  # the end labels lean inwards so neighbours cannot collide
            first_label, last_label = ax.get_xticklabels()
            first_label.set_horizontalalignment("left")
            last_label.set_horizontalalignment("right")
        ax.set_xlim(-0.6, len(periods) - 0.4)
        return
    for i, day in enumerate(periods):
        if i % step:
            labels.append("")
            continue
        text = period_label(day, period, short=True)
        if day.year != year:  # the year under the first label and the first of each new year
            text += f"\n{day.year}"
            year = day.year
        labels.append(text)
    ax.set_xticks(x, labels)
    ax.tick_params(axis="x", length=0, pad=5)
    ax.set_xlim(-0.6, len(periods) - 0.4)


def _wrap(text: str, width: int) -> str:
    return "\n".join(
        "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
        for line in text.split("\n")
    )


def _percent_axis(ax: Axes, low: float, high: float) -> None:
    span = max(high - low, 0.02)
    # A little room past 100 % so a limit at 100 % is drawn inside the frame, not on it.
    low, high = max(0.0, low - 0.12 * span), min(1.0 + 0.03 * span, high + 0.12 * span)
    ax.set_ylim(low, high)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if high - low > 0.06 else 1))


def _count_axis(axis: Any) -> None:
    """Whole numbers only (a count has no half steps); the gid marks it for tools and tests."""
    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axis.set_gid("count-axis")


# --------------------------------------------------------------------------- control charts


@_styled
def control_chart(chart: PChart, period: str, *, raster: bool = True) -> Diagram:
    """A p-chart: points, centre line, 3-sigma limits stepping with each period's n, flags marked."""
    points = chart.points
    fig = _figure(WIDTH, HEIGHT)
    ax = fig.add_subplot()
    name = metric_label(chart.metric)
    ax.set_title(f"{name}: share of assessed items passing, by {period}")
    if not points:
        ax.text(0.5, 0.5, "No assessed items in this range", ha="center", transform=ax.transAxes)
        return finish(
            fig, f"pchart-{chart.metric}", name, chart_finding(chart, period), raster=raster
        )
    x = np.arange(len(points))
    p = np.array([pt.p for pt in points])
    lcl = np.array([pt.lcl for pt in points])
    ucl = np.array([pt.ucl for pt in points])
    edges = np.arange(len(points) + 1) - 0.5
    if chart.baseline_periods < len(points):
        ax.axvspan(-0.5, chart.baseline_periods - 0.5, color=WASH, zorder=0, lw=0)
        ax.text(
            (chart.baseline_periods - 1) / 2, 0.03, "baseline: sets the centre line",
            transform=ax.get_xaxis_transform(), ha="center", va="bottom", color=SLATE_2,
        )  # fmt: skip
    runs = flag_runs(points)
    for run in runs:
        first, last = points.index(run[0]), points.index(run[-1])
        ax.axvspan(first - 0.45, last + 0.45, color=ACCENT_WASH, zorder=0, lw=0)
    # gids name the series in the SVG (<g id="ucl">...), for tools and tests that read it.
    ax.stairs(ucl, edges, baseline=None, color=SLATE_2, lw=1.3, ls=(0, (5, 3)), zorder=2, gid="ucl")
    ax.stairs(lcl, edges, baseline=None, color=SLATE_2, lw=1.3, ls=(0, (5, 3)), zorder=2, gid="lcl")
    ax.axhline(chart.centre, color=SLATE, lw=1.3, zorder=2, gid="centre-line")
    ax.plot(x, p, color=NAVY, lw=1.8, marker="o", ms=5.5, zorder=3, gid="accuracy")
    flagged = [i for i, pt in enumerate(points) if pt.rules]
    if flagged:
        ax.plot(x[flagged], p[flagged], ls="none", marker="o", ms=10, mfc=ACCENT, mec="white",
                mew=1.2, zorder=4, gid="flagged")  # fmt: skip
    _percent_axis(ax, float(min(p.min(), lcl.min())), float(max(p.max(), ucl.max())))
    bottom, top = ax.get_ylim()
    for run in runs:
        # What the run is, in words, inside its shaded band: in the gap between the points
        # and the limit they crossed when there is room, else at the band's far edge.
        first, last = points.index(run[0]), points.index(run[-1])
        below = run[0].side == "below"
        near = max(pt.p for pt in run) if below else min(pt.p for pt in run)
        limit = min(pt.lcl for pt in run) if below else max(pt.ucl for pt in run)
        if abs(limit - near) > 0.25 * (top - bottom):
            y, va, where = (near + limit) / 2, "center", ax.transData
        else:
            y, va = (0.97, "top") if below else (0.03, "bottom")
            where = ax.get_xaxis_transform()
        words = run_finding(chart, run, period).split(" in ")[0].replace(" its usual level", "")
        words = words.replace("fell ", "").replace("rose ", "").replace("ran ", "")
        if len(runs) == 1:  # `well below` / `by chance: less than 1 time in 300`
            rarest = min(rule_chance(r) for pt in run for r in pt.rules)
            words += f"\nby chance: {chance_text(rarest)}"
        ax.text(
            (first + last) / 2, y, _wrap(words, max(12, 9 * (last - first + 1))), transform=where,
            ha="center", va=va, color=ACCENT, fontweight="bold", linespacing=1.25,
        )  # fmt: skip
    _ticks(ax, [pt.period for pt in points], period)
    ax.set_ylabel("Items passing")
    handles = [
        Line2D([], [], color=NAVY, lw=1.8, marker="o", ms=5.5, label=f"Accuracy per {period}"),
        Line2D([], [], color=SLATE, lw=1.3,
               label=f"Centre line {pct(chart.centre)} ({baseline_span(chart, period)})"),
        Line2D([], [], color=SLATE_2, lw=1.3, ls=(0, (5, 3)), label="Usual range (3\u03c3 limits)"),
        Line2D([], [], ls="none", marker="o", ms=10, mfc=ACCENT, mec="white",
               label="Flagged: not noise"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncols=4, columnspacing=1.2)
    alt = (
        f"{chart_finding(chart, period)} Control chart of {len(points)} {period}s; the centre "
        f"line comes from the first {chart.baseline_periods}, the limits are 3 sigma for each "
        f"{period}'s number of items."
    )
    return finish(fig, f"pchart-{chart.metric}", f"Control chart: {name}", alt, raster=raster)


@_styled
def accuracy_panels(
    rows: Sequence[Accuracy], charts: Sequence[PChart], period: str, *, raster: bool = True
) -> Diagram:
    """Accuracy of every check by period with 95 % Wilson intervals: small multiples, one y-axis."""
    slots = len(charts) + 1  # the last slot holds the legend
    cols = min(6, max(4, -(-slots // 2)))
    rows_n = -(-slots // cols)
    fig = _figure(WIDTH, HEIGHT if rows_n <= 2 else 2.0 * rows_n + 0.3)
    axes = fig.subplots(rows_n, cols, squeeze=False, sharey=True)
    series_of = {
        c.metric: [r for r in rows if r.attribute == c.metric and r.process_type is None
                   and r.period is not None and r.accuracy is not None]
        for c in charts
    }  # fmt: skip
    lows = [r.ci_low for s in series_of.values() for r in s if r.ci_low is not None]
    highs = [r.ci_high for s in series_of.values() for r in s if r.ci_high is not None]
    for k, chart in enumerate(charts):
        ax = axes[k // cols][k % cols]
        series = series_of[chart.metric]
        flagged = {pt.period for pt in chart.points if pt.rules}
        x = np.arange(len(series))
        acc = np.array([r.accuracy or 0.0 for r in series])
        lo = np.array([r.ci_low or 0.0 for r in series])
        hi = np.array([r.ci_high or 0.0 for r in series])
        colours = [ACCENT if r.period in flagged else NAVY for r in series]
        ax.axhline(chart.centre, color=SLATE_2, lw=1, ls=(0, (4, 3)))
        ax.vlines(x, lo, hi, colors=colours, lw=1.4, gid=f"interval-{chart.metric}")
        ax.scatter(x, acc, c=colours, s=16, zorder=3, linewidths=0, gid=f"accuracy-{chart.metric}")
        title = ax.set_title(_wrap(panel_label(chart.metric), 22), fontsize=TEXT,
                             color=ACCENT if flagged else NAVY)  # fmt: skip
        title.set_gid(f"panel-{'flagged' if flagged else 'steady'}-{chart.metric}")
        if len(series):
            _ticks(ax, [r.period for r in series], period, ends=True)
    if lows and highs:
        _percent_axis(axes[0][0], min(lows), max(highs))  # shared: every panel, one scale
    for k in range(len(charts), rows_n * cols):
        axes[k // cols][k % cols].set_axis_off()
    axes[-1][-1].legend(
        handles=[
            Line2D([], [], color=NAVY, marker="o", ms=4, lw=1.4, label=f"Accuracy per {period}\n"
                   "(bar: 95% interval)"),
            Line2D([], [], color=ACCENT, marker="o", ms=4, lw=1.4, label=f"Flagged {period}"),
            Line2D([], [], color=SLATE_2, lw=1, ls=(0, (4, 3)), label="Centre line"),
        ],
        loc="center",
    )  # fmt: skip
    alt = (
        f"Accuracy per {period} with 95% confidence intervals for every check, on one scale. "
        f"{panels_finding(charts)}."
    )
    return finish(fig, "accuracy-by-period", "Accuracy of every check", alt, raster=raster)


# --------------------------------------------------------------------------- Pareto

FOLD_SINGLES = 3  # more keys than this that occur once are a long tail: one "other" bar


def pareto_bars(
    items: Sequence[tuple[str, int]], top: int = 10
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(bars, folded): keys in falling order, and the long tail folded into one "other" bar.

    The tail is every key beyond `top`, and every key that occurs once when more
    than FOLD_SINGLES do (thirteen one-off codes are a tail, not a Pareto).
    """
    ordered = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    ordered = [kv for kv in ordered if kv[1] > 0]
    singles = sum(1 for _, v in ordered if v == 1)
    head = [kv for kv in ordered if kv[1] > 1] if singles > FOLD_SINGLES else ordered
    bars = head[:top]
    folded = ordered[len(bars) :] if head is ordered else [kv for kv in ordered if kv not in bars]
    if len(folded) == 1:  # "1 other" would be the same bar under a vaguer name
        return [*bars, *folded], []
    return bars, folded


def is_pareto(items: Sequence[tuple[str, int]]) -> bool:
    """Whether a Pareto says anything: at least two bars stand out of the folded tail."""
    return len(pareto_bars(items)[0]) >= 2


@_styled
def pareto_chart(
    name: str,
    title: str,
    items: Sequence[tuple[str, int]],
    *,
    unit: str,
    what: str,
    top: int = 10,
    names: dict[str, str] | None = None,
    raster: bool = True,
) -> Diagram:
    """Bars in falling order with the cumulative share of all `unit`s as a line; the tail as 'other'."""
    bars, folded = pareto_bars(items, top)
    total = sum(v for _, v in items)
    labels = [code_label(k, names) for k, _ in bars]
    values = [v for _, v in bars]
    if folded:
        once = all(v == 1 for _, v in folded)
        labels.append(plural(len(folded), f"other {what}") + (", once each" if once else ""))
        values.append(sum(v for _, v in folded))
    fig = _figure(WIDTH, HEIGHT)
    ax = fig.add_subplot()
    ax.set_title(title)
    if not total:
        ax.text(0.5, 0.5, f"No {unit}s in this range", ha="center", transform=ax.transAxes)
        return finish(fig, name, title, f"{title}: no {unit}s in this range.", raster=raster)
    x = np.arange(len(values))
    colours = [NAVY] * len(bars) + [PALE_SLATE] * (len(values) - len(bars))
    drawn = ax.bar(x, values, color=colours, width=0.66, zorder=2, gid="bars")
    ax.bar_label(drawn, labels=[f"{v:,}" for v in values], padding=2, color=NAVY)
    # Characters a tick label may take per line: the bar pitch (about 8.2 in of axes shared
    # by the bars) over an average character of TEXT pt.
    width = max(8, min(18, int(8.2 * 72 / max(len(values), 1) / (0.55 * TEXT))))
    ax.set_xticks(x, [_wrap(t, width) for t in labels])
    ax.tick_params(axis="x", length=0)
    ax.set_ylabel(f"{unit.capitalize()}s")
    ax.set_ylim(0, max(values) * 1.15)
    _count_axis(ax.yaxis)
    ax.set_xlim(-0.6, len(values) - 0.4)
    share = ax.twinx()
    share.spines["right"].set_visible(True)
    share.grid(False)
    cumulative = np.cumsum(values) / total
    share.plot(x, cumulative, color=ACCENT, marker="o", ms=4.5, lw=1.6, zorder=3, gid="cumulative")
    share.axhline(0.8, color=ACCENT, lw=0.8, ls=(0, (2, 3)))
    share.set_ylim(0, 1.05)
    share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    share.set_ylabel("Running share", color=ACCENT)
    share.tick_params(axis="y", colors=ACCENT)
    fig.legend(
        handles=[
            Patch(color=NAVY, label=f"{unit.capitalize()}s per {what}"),
            Line2D([], [], color=ACCENT, marker="o", ms=4.5, lw=1.6, label="Running share of all"),
            Line2D([], [], color=ACCENT, lw=0.8, ls=(0, (2, 3)), label="80% line"),
        ],
        loc="outside lower center", ncols=3,
    )  # fmt: skip
    ordered = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    lead_key, lead_value = code_label(ordered[0][0], names), ordered[0][1]
    reach = int(np.searchsorted(np.cumsum([v for _, v in ordered]) / total, 0.8 - 1e-9)) + 1
    alt = (
        f"{lead_key} is the most frequent {what}, {lead_value:,} of {total:,} {unit}s "
        f"({pct(lead_value / total, 0)}); {plural(reach, what)} of {len(ordered)} account for "
        "80% of them."
    )
    if folded:
        alt += f" The last bar gathers {plural(len(folded), 'other ' + what)}."
    return finish(fig, name, title, alt, raster=raster)


# --------------------------------------------------------------------------- actions


PORTFOLIO_SEGMENTS: tuple[tuple[str, str, Callable[[Portfolio], int]], ...] = (
    ("Open, overdue", ACCENT, lambda r: r.overdue),
    ("Open, on time", NAVY, lambda r: r.open - r.overdue),
    ("Done, verification overdue", "#e8a27c", lambda r: r.verification_overdue),
    ("Done, awaiting verification", PALE_NAVY, lambda r: r.awaiting_verification - r.verification_overdue),
    ("Done, no verification date", PALE_SLATE, lambda r: r.done - r.awaiting_verification),
    ("Verified effective", OK, lambda r: r.verified),
    ("Cancelled", "#d9dee5", lambda r: r.cancelled),
)  # fmt: skip


def _merged(rows: Sequence[Portfolio]) -> Portfolio:
    counts = [sum(getattr(r, f) for r in rows) for f in _COUNTS]
    return Portfolio(f"{len(rows)} other owners", False, *counts)


_COUNTS = ("actions", "open", "overdue", "done", "awaiting_verification", "verification_overdue",
           "verified", "cancelled", "ineffective")  # fmt: skip


@_styled
def portfolio_chart(
    rows: Sequence[Portfolio], *, max_owners: int = 8, raster: bool = True
) -> Diagram:
    """Corrective actions by owner, stacked by state: overdue first, verified last."""
    owners = sorted((r for r in rows if not r.total), key=lambda r: (-r.actions, r.owner or ""))
    total = next((r for r in rows if r.total), None)
    if len(owners) > max_owners:  # the long tail of one-action owners as one bar
        owners = [*owners[: max_owners - 1], _merged(owners[max_owners - 1 :])]
    fig = _figure(WIDTH, min(HEIGHT, max(2.6, 0.32 * len(owners) + 1.55)))
    ax = fig.add_subplot()
    ax.set_title("Corrective actions by owner and state")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    y = np.arange(len(owners))[::-1]
    left = np.zeros(len(owners))
    used = []
    for label, colour, count in PORTFOLIO_SEGMENTS:
        values = np.array([count(r) for r in owners], dtype=float)
        if not values.any():
            continue
        used.append(Patch(color=colour, label=label))
        ax.barh(y, values, left=left, color=colour, height=0.66, edgecolor="white", lw=0.8)
        left += values
    for yi, r in zip(y, owners, strict=True):
        note = f"{r.actions}" + (f"  ({r.ineffective} ineffective)" if r.ineffective else "")
        ax.text(r.actions + 0.1, yi, note, va="center",
                color=ACCENT if r.ineffective else SLATE)  # fmt: skip
    ax.set_yticks(y, [_wrap(r.owner or "No owner", 40) for r in owners])
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Corrective actions")
    most = max((r.actions for r in owners), default=1)
    ax.set_xlim(0, most * 1.12 + 0.5)  # room for the labels; the scale stops at the most actions
    _count_axis(ax.xaxis)
    ax.set_xticks([t for t in MaxNLocator(integer=True).tick_values(0, most) if 0 <= t <= most])
    ax.spines["bottom"].set_bounds(0, most)
    fig.legend(handles=used, loc="outside lower center", ncols=min(4, max(len(used), 1)))
    if total is None or not owners:
        alt = "No corrective actions in the reviews."
    else:
        busiest = owners[0]
        alt = (
            f"{plural(total.actions, 'corrective action')}: {total.open} open "
            f"({total.overdue} overdue), {total.awaiting_verification} done and awaiting "
            f"verification of effectiveness ({total.verification_overdue} past their verification "
            f"date), {total.verified} verified, {total.ineffective} found ineffective. "
            f"{busiest.owner} owns the most ({busiest.actions})."
        )
    return finish(fig, "action-portfolio", "Corrective actions by owner", alt, raster=raster)


# --------------------------------------------------------------------------- clocks


@_styled
def breach_chart(
    clocks: Sequence[ClockSummary], labels: dict[str, str] | None = None, *, raster: bool = True
) -> Diagram:
    """Cases that missed each clock's service level, as counts (a rate of 1 case says nothing)."""
    overall = {c.metric: c for c in clocks if c.period is None and c.process_type is None}
    metrics = [m for m in CLOCK_LABELS if m in overall]
    fig = _figure(WIDTH, max(2.4, 0.5 * len(metrics) + 1.5))
    ax = fig.add_subplot()
    ax.set_title("Cases that missed each clock's service-level target")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    y = np.arange(len(metrics))[::-1].astype(float)
    segments: tuple[tuple[str, str, Callable[[ClockSummary], int]], ...] = (
        ("Missed the target", ACCENT, lambda c: c.breached),
        ("Within the target", NAVY, lambda c: c.with_target - c.breached),
        ("Measured, no target", PALE_SLATE, lambda c: c.measured - c.with_target),
    )
    left = np.zeros(len(metrics))
    used = []
    for label, colour, count in segments:
        values = np.array([count(overall[m]) for m in metrics], dtype=float)
        if not values.any():
            continue
        used.append(Patch(color=colour, label=label))
        ax.barh(y, values, left=left, color=colour, height=0.62, edgecolor="white", lw=0.8)
        left += values
    for yi, m in zip(y, metrics, strict=True):
        c = overall[m]
        note = (
            share_text(c.breached, c.with_target).replace(" (", " missed (", 1)
            if c.with_target >= MIN_RATE_N
            else f"{c.breached} of {c.with_target} missed"
            if c.with_target
            else "no target"
        )
        ax.text(c.measured + 0.08, yi, note, va="center", color=ACCENT if c.breached else SLATE)
    ax.set_yticks(y, [CLOCK_LABELS[m] for m in metrics])
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Cases")
    most = max((overall[m].measured for m in metrics), default=1)
    ax.set_xlim(0, most * 1.3 + 0.5)  # room for the labels; the scale stops at the most cases
    _count_axis(ax.xaxis)
    ax.set_xticks([t for t in MaxNLocator(integer=True).tick_values(0, most) if 0 <= t <= most])
    ax.spines["bottom"].set_bounds(0, most)
    fig.legend(handles=used, loc="outside lower center", ncols=max(len(used), 1))
    if metrics:
        parts = [f"{CLOCK_LABELS[m].lower()} {share_text(overall[m].breached, overall[m].with_target)}"
                 for m in metrics if overall[m].with_target]  # fmt: skip
        alt = f"Cases that missed each clock's service-level target: {join(parts)}."
    else:
        alt = "No clock was measured."
    return finish(fig, "clock-breaches", "Service-level breaches", alt, raster=raster)


# --------------------------------------------------------------------------- calibration


@_styled
def agreement_chart(rows: Sequence[Agreement], *, raster: bool = True) -> Diagram:
    """How far reviewers agree beyond chance on each check (Krippendorff's alpha), in words too."""
    fig = _figure(WIDTH, min(HEIGHT, max(2.6, 0.42 * len(rows) + 1.5)))
    ax = fig.add_subplot()
    ax.set_title("How far reviewers agree, beyond chance, on each check")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    y = np.arange(len(rows))[::-1].astype(float)
    alphas = [a.krippendorff_alpha for a in rows]
    colours = [ACCENT if a.trusted is False else PALE_SLATE if a.trusted is None else NAVY
               for a in rows]  # fmt: skip
    ax.barh(y, [v if v is not None else 0 for v in alphas], 0.62, color=colours, zorder=2,
            gid="alpha")  # fmt: skip
    for yi, a, colour in zip(y, rows, colours, strict=True):
        # The reading in words, in a column right of the scale: never over a bar or the line.
        alpha = a.krippendorff_alpha
        words = (
            f"{number(alpha)}  {agreement_words(alpha)}" if alpha is not None else "not measurable"
        )
        ax.text(1.06, yi, words, va="center", ha="left", color=NAVY if colour != ACCENT else ACCENT,
                fontweight="bold" if colour == ACCENT else "normal")  # fmt: skip
    threshold = rows[0].threshold if rows else 0.667
    ax.axvline(threshold, color=ACCENT, lw=1.4, ls=(0, (5, 3)), zorder=4, gid="threshold")
    ax.text(threshold, len(rows) - 0.5, f"trust threshold {threshold:.3f}", color=ACCENT,
            ha="center", va="bottom")  # fmt: skip
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_yticks(y, [metric_label(a.attribute) for a in rows])
    for tick, a in zip(ax.get_yticklabels(), rows, strict=True):
        if a.trusted is False:
            tick.set_color(ACCENT)
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    low = min([0.0, *(v for v in alphas if v is not None)])
    ax.set_xlim(low - 0.02, 1.75)
    ax.spines["bottom"].set_bounds(low - 0.02, 1.02)
    ax.set_ylim(-0.6, len(rows) - 0.1)
    ax.set_xlabel("Krippendorff's \u03b1: 0 = no better than chance, 1 = always agree", loc="left")
    weak = [a for a in rows if a.trusted is False]
    unknown = [a for a in rows if a.trusted is None]
    if not rows:
        alt = "No calibration set: reviewer agreement was not measured."
    elif weak:
        parts = [f"{metric_label(a.attribute)} (reviewers {agreement_words(a.krippendorff_alpha)}, "
                 f"\u03b1 {number(a.krippendorff_alpha)})" for a in weak]  # fmt: skip
        alt = (
            f"Reviewers agree well enough to trust the trend on {len(rows) - len(weak)} of "
            f"{len(rows)} checks; not on {join(parts)}, so "
            f"{'its' if len(weak) == 1 else 'their'} trend cannot be trusted."
        )
    else:
        alt = f"Reviewers agree well enough to trust the trend on all {len(rows)} checks."
    if unknown:
        alt += f" Not measurable: {join([metric_label(a.attribute) for a in unknown])}."
    return finish(fig, "agreement", "Reviewer agreement per check", alt, raster=raster)
