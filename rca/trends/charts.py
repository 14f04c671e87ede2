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
from rca.trends.stats import PChart
from rca.trends.words import (
    CLOCK_LABELS,
    chart_finding,
    code_label,
    flag_runs,
    join,
    metric_label,
    number,
    pct,
    period_label,
    plural,
    rules_text,
)

DPI = 144  # PNG resolution for decks (rca.render.pptx.DIAGRAM_DPI)
NAVY, NAVY_2, SLATE, SLATE_2 = "#14233c", "#1f3a5f", "#475569", "#64748b"
RULE, WASH, ACCENT, ACCENT_WASH, OK = "#cbd5e1", "#f1f5f9", "#c2410c", "#fdebdd", "#1f6f4a"
PALE_NAVY, PALE_SLATE = "#7d93b5", "#b6c2d3"
FONT = "Liberation Sans"
STYLE: dict[Any, Any] = {  # rcParams keys are a Literal union in the stubs
    "font.family": "sans-serif",
    "font.sans-serif": [FONT, "DejaVu Sans"],
    "font.size": 11,
    "text.color": NAVY,
    "axes.edgecolor": SLATE_2,
    "axes.linewidth": 0.8,
    "axes.labelcolor": SLATE,
    "axes.labelsize": 10.5,
    "axes.titlesize": 12,
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
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 10,
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


def _ticks(ax: Axes, periods: Sequence[Any], period: str, *, every: int | None = None) -> None:
    """Period tick labels (every `every`-th), the year under the first label of each year."""
    x = np.arange(len(periods))
    step = every or max(1, -(-len(periods) // 13))
    labels = []
    year = None
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
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))


def _percent_axis(ax: Axes, low: float, high: float) -> None:
    span = max(high - low, 0.02)
    # A little room past 100 % so a limit at 100 % is drawn inside the frame, not on it.
    low, high = max(0.0, low - 0.12 * span), min(1.0 + 0.03 * span, high + 0.12 * span)
    ax.set_ylim(low, high)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if high - low > 0.06 else 1))


# --------------------------------------------------------------------------- control charts


@_styled
def control_chart(chart: PChart, period: str, *, raster: bool = True) -> Diagram:
    """A p-chart: points, centre line, 3-sigma limits stepping with each period's n, flags marked."""
    points = chart.points
    fig = _figure(10, 4.4)
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
            (chart.baseline_periods - 1) / 2, 0.02, "baseline: sets the centre line",
            transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=9,
            color=SLATE_2,
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
    low = float(min(p.min(), lcl.min()))
    high = float(max(p.max(), ucl.max()))
    _percent_axis(ax, low, high)
    bottom, top = ax.get_ylim()
    if len(runs) > 1:  # several runs: one note naming every rule, instead of crowded labels
        flagged_points = [pt for run in runs for pt in run]
        ax.text(
            0.99, 0.97, f"flagged: {rules_text(flagged_points)}", transform=ax.transAxes,
            ha="right", va="top", fontsize=9.5, color=ACCENT, fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
        )  # fmt: skip
    for run in runs[:1] if len(runs) == 1 else []:
        # The rule that flagged the run, inside its shaded band: in the gap between the points
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
        ax.text(
            (first + last) / 2, y, f"flagged: {_wrap(rules_text(run), 24)}", transform=where,
            ha="center", va=va, fontsize=9.5, color=ACCENT, fontweight="bold",
        )  # fmt: skip
    ax.text(len(points) - 0.45, ucl[-1], " UCL", va="center", fontsize=9, color=SLATE_2,
            clip_on=False)  # fmt: skip
    ax.text(len(points) - 0.45, lcl[-1], " LCL", va="center", fontsize=9, color=SLATE_2,
            clip_on=False)  # fmt: skip
    ax.text(len(points) - 0.45, chart.centre, " CL", va="center", fontsize=9, color=SLATE,
            clip_on=False)  # fmt: skip
    _ticks(ax, [pt.period for pt in points], period)
    ax.set_ylabel("Items passing")
    handles = [
        Line2D([], [], color=NAVY, lw=1.8, marker="o", ms=5.5, label=f"Accuracy per {period}"),
        Line2D([], [], color=SLATE, lw=1.3, label=f"Centre line {pct(chart.centre)}"),
        Line2D([], [], color=SLATE_2, lw=1.3, ls=(0, (5, 3)), label="3\u03c3 control limits"),
        Line2D([], [], ls="none", marker="o", ms=10, mfc=ACCENT, mec="white",
               label="Flagged by a run rule"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncols=4)
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
    """Accuracy of every check by period with 95 % Wilson intervals, one small panel per check."""
    metrics = [c.metric for c in charts]
    cols = 4 if len(metrics) > 4 else max(len(metrics), 1)
    rows_n = -(-(len(metrics) + 1) // cols)
    fig = _figure(11, 2.25 * rows_n + 0.5)
    axes = fig.subplots(rows_n, cols, squeeze=False)
    moved = []
    for k, chart in enumerate(charts):
        ax = axes[k // cols][k % cols]
        series = [r for r in rows if r.attribute == chart.metric and r.process_type is None
                  and r.period is not None and r.accuracy is not None]  # fmt: skip
        flagged = {pt.period for pt in chart.points if pt.rules}
        if flagged:
            moved.append(metric_label(chart.metric))
        x = np.arange(len(series))
        acc = np.array([r.accuracy or 0.0 for r in series])
        lo = np.array([r.ci_low or 0.0 for r in series])
        hi = np.array([r.ci_high or 0.0 for r in series])
        colours = [ACCENT if r.period in flagged else NAVY for r in series]
        ax.axhline(chart.centre, color=SLATE_2, lw=1, ls=(0, (4, 3)))
        ax.vlines(x, lo, hi, colors=colours, lw=1.4, gid=f"interval-{chart.metric}")
        ax.scatter(x, acc, c=colours, s=16, zorder=3, linewidths=0, gid=f"accuracy-{chart.metric}")
        ax.set_title(_wrap(metric_label(chart.metric), 30), fontsize=10.5,
                     color=ACCENT if flagged else NAVY)  # fmt: skip
        if len(series):
            _percent_axis(ax, float(lo.min()), float(hi.max()))
            _ticks(ax, [r.period for r in series], period, every=max(1, -(-len(series) // 4)))
        ax.tick_params(labelsize=8.5)
    legend_ax = axes[-1][-1]
    for k in range(len(charts), rows_n * cols):
        axes[k // cols][k % cols].set_axis_off()
    legend_ax.legend(
        handles=[
            Line2D([], [], color=NAVY, marker="o", ms=4, lw=1.4, label=f"Accuracy per {period}\n"
                   "with 95% Wilson interval"),
            Line2D([], [], color=ACCENT, marker="o", ms=4, lw=1.4, label=f"Flagged {period}"),
            Line2D([], [], color=SLATE_2, lw=1, ls=(0, (4, 3)), label="Control-chart centre line"),
        ],
        loc="center", fontsize=9.5,
    )  # fmt: skip
    steady = len(charts) - len(moved)
    if moved:
        finding = (
            f"{join(moved)} moved outside {'its' if len(moved) == 1 else 'their'} control limits; "
            f"the other {plural(steady, 'check')} stayed within them."
        )
    else:
        finding = f"All {plural(len(charts), 'check')} stayed within their control limits."
    alt = f"Accuracy per {period} with 95% confidence intervals for every check. {finding}"
    return finish(fig, "accuracy-by-period", "Accuracy of every check", alt, raster=raster)


# --------------------------------------------------------------------------- Pareto


@_styled
def pareto_chart(
    name: str,
    title: str,
    items: Sequence[tuple[str, int]],
    *,
    unit: str,
    what: str,
    top: int = 10,
    rest_bar: bool = True,
    names: dict[str, str] | None = None,
    raster: bool = True,
) -> Diagram:
    """Bars in falling order with the cumulative share of all `unit`s as a line.

    Beyond `top` keys, the rest is one 'other' bar, or (`rest_bar=False`, for a
    long tail of singletons that would dwarf the bars) a note, the line still
    measuring shares of the whole.
    """
    ordered = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    total = sum(v for _, v in ordered)
    shown = ordered[:top]
    rest = ordered[top:]
    labels = [code_label(k, names) for k, _ in shown]
    values = [v for _, v in shown]
    if rest and rest_bar:
        labels.append(plural(len(rest), f"other {what}"))
        values.append(sum(v for _, v in rest))
    fig = _figure(10, 4.6)
    ax = fig.add_subplot()
    ax.set_title(title)
    if not total:
        ax.text(0.5, 0.5, f"No {unit}s in this range", ha="center", transform=ax.transAxes)
        return finish(fig, name, title, f"{title}: no {unit}s in this range.", raster=raster)
    x = np.arange(len(values))
    colours = [NAVY] * len(shown) + [PALE_SLATE] * (len(values) - len(shown))
    bars = ax.bar(x, values, color=colours, width=0.66, zorder=2, gid="bars")
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=2, fontsize=9.5, color=NAVY)
    width = max(8, min(16, int(95 / max(len(values), 1))))
    ax.set_xticks(x, [_wrap(t, width) for t in labels], fontsize=9 if len(values) > 7 else 10)
    ax.tick_params(axis="x", length=0)
    ax.set_ylabel(f"{unit.capitalize()}s")
    ax.set_ylim(0, max(values) * 1.15)
    ax.set_xlim(-0.6, len(values) - 0.4)
    share = ax.twinx()
    share.spines["right"].set_visible(True)
    share.grid(False)
    cumulative = np.cumsum(values) / total
    share.plot(x, cumulative, color=ACCENT, marker="o", ms=4.5, lw=1.6, zorder=3, gid="cumulative")
    share.axhline(0.8, color=ACCENT, lw=0.8, ls=(0, (2, 3)))
    share.set_ylim(0, 1.05)
    share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    share.set_ylabel("Cumulative share", color=ACCENT)
    share.tick_params(axis="y", colors=ACCENT)
    if rest and not rest_bar:
        ax.text(
            0.99, 0.97, f"Not shown: {plural(len(rest), 'other ' + what)} with "
            f"{plural(sum(v for _, v in rest), unit)}", transform=ax.transAxes, ha="right",
            va="top", fontsize=9.5, color=SLATE,
        )  # fmt: skip
    fig.legend(
        handles=[
            Patch(color=NAVY, label=f"{unit.capitalize()}s per {what}"),
            Line2D([], [], color=ACCENT, marker="o", ms=4.5, lw=1.6, label="Cumulative share"),
            Line2D([], [], color=ACCENT, lw=0.8, ls=(0, (2, 3)), label="80% line"),
        ],
        loc="outside lower center", ncols=3,
    )  # fmt: skip
    lead_key, lead_value = code_label(ordered[0][0], names), ordered[0][1]
    reach = int(np.searchsorted(np.cumsum([v for _, v in ordered]) / total, 0.8 - 1e-9)) + 1
    alt = (
        f"{lead_key} is the most frequent {what}, {lead_value:,} of {total:,} {unit}s "
        f"({pct(lead_value / total, 0)}); {plural(reach, what)} of {len(ordered)} account for "
        "80% of them."
    )
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
    rows: Sequence[Portfolio], *, max_owners: int = 10, raster: bool = True
) -> Diagram:
    """Corrective actions by owner, stacked by state: overdue first, verified last."""
    owners = sorted((r for r in rows if not r.total), key=lambda r: (-r.actions, r.owner or ""))
    total = next((r for r in rows if r.total), None)
    if len(owners) > max_owners:  # the long tail of one-action owners as one bar
        owners = [*owners[: max_owners - 1], _merged(owners[max_owners - 1 :])]
    fig = _figure(10, max(3.2, 0.36 * len(owners) + 1.6))
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
        ax.barh(y, values, left=left, color=colour, height=0.62, edgecolor="white", lw=0.8)
        left += values
    for yi, r in zip(y, owners, strict=True):
        note = f"{r.actions}" + (f"  ({r.ineffective} ineffective)" if r.ineffective else "")
        ax.text(r.actions + 0.1, yi, note, va="center", fontsize=9.5,
                color=ACCENT if r.ineffective else SLATE)  # fmt: skip
    ax.set_yticks(y, [_wrap(r.owner or "No owner", 34) for r in owners], fontsize=9.5)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Corrective actions")
    ax.set_xlim(0, max((r.actions for r in owners), default=1) * 1.12 + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(handles=used, loc="outside lower center", ncols=min(4, max(len(used), 1)),
               fontsize=9.5)  # fmt: skip
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

CLOCK_COLOURS = {"detect": NAVY, "escalate": PALE_NAVY, "respond": SLATE_2, "resolve": PALE_SLATE}


@_styled
def breach_chart(
    clocks: Sequence[ClockSummary], labels: dict[str, str] | None = None, *, raster: bool = True
) -> Diagram:
    """Service-level breach rate of each clock by process type (and over all), with k of n."""
    rows = [c for c in clocks if c.period is None and c.with_target]
    groups = sorted({c.process_type for c in rows if c.process_type is not None})
    keys: list[str | None] = [None, *groups]
    metrics = [m for m in CLOCK_LABELS if any(c.metric == m for c in rows)]
    fig = _figure(10, 4.6)
    ax = fig.add_subplot()
    ax.set_title("Service-level breaches by process type")
    width = 0.8 / max(len(metrics), 1)
    for j, metric in enumerate(metrics):
        for i, key in enumerate(keys):
            found = next((c for c in rows if c.metric == metric and c.process_type == key), None)
            if found is None:
                continue
            xi = i + (j - (len(metrics) - 1) / 2) * width
            rate = found.breach_rate or 0.0
            ax.bar(xi, rate, width * 0.92, color=CLOCK_COLOURS[metric], zorder=2)
            ax.text(xi, rate + 0.02, f"{found.breached}/{found.with_target}", ha="center",
                    va="bottom", fontsize=8.5, color=ACCENT if found.breached else SLATE)  # fmt: skip
    names = ["All cases"] + [code_label(g, labels) for g in groups]
    ax.set_xticks(np.arange(len(keys)), [_wrap(n, 16) for n in names], fontsize=9.5)
    ax.tick_params(axis="x", length=0)
    if len(keys) > 1:
        ax.axvline(0.5, color=RULE, lw=1)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("Cases breaching the target")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    fig.legend(
        handles=[Patch(color=CLOCK_COLOURS[m], label=CLOCK_LABELS[m]) for m in metrics],
        loc="outside lower center", ncols=4,
    )  # fmt: skip
    overall = [c for c in rows if c.process_type is None]
    if overall:
        worst = max(overall, key=lambda c: (c.breach_rate or 0.0, c.breached))
        parts = [f"{CLOCK_LABELS[c.metric].lower()} {c.breached} of {c.with_target}"
                 for c in overall]  # fmt: skip
        alt = (
            f"Service-level breaches across cases: {join(parts)}. The most breached clock is "
            f"{CLOCK_LABELS[worst.metric].lower()} ({pct(worst.breach_rate, 0)})."
        )
    else:
        alt = "No clock with a service-level target was measured."
    return finish(fig, "clock-breaches", "Service-level breaches by process type", alt,
                  raster=raster)  # fmt: skip


# --------------------------------------------------------------------------- calibration


@_styled
def agreement_chart(rows: Sequence[Agreement], *, raster: bool = True) -> Diagram:
    """Agreement per attribute (alpha, Fleiss and Cohen kappa) with raw agreement and the threshold."""
    fig = _figure(10, max(3.4, 0.62 * len(rows) + 1.5))
    ax = fig.add_subplot()
    ax.set_title("Reviewer agreement per check (calibration)")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    y = np.arange(len(rows))[::-1].astype(float)
    series: tuple[tuple[str, str, Callable[[Agreement], float | None]], ...] = (
        ("Krippendorff's \u03b1", NAVY, lambda a: a.krippendorff_alpha),
        ("Fleiss' κ", PALE_NAVY, lambda a: a.fleiss_kappa),
        ("Cohen's κ (mean of pairs)", PALE_SLATE, lambda a: a.cohen_kappa),
    )
    h = 0.24
    for k, (label, colour, value) in enumerate(series):
        values = [value(a) for a in rows]
        ax.barh(y + (1 - k) * h, [v if v is not None else 0 for v in values], h * 0.9,
                color=colour, label=label, zorder=2)  # fmt: skip
    raw = [a.percent_agreement for a in rows]
    ax.plot([r if r is not None else np.nan for r in raw], y, ls="none", marker="D", ms=7,
            color=ACCENT_WASH, mec=NAVY, mew=1.2, zorder=4, label="Raw agreement")  # fmt: skip
    threshold = rows[0].threshold if rows else 0.667
    ax.axvline(threshold, color=ACCENT, lw=1.4, ls=(0, (5, 3)), zorder=3, gid="threshold")
    ax.text(threshold, len(rows) - 0.45, f" trust threshold \u03b1 ≥ {threshold:.3f}", color=ACCENT,
            fontsize=9.5, va="bottom")  # fmt: skip
    ticks = []
    for a in rows:
        fail = a.prevalence.get("fail")
        prevalence = f"fail in {pct(fail, 0)} of ratings" if fail is not None else ""
        ticks.append(f"{metric_label(a.attribute)}\n{prevalence}")
    ax.set_yticks(y, ticks, fontsize=9.5)
    for tick, a in zip(ax.get_yticklabels(), rows, strict=True):
        if a.trusted is False:
            tick.set_color(ACCENT)
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    low = min([0.0, *(v for a in rows for v in (a.krippendorff_alpha, a.fleiss_kappa,
                                                   a.cohen_kappa) if v is not None)])  # fmt: skip
    ax.set_xlim(low - 0.02, 1.02)
    ax.set_ylim(-0.6, len(rows) - 0.1)
    ax.set_xlabel("Agreement (1 = perfect; 0 = no better than chance)")
    fig.legend(loc="outside lower center", ncols=4, fontsize=9.5)
    weak = [a for a in rows if a.trusted is False]
    unknown = [a for a in rows if a.trusted is None]
    if not rows:
        alt = "No calibration set: reviewer agreement was not measured."
    elif weak:
        parts = [
            f"{metric_label(a.attribute)} (\u03b1 {number(a.krippendorff_alpha)} < {threshold:.2f}, "
            f"raw agreement {pct(a.percent_agreement, 0)})"
            for a in weak
        ]
        alt = (
            f"Reviewers agree well enough to trust the trend on {len(rows) - len(weak)} of "
            f"{len(rows)} checks; agreement is too low on {join(parts)}, so "
            f"{'its' if len(weak) == 1 else 'their'} trend cannot be trusted."
        )
    else:
        alt = f"Reviewers agree well enough to trust the trend on all {len(rows)} checks."
    if unknown:
        alt += f" Not measurable: {join([metric_label(a.attribute) for a in unknown])}."
    return finish(fig, "agreement", "Reviewer agreement per check", alt, raster=raster)
