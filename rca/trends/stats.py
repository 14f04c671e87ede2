"""Proportions over time: Wilson score intervals, p-charts, and run rules that flag periods.

A p-chart here plots the share of assessed items that passed a check, one point
per period. The centre line is frozen from a baseline (Phase I): by default the
first half of the periods, revised by dropping baseline periods beyond 3 sigma,
so that a later shift shows up against the level it departed from instead of
dragging the centre line towards itself. Limits are 3 sigma for each period's
own n: sigma_i = sqrt(p_bar * (1 - p_bar) / n_i). Run rules work on the
standardised distance z_i = (p_i - p_bar) / sigma_i, the usual treatment of
zones when n varies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rca.errors import UsageError

Rule = Literal[
    "beyond_3sigma",
    "two_of_three_beyond_2sigma",
    "four_of_five_beyond_1sigma",
    "eight_on_one_side",
]
ALL_RULES: tuple[Rule, ...] = (
    "beyond_3sigma",
    "two_of_three_beyond_2sigma",
    "four_of_five_beyond_1sigma",
    "eight_on_one_side",
)
# Western Electric rules 1, 2 and 4. Rule 3 (4 of 5 beyond 1 sigma) is left out
# by default: with a dozen monthly charts it raises more false alarms than the
# shifts it catches earlier are worth. Pass rules=ALL_RULES to use it.
DEFAULT_RULES: tuple[Rule, ...] = (
    "beyond_3sigma",
    "two_of_three_beyond_2sigma",
    "eight_on_one_side",
)
RULE_TEXT: dict[Rule, str] = {
    "beyond_3sigma": "a point beyond the 3-sigma limits",
    "two_of_three_beyond_2sigma": "2 of 3 points beyond 2 sigma on one side",
    "four_of_five_beyond_1sigma": "4 of 5 points beyond 1 sigma on one side",
    "eight_on_one_side": "8 points in a row on one side of the centre line",
}


def rule_chance(rule: Rule) -> float:
    """How often noise alone makes one period trigger `rule`, either side (the false-alarm rate).

    From the normal model the limits rest on: beyond 3 sigma 0.27 %; 2 of 3
    beyond 2 sigma on one side 0.31 %; 4 of 5 beyond 1 sigma on one side
    0.55 %; the 8th point in a row on one side 0.78 % (2 x 1/2^8).
    """
    normal = NormalDist()
    if rule == "beyond_3sigma":
        return 2 * (1 - normal.cdf(3))
    if rule == "two_of_three_beyond_2sigma":
        return 2 * _at_least(2, 3, 1 - normal.cdf(2))
    if rule == "four_of_five_beyond_1sigma":
        return 2 * _at_least(4, 5, 1 - normal.cdf(1))
    if rule == "eight_on_one_side":
        return 2 * 0.5**8
    raise UsageError(f"unknown run rule {rule}")


def _at_least(k: int, m: int, p: float) -> float:
    from math import comb

    return sum(comb(m, j) * p**j * (1 - p) ** (m - j) for j in range(k, m + 1))


# Rule of thumb for the normal approximation of a p-chart: n * p * (1 - p) large enough
# that the rarer outcome is expected at least 5 times a period.
SPARSE_EXPECTED = 5

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level (0.95 -> 1.96)."""
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for successes out of n, element-wise; NaN where n is 0."""
    x = np.asarray(successes, dtype=np.float64)
    total = np.asarray(n, dtype=np.float64)
    z = z_value(confidence)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / total
        denom = 1 + z2 / total
        centre = (p + z2 / (2 * total)) / denom
        half = z * np.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denom
    empty = total <= 0
    low = np.where(empty, np.nan, np.clip(centre - half, 0.0, 1.0))
    high = np.where(empty, np.nan, np.clip(centre + half, 0.0, 1.0))
    return low, high


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for one proportion; (nan, nan) when n is 0."""
    low, high = wilson_interval([successes], [n], confidence)
    return float(low[0]), float(high[0])


# --------------------------------------------------------------------------- p-chart


@dataclass(frozen=True)
class ChartPoint:
    """One period of a p-chart: its proportion, limits, and the rules that flag it."""

    period: date
    n: int
    successes: int
    p: float
    lcl: float  # 3-sigma limits for this period's n, clipped to [0, 1]
    ucl: float
    sigma: float
    z: float  # (p - centre) / sigma
    baseline: bool  # the period is part of the baseline
    excluded: bool  # a baseline period dropped from the centre line as out of control
    rules: tuple[Rule, ...]  # the run rules this period triggers

    @property
    def flagged(self) -> bool:
        """Whether any rule flags this period."""
        return bool(self.rules)

    @property
    def side(self) -> Literal["above", "below", "centre"]:
        """Which side of the centre line the point lies on."""
        return "above" if self.z > 0 else "below" if self.z < 0 else "centre"


@dataclass(frozen=True)
class PChart:
    """A p-chart of one metric: centre line, per-period limits, flags."""

    metric: str
    centre: float
    baseline_periods: int  # leading periods the centre line was computed from
    rules: tuple[Rule, ...]
    points: list[ChartPoint]
    sparse_periods: int = 0  # periods expecting fewer than SPARSE_EXPECTED of the rarer outcome

    @property
    def note(self) -> str | None:
        """A caution when the normal approximation behind the limits is poor."""
        if not self.sparse_periods:
            return None
        return (
            f"{self.sparse_periods} of {len(self.points)} periods expect fewer than "
            f"{SPARSE_EXPECTED} {'failures' if self.centre > 0.5 else 'passes'}: the limits "
            "and run rules raise more false alarms there; a longer period is more reliable"
        )

    @property
    def flagged(self) -> list[ChartPoint]:
        """The periods that at least one rule flags."""
        return [p for p in self.points if p.rules]


def p_chart(
    metric: str,
    periods: Sequence[date],
    n: ArrayLike,
    successes: ArrayLike,
    *,
    baseline: int | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> PChart:
    """A p-chart over periods in time order, with run-rule flags per period.

    `baseline` is the number of leading periods that set the centre line
    (default: the first half, or all of them when there are fewer than 8).
    """
    counts = np.asarray(n, dtype=np.float64)
    hits = np.asarray(successes, dtype=np.float64)
    if not (len(periods) == counts.size == hits.size):
        raise UsageError("periods, n and successes must have the same length")
    if np.any(counts <= 0) or np.any(hits < 0) or np.any(hits > counts):
        raise UsageError(f"{metric}: every period needs n > 0 and 0 <= successes <= n")
    unknown = [r for r in rules if r not in ALL_RULES]
    if unknown:
        raise UsageError(f"unknown run rule(s) {', '.join(unknown)}; known: {', '.join(ALL_RULES)}")
    size = counts.size
    if size == 0:
        return PChart(metric, float("nan"), 0, tuple(rules), [])
    if baseline is None:
        baseline = size // 2 if size >= 8 else size
    baseline = max(1, min(baseline, size))

    p = hits / counts
    in_base = np.arange(size) < baseline
    used = in_base.copy()
    centre = _centre(hits, counts, used)
    for _ in range(baseline):  # revise the trial limits until no baseline point is beyond 3 sigma
        z = _z(p, counts, centre)
        keep = in_base & ~(np.abs(z) > 3)
        if np.array_equal(keep, used) or not keep.any():
            break
        used = keep
        centre = _centre(hits, counts, used)

    sigma = np.sqrt(centre * (1 - centre) / counts)
    z = _z(p, counts, centre)
    flags = run_rules(z, rules)
    lcl = np.clip(centre - 3 * sigma, 0.0, 1.0)
    ucl = np.clip(centre + 3 * sigma, 0.0, 1.0)
    points = [
        ChartPoint(
            period=periods[i],
            n=int(counts[i]),
            successes=int(hits[i]),
            p=float(p[i]),
            lcl=float(lcl[i]),
            ucl=float(ucl[i]),
            sigma=float(sigma[i]),
            z=float(z[i]),
            baseline=bool(in_base[i]),
            excluded=bool(in_base[i] and not used[i]),
            rules=tuple(r for r in rules if flags[r][i]),
        )
        for i in range(size)
    ]
    sparse = int((counts * min(centre, 1 - centre) < SPARSE_EXPECTED).sum())
    return PChart(metric, float(centre), baseline, tuple(rules), points, sparse)


def _centre(hits: FloatArray, counts: FloatArray, used: BoolArray) -> float:
    return float(hits[used].sum() / counts[used].sum())


def _z(p: FloatArray, counts: FloatArray, centre: float) -> FloatArray:
    sigma = np.sqrt(centre * (1 - centre) / counts)
    diff = p - centre
    with np.errstate(divide="ignore", invalid="ignore"):
        # A centre of 0 or 1 has no spread: any departure from it is infinitely unusual.
        return np.where(sigma > 0, diff / sigma, np.sign(diff) * np.inf)


# --------------------------------------------------------------------------- run rules


def run_rules(z: ArrayLike, rules: Sequence[Rule] = ALL_RULES) -> dict[Rule, BoolArray]:
    """For each rule, which points (in time order) it flags, from standardised distances z.

    A pattern rule flags the point that completes it, and only when that point
    is itself part of the pattern (so a quiet point after two wild ones is not
    blamed). Windows at the start of the series count the points there are.
    """
    zs = np.asarray(z, dtype=np.float64)
    out: dict[Rule, BoolArray] = {}
    for rule in rules:
        if rule == "beyond_3sigma":
            out[rule] = np.abs(zs) > 3
        elif rule == "two_of_three_beyond_2sigma":
            out[rule] = _k_of_m(zs, limit=2, k=2, m=3)
        elif rule == "four_of_five_beyond_1sigma":
            out[rule] = _k_of_m(zs, limit=1, k=4, m=5)
        elif rule == "eight_on_one_side":
            out[rule] = _run_on_one_side(zs) >= 8
        else:
            raise UsageError(f"unknown run rule {rule}")
    return out


def _k_of_m(z: FloatArray, *, limit: float, k: int, m: int) -> BoolArray:
    flagged = np.zeros(z.size, dtype=np.bool_)
    for sign in (1.0, -1.0):
        beyond = sign * z > limit
        counts = _window_sum(beyond.astype(np.int64), m)
        flagged |= beyond & (counts >= k)
    return flagged


def _window_sum(values: NDArray[np.int64], width: int) -> NDArray[np.int64]:
    """Sum of each value and the width - 1 before it (fewer at the start)."""
    total: NDArray[np.int64] = np.cumsum(values)
    shifted: NDArray[np.int64] = np.concatenate([np.zeros(width, dtype=np.int64), total])[
        : total.size
    ]
    return total - shifted


def _run_on_one_side(z: FloatArray) -> NDArray[np.int64]:
    """Length of the run of same-side points ending at each point (0 on the centre line)."""
    side = np.sign(z)
    idx = np.arange(z.size)
    starts = np.ones(z.size, dtype=np.bool_)
    starts[1:] = side[1:] != side[:-1]
    start_of_run = np.maximum.accumulate(np.where(starts, idx, 0))
    length = idx - start_of_run + 1
    return np.where(side == 0, 0, length).astype(np.int64)
