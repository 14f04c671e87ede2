"""Benchmark: the QA trends over 1,000,000 assessments, aggregated and charted, beside bare DuckDB.

    .venv/bin/python benchmarks/trends_bench.py [--rows 1000000] [--runs 7] [--chart-runs 3]
                                                [--json out/trends_bench.json]

Generates the rows with the example generator (same model, more items) and a
calibration set, writes them to a temporary Parquet file as text (as a CSV
export would arrive), reads them through rca's validating ingest, then times:

- every QA aggregation the trends report needs, through rca.trends.queries
  (SQL + Wilson intervals + p-charts and run rules + dataclasses) and as the
  bare SQL alone in DuckDB, step by step;
- the headline figure: the QA side of `rca trends` as it runs, aggregated
  (`qa_trends`: accuracy, control charts, error Paretos, calibration agreement)
  AND charted (`qa_charts`: a p-chart per check, accuracy by period, the
  error-type Pareto, reviewer agreement; each as SVG and a 144 dpi PNG),
  beside bare DuckDB running the same queries, against the 5 s target.

Medians of --runs runs (--chart-runs for the charted figure), rca and bare
alternating. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from rca.trends.agreement import rating_matrices
from rca.trends.generate import generate_assessments, generate_calibration
from rca.trends.qa import QaData, QaTable, quote, read_qa, read_qa_columns
from rca.trends.queries import (
    Scope,
    accuracy,
    accuracy_sql,
    control_charts,
    error_pareto,
    error_pareto_sql,
)
from rca.trends.report import qa_charts
from rca.trends.summary import qa_trends

TARGET_S = 5.0


def paired(
    a: Callable[[], Any], b: Callable[[], Any], runs: int
) -> tuple[list[float], list[float]]:
    """Times of a and b over `runs` rounds, alternating which goes first (drift hits both)."""
    times_a, times_b = [], []
    for i in range(runs):
        for fn, times in (
            ((a, times_a), (b, times_b)) if i % 2 == 0 else ((b, times_b), (a, times_a))
        ):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return times_a, times_b


def steps(table: QaTable) -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
    """(name, through rca, bare SQL) for every QA aggregation of the report."""
    con, name, attrs = table.con, table.name, table.attributes
    out = []
    for period in ("month", "week"):
        scope = Scope(period=period)  # type: ignore[arg-type]
        out.append(
            (
                f"accuracy by attribute x process x {period} (+ totals)",
                lambda s=scope: accuracy(table, s),
                lambda s=scope: con.execute(accuracy_sql(name, attrs, s), s.params()).fetchall(),
            )
        )
        out.append(
            (
                f"p-charts per attribute by {period} (+ run rules)",
                lambda s=scope: control_charts(table, s),
                lambda s=scope: con.execute(
                    accuracy_sql(name, attrs, s, "chart"), s.params()
                ).fetchall(),
            )
        )
    for by in (None, "process_type", "severity", "period"):
        out.append(
            (
                f"error-type Pareto{' by ' + by if by else ''}",
                lambda b=by: error_pareto(table, Scope(), b),
                lambda b=by: con.execute(error_pareto_sql(name, Scope(), b)).fetchall(),
            )
        )
    return out


def report_queries(data: QaData) -> list[tuple[str, list[Any]]]:
    """The SQL `qa_trends` runs for the default report (month periods, whole range)."""
    table, scope = data.assessments, Scope()
    sql = [
        (accuracy_sql(table.name, table.attributes, scope, "all"), scope.params()),
        (accuracy_sql(table.name, table.attributes, scope, "chart"), scope.params()),
        *((error_pareto_sql(table.name, scope, by), scope.params())
          for by in (None, "process_type", "severity")),
    ]  # fmt: skip
    if data.calibration is not None:
        cal = data.calibration
        cols = ", ".join(f"CAST({quote(a)} AS DOUBLE)" for a in cal.attributes)
        sql.append((f"SELECT item_id, reviewer, {cols} FROM {quote(cal.name)} "
                    "ORDER BY item_id, reviewer", []))  # fmt: skip
    return sql


def charted(data: QaData, runs: int) -> dict[str, Any]:
    """The QA report as `rca trends` makes it (aggregate + every QA chart) beside bare DuckDB."""
    con = data.assessments.con
    queries = report_queries(data)
    parts: dict[str, list[float]] = {"aggregate": [], "charts": []}
    count: list[int] = []

    def through_rca() -> None:
        start = time.perf_counter()
        qa = qa_trends(data, Scope())
        middle = time.perf_counter()
        drawn = qa_charts(qa, raster=True)
        parts["aggregate"].append(middle - start)
        parts["charts"].append(time.perf_counter() - middle)
        assert all(d.svg and d.png for d in drawn.values())
        count.append(len(drawn))

    def bare() -> None:
        for sql, params in queries:
            con.execute(sql, params).fetchall()

    through_rca()  # warm: font cache, matplotlib's first figure, plan caches
    parts["aggregate"].clear()
    parts["charts"].clear()
    rca_runs, bare_runs = paired(through_rca, bare, runs)
    total = statistics.median(rca_runs)
    return {
        "step": "QA report: aggregate + every QA chart (SVG + PNG)",
        "charts": count[-1],
        "rca_s": total,
        "aggregate_s": statistics.median(parts["aggregate"]),
        "charts_s": statistics.median(parts["charts"]),
        "bare_s": statistics.median(bare_runs),
        "target_s": TARGET_S,
        "within_target": total <= TARGET_S,
        "rca_runs": rca_runs,
        "bare_runs": bare_runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chart-runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path("out/trends_bench.json"))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    columns = generate_assessments(args.rows, seed=1)
    generate_s = time.perf_counter() - start

    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "assessments.parquet"
        csv_path = Path(tmp) / "assessments.csv"
        con.register("generated", columns)
        con.execute(f"COPY generated TO '{path}' (FORMAT parquet)")
        con.execute(f"COPY generated TO '{csv_path}' (FORMAT csv, HEADER)")
        con.unregister("generated")
        start = time.perf_counter()
        read_qa(csv_path, con=con, name="qa_from_csv")
        csv_ingest_s = time.perf_counter() - start
        csv_mb = csv_path.stat().st_size / 1e6
        con.execute("DROP TABLE qa_from_csv")
        start = time.perf_counter()
        table = read_qa(path, con=con, name="qa")
        ingest_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
    calibration = read_qa_columns(generate_calibration(seed=1), con=con, name="calibration",
                                  kind="calibration")  # fmt: skip
    rating_matrices(calibration)  # warm
    data = QaData(table, calibration)

    results = []
    for name, through_rca, bare in steps(table):
        bare()  # warm: first runs pay for plan caches and memory
        rca_runs, bare_runs = paired(through_rca, bare, args.runs)
        results.append({"step": name, "rca_s": statistics.median(rca_runs),
                        "bare_s": statistics.median(bare_runs),
                        "rca_runs": rca_runs, "bare_runs": bare_runs})  # fmt: skip

    def whole() -> None:
        for _, through_rca, _ in steps(table):
            through_rca()

    def whole_bare() -> None:
        for _, _, bare in steps(table):
            bare()

    whole_runs, whole_bare_runs = paired(whole, whole_bare, args.runs)
    total_rca, total_bare = statistics.median(whole_runs), statistics.median(whole_bare_runs)
    report = charted(data, args.chart_runs)
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    rows = con.execute(f"SELECT count(*) FROM {quote(table.name)}").fetchall()[0][0]

    width = max(len(r["step"]) for r in results)
    print(f"{rows:,} QA rows, {len(table.attributes)} attributes; DuckDB {duckdb.__version__}, "
          f"{threads} threads, {os.cpu_count()} cores; medians of {args.runs} runs")  # fmt: skip
    print(
        f"generate {generate_s:.2f} s; validated ingest: Parquet ({size_mb:.1f} MB) "
        f"{ingest_s:.2f} s, CSV ({csv_mb:.0f} MB) {csv_ingest_s:.2f} s"
    )
    print(f"{'step':<{width}}  {'rca':>8}  {'bare SQL':>8}  {'overhead':>8}")
    for r in results:
        print(f"{r['step']:<{width}}  {r['rca_s'] * 1000:6.0f}ms  {r['bare_s'] * 1000:6.0f}ms  "
              f"{(r['rca_s'] - r['bare_s']) * 1000:6.1f}ms")  # fmt: skip
    print(f"{'all of the above':<{width}}  {total_rca * 1000:6.0f}ms  {total_bare * 1000:6.0f}ms  "
          f"{(total_rca - total_bare) * 1000:6.1f}ms")  # fmt: skip

    verdict = "within" if report["within_target"] else "OVER"
    print()
    print(f"{report['step']} ({report['charts']} charts), medians of {args.chart_runs} runs:")
    print(f"  rca {report['rca_s']:.2f} s = aggregate {report['aggregate_s']:.2f} s + charts "
          f"{report['charts_s']:.2f} s; bare DuckDB, same queries: {report['bare_s']:.2f} s")  # fmt: skip
    print(f"  target {TARGET_S:.0f} s: {verdict} ({report['rca_s']:.2f} s)")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "rows": rows,
                "attributes": len(table.attributes),
                "runs": args.runs,
                "duckdb": duckdb.__version__,
                "threads": threads,
                "cores": os.cpu_count(),
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "generate_s": generate_s,
                "ingest_s": ingest_s,
                "parquet_mb": size_mb,
                "csv_ingest_s": csv_ingest_s,
                "csv_mb": csv_mb,
                "steps": results,
                "total_rca_s": total_rca,
                "total_bare_s": total_bare,
                "report": report,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
