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
