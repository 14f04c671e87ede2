"""The QA aggregation SQL against a plain recount of the generated columns."""

from __future__ import annotations

from collections import Counter
from datetime import date

import duckdb
import numpy as np
import pytest

from rca.errors import UsageError
from rca.trends.generate import generate_assessments
from rca.trends.qa import ITEM_METRIC, QaTable, read_qa_columns
from rca.trends.queries import (
    Scope,
    accuracy,
    accuracy_sql,
    control_charts,
    error_pareto,
    error_pareto_sql,
)
from rca.trends.stats import wilson

Columns = dict[str, np.ndarray]


@pytest.fixture(scope="module")
def columns() -> Columns:
    return generate_assessments(1500, seed=11)


@pytest.fixture(scope="module")
def table(columns: Columns) -> QaTable:
    return read_qa_columns(columns, con=duckdb.connect())


def recount(columns: Columns, attribute: str, mask: np.ndarray) -> tuple[int, int]:
    values = columns[attribute][mask]
    return int((values != "na").sum()), int((values == "pass").sum())


def test_accuracy_matches_a_plain_recount(columns: Columns, table: QaTable) -> None:
    rows = accuracy(table)
    months = np.array([d[:7] for d in columns["handled_on"]])
    everything = np.ones(months.size, dtype=bool)
    checked = 0
    for row in rows:
        if row.attribute == ITEM_METRIC:
            continue
        mask = everything.copy()
        if row.process_type is not None:
            mask &= columns["process_type"] == row.process_type
        if row.period is not None:
            mask &= months == row.period.isoformat()[:7]
        assert (row.n, row.passed) == recount(columns, row.attribute, mask)
        assert (row.ci_low, row.ci_high) == pytest.approx(wilson(row.passed, row.n))
        checked += 1
    # every attribute x (process type or all) x (month or all) that has items
    assert checked == len({(r.attribute, r.process_type, r.period) for r in rows}) - sum(
        r.attribute == ITEM_METRIC for r in rows
    )
    assert {r.period for r in rows if r.period} == {date(2025, m, 1) for m in range(4, 13)} | {
        date(2026, m, 1) for m in range(1, 4)
    }


def test_item_accuracy_counts_items_with_no_failed_attribute(
    columns: Columns, table: QaTable
) -> None:
    attrs = [c for c in columns if c.endswith(("_correct", "_verified", "_complete", "_timely"))]
    results = np.column_stack([columns[a] for a in attrs])
    applies = (results != "na").any(axis=1)
    clean = applies & ~(results == "fail").any(axis=1)
    (total,) = [r for r in accuracy(table) if r.attribute == ITEM_METRIC and r.period is None
                and r.process_type is None]  # fmt: skip
    assert (total.n, total.passed) == (int(applies.sum()), int(clean.sum()))


def test_scope_limits_the_items(columns: Columns, table: QaTable) -> None:
    scope = Scope(since=date(2025, 6, 1), until=date(2025, 6, 30))
    (total,) = [r for r in accuracy(table, scope) if r.attribute == "legal_scope_correct"
                and r.period is None and r.process_type is None]  # fmt: skip
    june = np.char.startswith(columns["handled_on"].astype(str), "2025-06")
    assert (total.n, total.passed) == recount(columns, "legal_scope_correct", june)
    with pytest.raises(UsageError, match="is after"):
        Scope(since=date(2025, 7, 1), until=date(2025, 6, 1))
    with pytest.raises(UsageError, match="period must be one of"):
        Scope(period="fortnight")  # type: ignore[arg-type]


def test_weekly_periods_start_on_mondays(table: QaTable) -> None:
    periods = {r.period for r in accuracy(table, Scope(period="week")) if r.period}
    assert periods and all(p.weekday() == 0 for p in periods)
    assert len(periods) == 53  # 2025-03-31 .. 2026-03-30


def test_error_pareto_ranks_and_accumulates(columns: Columns, table: QaTable) -> None:
    rows = error_pareto(table)
    counts = Counter(e for e in columns["error_type"].tolist() if e)
    assert [(r.key, r.count) for r in rows] == sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0])
    )
    assert rows[-1].cumulative_share == pytest.approx(1.0)
    assert sum(r.share for r in rows) == pytest.approx(1.0)
    assert all(r.items == 1500 and r.rate == r.count / 1500 for r in rows)


def test_error_pareto_by_group(columns: Columns, table: QaTable) -> None:
    by_process = error_pareto(table, by="process_type")
    warrants = [r for r in by_process if r.group == "search_warrant"]
    mask = columns["process_type"] == "search_warrant"
    assert warrants[0].items == int(mask.sum())
    assert sum(r.count for r in warrants) == int((columns["error_type"][mask] != "").sum())
    by_severity = error_pareto(table, by="severity")
    assert {r.group for r in by_severity} == {"recordable", "reportable", "serious"}
    assert all(r.items == 1500 for r in by_severity)
    by_month = error_pareto(table, by="period")
    assert by_month[0].group == "2025-04-01"
    with pytest.raises(UsageError, match="cannot group a Pareto"):
        error_pareto_sql("qa", Scope(), by="reviewer")  # type: ignore[arg-type]


def test_control_charts_cover_every_attribute_and_whole_items(table: QaTable) -> None:
    charts = control_charts(table)
    assert [c.metric for c in charts] == [*table.attributes, ITEM_METRIC]
    assert all(len(c.points) == 12 and c.baseline_periods == 6 for c in charts)


def test_the_sql_is_plain_text_with_placeholders() -> None:
    sql = accuracy_sql("qa", ["a b", 'say "hi"'], Scope(since=date(2025, 1, 1)))
    assert sql.count("?") == 1
    assert '"say ""hi"""' in sql and "GROUPING SETS" in sql
