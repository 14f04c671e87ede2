"""The benchmark suite runs (tiny sizes) so it cannot rot; timings are never asserted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.run import main


def test_benchmark_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    assert main(["--smoke", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert {"validation", "single_case", "batch", "big_graph", "preview", "machine"} <= set(results)
    assert results["validation"]["ratio_to_libyaml"] > 0
    assert results["batch"]["cases"] == 2
    assert results["single_case"]["weasyprint_two_briefs_s"] > 0


def test_privacy_benchmark_runs(tmp_path: Path) -> None:
    from benchmarks.privacy_bench import main as privacy_main

    out = tmp_path / "privacy.json"
    assert privacy_main(["--sizes", "0", "--runs", "1", "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())
    assert row["declared"] == 13 and row["guard_s"] > 0 and row["redaction_s"] > 0
