"""The QA aggregation, as SQL run in DuckDB: accuracy, error Pareto, p-chart inputs.

Each query has a `*_sql` builder (plain SQL text with `?` parameters, close to
standard SQL so a team's warehouse can run it too) and a runner that returns
plain dataclasses a chart or a table can consume. Python only touches the
aggregated rows; the per-item work happens in the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from rca.errors import UsageError
from rca.trends.qa import ITEM_METRIC, QaTable, quote
from rca.trends.stats import DEFAULT_RULES, PChart, Rule, p_chart, wilson_interval

Period = Literal["month", "week", "quarter"]
PERIODS: tuple[Period, ...] = ("month", "week", "quarter")
Dimension = Literal["process_type", "period"]
ParetoBy = Literal["process_type", "period", "severity"]
GROUPINGS: dict[str, tuple[tuple[Dimension, ...], ...]] = {
    # every breakdown of the report in one pass over the table
    "all": (("process_type", "period"), ("period",), ("process_type",), ()),
    "chart": (("period",),),
}


@dataclass(frozen=True)
class Scope:
    """Which items a query looks at: handled_on within [since, until], grouped by period."""

    period: Period = "month"
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise UsageError(f"period must be one of {', '.join(PERIODS)}; got {self.period!r}")
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"--since {self.since} is after --until {self.until}")

    def where(self) -> str:
        """A WHERE clause (or nothing) with one `?` per bound."""
        parts = []
        if self.since is not None:
            parts.append("handled_on >= ?")
        if self.until is not None:
            parts.append("handled_on <= ?")
        return f" WHERE {' AND '.join(parts)}" if parts else ""

    def params(self) -> list[date]:
        """The values for `where()`'s parameters, in order."""
        return [d for d in (self.since, self.until) if d is not None]

    def period_sql(self) -> str:
        """The start of each item's period, as a DATE."""
        return f"CAST(date_trunc('{self.period}', handled_on) AS DATE)"


# --------------------------------------------------------------------------- accuracy


@dataclass(frozen=True)
class Accuracy:
    """Share of assessed items that passed an attribute, with a Wilson interval."""

    attribute: str  # an attribute, or ITEM_METRIC for items with no failed attribute
    process_type: str | None  # None: every process type
    period: date | None  # first day of the period; None: the whole range
    n: int  # items the attribute applied to (always > 0)
    passed: int
    accuracy: float | None
    ci_low: float | None
    ci_high: float | None


def _fails(attribute: str) -> str:
    # NULL (not applicable) is not a failure.
    return f"coalesce({quote(attribute)} = false, false)"


def accuracy_sql(table: str, attributes: Sequence[str], scope: Scope, grouping: str = "all") -> str:
    """Counts of applicable and passed items per attribute, for each grouping set."""
    sets = GROUPINGS[grouping]
    applies = " OR ".join(f"{quote(a)} IS NOT NULL" for a in attributes)
    any_fail = " OR ".join(_fails(a) for a in attributes)
    sums = [
        f"count({quote(a)}) AS n_{i}, sum(CASE WHEN {quote(a)} THEN 1 ELSE 0 END) AS pass_{i}"
        for i, a in enumerate(attributes)
    ]
    sums.append(
        f"sum(CASE WHEN {applies} THEN 1 ELSE 0 END) AS n_item, "
        f"sum(CASE WHEN ({applies}) AND NOT ({any_fail}) THEN 1 ELSE 0 END) AS pass_item"
    )
    grouping_sets = ", ".join("(" + ", ".join(s) + ")" for s in sets)
    values = ", ".join(
        f"('{a.replace(chr(39), chr(39) * 2)}', {i}, n_{i}, pass_{i})"
        for i, a in enumerate(attributes)
    )
    values += f", ('{ITEM_METRIC}', {len(attributes)}, n_item, pass_item)"
    has_process = any("process_type" in s for s in sets)
    process = "process_type" if has_process else "CAST(NULL AS VARCHAR)"
    return (
        "WITH scoped AS (SELECT process_type, "
        f"{scope.period_sql()} AS period, "
        + ", ".join(quote(a) for a in attributes)
        + f" FROM {quote(table)}{scope.where()}), "
        f"agg AS (SELECT {process} AS process_type, period, {', '.join(sums)} "
        f"FROM scoped GROUP BY GROUPING SETS ({grouping_sets})) "
        "SELECT v.attribute, agg.process_type, agg.period, v.n, v.passed "
        "FROM agg CROSS JOIN LATERAL (VALUES "
        f"{values}) AS v(attribute, ord, n, passed) "
        "WHERE v.n > 0 "  # an attribute that never applies to a process type has no row
        "ORDER BY v.ord, agg.process_type NULLS FIRST, agg.period NULLS FIRST"
    )


def accuracy(
    qa: QaTable, scope: Scope | None = None, *, confidence: float = 0.95, grouping: str = "all"
) -> list[Accuracy]:
    """Accuracy per attribute by process type and period, plus every total, with intervals."""
    scope = scope or Scope()
    rows = qa.con.execute(
        accuracy_sql(qa.name, qa.attributes, scope, grouping), scope.params()
    ).fetchall()
    n = np.array([r[3] for r in rows], dtype=np.float64)
    passed = np.array([r[4] or 0 for r in rows], dtype=np.float64)
    low, high = wilson_interval(passed, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = passed / n
    return [
        Accuracy(
            attribute=r[0],
            process_type=r[1],
            period=r[2],
            n=int(r[3]),
            passed=int(r[4] or 0),
            accuracy=_opt(share[i]),
            ci_low=_opt(low[i]),
            ci_high=_opt(high[i]),
        )
        for i, r in enumerate(rows)
    ]


def _opt(value: Any) -> float | None:
    number = float(value)
    return None if np.isnan(number) else number


def handled_span(qa: QaTable, scope: Scope | None = None) -> tuple[date, date] | None:
    """The first and last day an item in scope was handled: the period the data really covers."""
    scope = scope or Scope()
    row = qa.con.execute(
        f"SELECT min(handled_on), max(handled_on) FROM {quote(qa.name)}{scope.where()}",
        scope.params(),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


# --------------------------------------------------------------------------- control charts


def control_charts(
    qa: QaTable,
    scope: Scope | None = None,
    *,
    baseline: int | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> list[PChart]:
    """A p-chart per attribute (and for whole items) over every process type, by period."""
    rows = accuracy(qa, scope, grouping="chart")
    charts = []
    for metric in (*qa.attributes, ITEM_METRIC):
        series = [r for r in rows if r.attribute == metric and r.period is not None and r.n > 0]
        charts.append(
            p_chart(
                metric,
                [r.period for r in series if r.period is not None],
                [r.n for r in series],
                [r.passed for r in series],
                baseline=baseline,
                rules=rules,
            )
        )
    return charts


# --------------------------------------------------------------------------- error Pareto


@dataclass(frozen=True)
class ParetoRow:
    """One bar of a Pareto chart: a key's count, its share and the running share."""

    group: str | None  # the value of the `by` dimension (a period as YYYY-MM-DD); None: all
    key: str
    count: int
    share: float  # of the group's total count
    cumulative_share: float  # this bar and every larger one
    items: int  # items assessed in the group (every item, for a severity group)
    rate: float  # count / items


def error_pareto_sql(table: str, scope: Scope, by: ParetoBy | None = None) -> str:
    """Error types ranked by count, per group, with shares and the items assessed."""
    group = {
        None: "'*'",
        "process_type": "process_type",
        "period": f"CAST({scope.period_sql()} AS VARCHAR)",
        "severity": "severity",
    }.get(by)
    if group is None:
        raise UsageError(f"cannot group a Pareto by {by!r}; use process_type, period or severity")
    # Severity belongs to errors, not items: its rate is per item assessed in scope.
    item_group = "'*'" if by == "severity" else group
    return (
        f"WITH scoped AS (SELECT {group} AS grp, {item_group} AS item_grp, error_type "
        f"FROM {quote(table)}{scope.where()}), "
        "totals AS (SELECT item_grp, count(*) AS items FROM scoped GROUP BY item_grp), "
        "counts AS (SELECT grp, item_grp, error_type, count(*) AS errors FROM scoped "
        "WHERE error_type IS NOT NULL GROUP BY grp, item_grp, error_type) "
        "SELECT grp, error_type, errors, "
        "CAST(errors AS DOUBLE) / sum(errors) OVER (PARTITION BY grp) AS share, "
        "CAST(sum(errors) OVER (PARTITION BY grp ORDER BY errors DESC, error_type "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE) "
        "/ sum(errors) OVER (PARTITION BY grp) AS cumulative, items "
        "FROM counts JOIN totals USING (item_grp) "
        "ORDER BY grp, errors DESC, error_type"
    )


def error_pareto(
    qa: QaTable, scope: Scope | None = None, by: ParetoBy | None = None
) -> list[ParetoRow]:
    """Error types ranked by how often they occur (within each group when `by` is given)."""
    scope = scope or Scope()
    rows = qa.con.execute(error_pareto_sql(qa.name, scope, by), scope.params()).fetchall()
    return [
        ParetoRow(
            group=None if by is None else r[0],
            key=r[1],
            count=int(r[2]),
            share=float(r[3]),
            cumulative_share=float(r[4]),
            items=int(r[5]),
            rate=int(r[2]) / int(r[5]),
        )
        for r in rows
    ]
