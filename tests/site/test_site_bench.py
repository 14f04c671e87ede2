"""The site benchmark runs (tiny sizes) so it cannot rot; timings are never asserted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.site_bench import main


def test_site_benchmark_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "site_results.json"
    assert main(["--smoke", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["bundled"]["cases"] == 2 and results["generated"]["cases"] == 2
    edit = results["generated"]["after_one_edit"]
    assert edit["cases_rebuilt"] == 1 and edit["case_pages_rewritten"] >= 1
    assert results["generated"]["search_index_kb"] > 0
    assert set(results["bundled"]["from_scratch"]["stages_s"]) >= {"cases", "search", "guard"}
