"""The benchmark suite runs (tiny sizes) so it cannot rot; timings are never asserted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.run import main


def test_benchmark_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    assert main(["--smoke", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    sections = {"validation", "single_case", "stages", "batch", "big_graph", "scaling", "preview"}
    assert sections | {"machine"} <= set(results)
    assert results["validation"]["ratio_to_libyaml"] > 0
    assert results["batch"]["cases"] == 2
    assert results["single_case"]["weasyprint_two_briefs_s"] > 0
    # Every stage the pipeline runs for an HTML build is timed, and they account for the build.
    stages = results["stages"]
    assert {"load", "analyse", "context", "diagrams", "html", "guard", "write"} <= set(
        stages["stages_s"]
    )
    top = sum(v for k, v in stages["stages_s"].items() if ":" not in k)
    assert 0.5 * stages["total_s"] < top <= stages["total_s"] * 1.01
    assert stages["floors_s"]["load: libyaml parse"] > 0
    # Each size ran in its own process, finished, and has a peak memory and exponents.
    scaling = results["scaling"]
    assert [s["causes"] for s in scaling["sizes"]] == [5, 10]
    assert all(s["status"] == "ok" and s["peak_rss_mb"] > 0 for s in scaling["sizes"])
    assert scaling["exponents"][0]["stages"]["total"]["exponent"] is not None


def test_scaling_reports_a_size_that_runs_out_of_time() -> None:
    from benchmarks.scaling import run_size

    result = run_size(10, ["html"], timeout=0.5)
    assert result["status"].startswith("timed out after 0.5 s"), result


def test_privacy_benchmark_runs(tmp_path: Path) -> None:
    from benchmarks.privacy_bench import main as privacy_main

    out = tmp_path / "privacy.json"
    args = ["--sizes", "0", "--runs", "1", "--formats", "html", "--json", str(out)]
    assert privacy_main(args) == 0
    (row,) = json.loads(out.read_text())
    assert row["declared"] == 13 and row["guard_s"] > 0 and row["redaction_s"] > 0
