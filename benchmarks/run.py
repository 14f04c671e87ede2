"""rca's benchmark suite: every figure beside its floor, measured in the same run.

    .venv/bin/python -m benchmarks.run            # full run (several minutes)
    .venv/bin/python -m benchmarks.run --smoke    # tiny sizes, seconds (CI runs this)
    .venv/bin/python -m benchmarks.run --only batch             # 100 cases, --jobs 1 vs --jobs 2
    .venv/bin/python -m benchmarks.run --only batch --cases 10  # the same, a quick check

Prints a table and writes benchmarks/results.json (or --json PATH). Medians over
several runs; targets from issue 6 are printed beside each figure. Nothing here
asserts a timing: the numbers are for people to read.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from benchmarks.stages import clear_result_caches
from benchmarks.stages import table as stages_table

ROOT = Path(__file__).parent.parent
TODAY = date(2026, 11, 25)


def median_time(
    fn: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Median seconds of `fn` over `runs` calls, by `clock` (default: wall time)."""
    times = []
    for _ in range(runs):
        started = clock()
        fn()
        times.append(clock() - started)
    return statistics.median(times)


def bench_validation(tmp: Path, count: int, runs: int) -> dict[str, Any]:
    """Validation throughput beside the raw libyaml parse of the same files."""
    from benchmarks.generate import generate
    from rca.load import check_record

    paths = generate(tmp / "validation", count)
    blobs = [p.read_bytes() for p in paths]
    size = sum(len(b) for b in blobs)

    def raw() -> None:
        for blob in blobs:
            yaml.load(blob, Loader=yaml.CSafeLoader)

    def validate() -> None:
        for path in paths:
            loaded, problems = check_record(path)
            assert loaded is not None, problems

    floor = median_time(raw, runs)
    ours = median_time(validate, runs)
    return {
        "records": count,
        "mean_record_kb": round(size / count / 1024, 1),
        "validate_mb_s": round(size / ours / 1e6, 2),
        "validate_records_s": round(count / ours),
        "libyaml_parse_mb_s": round(size / floor / 1e6, 2),
        "ratio_to_libyaml": round(floor / ours, 2),
        "target": "ratio >= 0.80",
    }


def bench_single_case(
    tmp: Path, runs: int, formats: tuple[str, ...] = ("pptx", "pdf", "html")
) -> dict[str, Any]:
    """One case, both audiences, every format: cold CLI, warm in-process, WeasyPrint alone."""
    from rca.audience import select_profiles
    from rca.load import load_records
    from rca.pipeline import render_case

    case = ROOT / "case_reviews" / "ESC-0142.yaml"
    rca = Path(sys.executable).parent / "rca"

    def cold() -> None:
        out = tmp / "cold"
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(
            [
                *(str(rca), "render", str(case), "--out", str(out)),
                *("--today", TODAY.isoformat(), "--format", ",".join(formats)),
            ],
            check=True,
            capture_output=True,
        )

    (loaded,) = load_records([case])
    profiles = select_profiles(["all"])
    render_case(loaded, profiles, formats, today=TODAY)  # warm up renderers and caches

    def warm() -> None:
        # Warm means imports, fonts and renderers, not results: a batch worker's
        # next case is a different one, so the result caches are emptied first.
        clear_result_caches()
        render_case(loaded, profiles, formats, today=TODAY)

    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from rca.render.html import template_roots
    from rca.render.pdf import make_fetcher

    htmls = pdf_inputs(loaded, profiles)
    fonts = FontConfiguration()
    fetcher = make_fetcher(template_roots([]))

    def weasy_only() -> None:
        for html in htmls:
            weasyprint.HTML(
                string=html, base_url=None, url_fetcher=fetcher, media_type="print"
            ).render(font_config=fonts).write_pdf()

    weasy_only()  # warm the fonts, as the renderer's are

    cold_s = median_time(cold, max(1, runs // 2))
    warm_s = median_time(warm, runs)
    weasy_s = median_time(weasy_only, runs)
    return {
        "formats": ",".join(formats),
        "cold_cli_s": round(cold_s, 3),
        "warm_s": round(warm_s, 3),
        "weasyprint_two_briefs_s": round(weasy_s, 3),
        "everything_but_weasyprint_share": round((warm_s - weasy_s) / warm_s, 2),
        "target": "share <= 0.25",
    }


def pdf_inputs(loaded: Any, profiles: Any) -> list[str]:
    """The HTML the PDF renderer lays out for each audience (for timing WeasyPrint alone)."""
    from rca.analyse import analyse
    from rca.render.context import build_context
    from rca.render.diagrams import render_diagrams
    from rca.render.html import brief_html
    from rca.render.registry import RenderInput

    findings = analyse(loaded, today=TODAY)
    out = []
    for profile in profiles:
        context = build_context(loaded, findings, profile)
        out.append(brief_html(RenderInput(context, render_diagrams(context, raster=False))))
    return out


def bench_batch(tmp: Path, count: int, formats: tuple[str, ...]) -> dict[str, Any]:
    """N cases with one and two workers, the no-op rebuild, peak memory per worker."""
    from benchmarks.generate import generate
    from rca.audience import select_profiles
    from rca.batch import BuildPlan, build_many

    cases = tmp / "batch"
    generate(cases, count, seed=11)
    profiles = tuple(select_profiles(["all"]))

    def run(jobs: int, out: Path) -> tuple[float, list[Any]]:
        plan = BuildPlan(profiles, formats, out, TODAY, ())
        started = time.perf_counter()
        outcomes = build_many([cases], plan, jobs=jobs, force=True)
        failed = [o for o in outcomes if o.status == "failed"]
        assert not failed, failed[0].error
        return time.perf_counter() - started, outcomes

    one_s, _ = run(1, tmp / "out1")
    two_s, outcomes = run(2, tmp / "out2")
    rca = Path(sys.executable).parent / "rca"

    def noop() -> None:
        subprocess.run(
            [
                str(rca),
                "build",
                str(cases),
                "--out",
                str(tmp / "out2"),
                "--today",
                TODAY.isoformat(),
                "--format",
                ",".join(formats),
            ],
            check=True,
            capture_output=True,
        )

    noop()  # the first no-op run checks every output exists
    noop_s = median_time(noop, 3)
    peak = max((o.peak_rss_mb or 0) for o in outcomes)
    return {
        "cases": count,
        "formats": ",".join(formats),
        "jobs1_s": round(one_s, 2),
        "jobs2_s": round(two_s, 2),
        "speedup": round(one_s / two_s, 2),
        "noop_rebuild_cli_s": round(noop_s, 3),
        "peak_rss_per_worker_mb": round(peak),
        "target": "100 cases: jobs2 <= 60 s, speedup >= 1.8; no-op <= 1 s; <= 300 MB per worker",
    }


def bench_big_graph(causes: int, runs: int) -> dict[str, Any]:
    """The analysis of a case with thousands of causes."""
    from benchmarks.generate import big_graph_record
    from rca.analyse import analyse

    loaded = big_graph_record(causes)
    seconds = median_time(lambda: analyse(loaded, today=TODAY), runs)
    return {"causes": causes, "analyse_s": round(seconds, 3)}


def bench_preview(tmp: Path, runs: int) -> dict[str, Any]:
    """HTML preview refresh after an edit (both audiences)."""
    from rca.audience import select_profiles
    from rca.preview import refresh

    case = tmp / "preview" / "ESC-0142.yaml"
    case.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "case_reviews" / "ESC-0142.yaml", case)
    profiles = select_profiles(["all"])
    out = tmp / "preview-out"
    refresh(case, profiles, out, ["html"], today=TODAY)  # the watcher is warm after its first save
    text = case.read_text(encoding="utf-8")
    counter = iter(range(10_000))

    def edit_and_refresh() -> None:
        case.write_text(
            text.replace("title: ", f"title: Edit {next(counter)} ", 1), encoding="utf-8"
        )
        refresh(case, profiles, out, ["html"], today=TODAY)

    seconds = median_time(edit_and_refresh, runs)
    return {"refresh_ms": round(seconds * 1000, 1), "target": "<= 100 ms"}


def bench_stages(tmp: Path, runs: int, formats: tuple[str, ...]) -> dict[str, Any]:
    """Where a warm case's time goes, stage by stage, beside each stage's floor."""
    from benchmarks.stages import warm_breakdown

    return warm_breakdown(tmp, runs, formats=formats)


def bench_scaling(
    sizes: tuple[int, ...], formats: tuple[str, ...], timeout: float
) -> dict[str, Any]:
    """Analyse + render at growing record sizes, one subprocess each, with peak memory."""
    from benchmarks.scaling import scaling

    return scaling(sizes, list(formats), timeout)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated sections to re-run (validation, single_case, stages, batch, "
        "big_graph, scaling, preview); the others keep their figures from the existing JSON file",
    )
    parser.add_argument(
        "--size-timeout",
        type=float,
        default=300.0,
        help="seconds allowed to each record size in the scaling section (default 300)",
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=0,
        help="cases in the batch section (--jobs 1 vs --jobs 2; default 100, 2 with --smoke)",
    )
    args = parser.parse_args(argv)
    sizes = (
        {
            "records": 12,
            "runs": 1,
            "batch": 2,
            "causes": 300,
            "formats": ("html",),
            "pdf_formats": ("pdf", "html"),  # the smoke run skips decks (python-pptx, PNGs)
            "sizes": (5, 10),
            "size_timeout": 120.0,
        }
        if args.smoke
        else {
            "records": 200,
            "runs": 5,
            "batch": 100,
            "causes": 5000,
            "formats": ("pptx", "pdf", "html"),
            "pdf_formats": ("pptx", "pdf", "html"),
            "sizes": (10, 100, 1000, 5000),
            "size_timeout": args.size_timeout,
        }
    )
    if args.cases > 0:
        sizes["batch"] = args.cases
    only = {name for name in args.only.split(",") if name}
    results: dict[str, Any] = {}
    if only and args.json.exists():
        results = json.loads(args.json.read_text(encoding="utf-8"))
    results.update({"machine": machine(), "smoke": args.smoke})
    with tempfile.TemporaryDirectory(prefix="rca-bench-") as name:
        tmp = Path(name)
        steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("validation", lambda: bench_validation(tmp, sizes["records"], sizes["runs"])),
            ("single_case", lambda: bench_single_case(tmp, sizes["runs"], sizes["pdf_formats"])),
            ("stages", lambda: bench_stages(tmp, sizes["runs"], sizes["formats"])),
            ("batch", lambda: bench_batch(tmp, sizes["batch"], sizes["formats"])),
            ("big_graph", lambda: bench_big_graph(sizes["causes"], sizes["runs"])),
            (
                "scaling",
                lambda: bench_scaling(sizes["sizes"], sizes["formats"], sizes["size_timeout"]),
            ),
            ("preview", lambda: bench_preview(tmp, max(3, sizes["runs"] * 2))),
        ]
        for name_, step in steps:
            if only and name_ not in only:
                continue
            print(f"running {name_} ...", file=sys.stderr, flush=True)
            results[name_] = step()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    return 0


def table(results: dict[str, Any]) -> str:
    """A plain-text table of every figure."""
    from benchmarks.scaling import table as scaling_table

    lines = [stages_table(results["stages"])] if "stages" in results else []
    if "scaling" in results:
        lines.append(scaling_table(results["scaling"]))
    lines += [f"{'benchmark':<14} {'figure':<34} value"]
    for section, figures in results.items():
        if not isinstance(figures, dict) or section in ("machine", "stages", "scaling"):
            continue  # those two print tables of their own
        for key, value in figures.items():
            lines.append(f"{section:<14} {key:<34} {value}")
    m = results["machine"]
    lines.append(
        f"machine: {m['cpus']} cpu(s), {m['processor']}, Python {m['python']}, {m['platform']}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
