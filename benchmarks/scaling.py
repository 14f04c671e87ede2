"""How analyse + render grow with a record's size: 10, 100, 1,000, 5,000 causes.

    .venv/bin/python -m benchmarks.scaling                       # every size, 300 s each
    .venv/bin/python -m benchmarks.scaling --sizes 10,100 --timeout 60

Each size runs in a fresh subprocess (generated record, both audiences, every
format, leak guard included, files written to a temporary folder), so its peak
memory is its own: the parent reads the child's high-water mark (VmHWM) while
it runs, which still gives a figure when the child is killed. A size that runs
past its timeout is killed and reported with the stage it was in; a size that
fails reports the error. Between consecutive sizes the growth exponent
k = log(t2/t1) / log(n2/n1) is printed per stage (from CPU seconds, steadier
than wall time on a shared machine); a stage above ~n^1.2 is flagged.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
SIZES = (10, 100, 1000, 5000)
FLAG_EXPONENT = 1.2
# Stages below this many seconds at the larger size are start-up noise, not growth.
NOISE_S = 0.05


def child(causes: int, formats: list[str], lift_limits: bool = False) -> None:
    """One size, in this process: print each stage as it starts, then the figures as JSON.

    `lift_limits` raises the per-diagram `dot` and per-brief WeasyPrint time
    limits to an hour and lifts the cap on causes rendered, to see how the
    stages grow past the point where the product would stop with an error.
    """
    from benchmarks.generate import big_graph_record
    from benchmarks.stages import TODAY, Clock, cpu_seconds, instrumented
    from rca.audience import select_profiles
    from rca.pipeline import render_case, write_artifacts

    def enter(stage: str) -> None:
        print(f"stage {stage}", file=sys.stderr, flush=True)

    def leave(stage: str, wall: float, used: float) -> None:
        print(f"done {wall:.4f} {used:.3f} {stage}", file=sys.stderr, flush=True)

    if lift_limits:
        from rca import pipeline
        from rca.render import dot, pdf

        dot.TIMEOUT_SECONDS = pdf.RENDER_SECONDS = 3600.0
        pipeline.MAX_RENDER_CAUSES = 1 << 30
    profiles = select_profiles(["all"])
    loaded = big_graph_record(causes)
    clock = Clock(on_enter=enter, on_exit=leave)
    started, cpu = time.perf_counter(), cpu_seconds()
    with instrumented(clock, formats), tempfile.TemporaryDirectory(prefix="rca-scale-") as tmp:
        artifacts = render_case(loaded, profiles, formats, today=TODAY)
        with clock.stage("write"):
            write_artifacts(artifacts, Path(tmp))
    result = {
        "total_s": time.perf_counter() - started,
        "total_cpu_s": cpu_seconds() - cpu,
        "stages_s": dict(clock.seconds),
        "stages_cpu_s": dict(clock.cpu),
        "artifacts_mb": sum(len(a.data) for a in artifacts) / 1e6,
        "budgets": budgets(artifacts, profiles),
    }
    print(json.dumps(result))


def budgets(artifacts: Sequence[Any], profiles: Sequence[Any]) -> dict[str, list[int | None]]:
    """Each deck's slides and each brief's pages beside its audience's budget: name -> [n, budget]."""
    import io
    import zipfile

    from pypdf import PdfReader

    by_id = {p.id: p for p in profiles}
    out: dict[str, list[int | None]] = {}
    for a in artifacts:
        if "/" in a.name or a.audience not in by_id:
            continue
        profile = by_id[a.audience]
        if a.name.endswith(".pptx"):
            names = zipfile.ZipFile(io.BytesIO(a.data)).namelist()
            slides = sum(1 for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
            out[a.name] = [slides, profile.deck.slide_budget]
        elif a.name.endswith(".pdf"):
            out[a.name] = [len(PdfReader(io.BytesIO(a.data)).pages), profile.brief.max_pages]
    return out


def run_size(
    causes: int, formats: list[str], timeout: float, lift_limits: bool = False
) -> dict[str, Any]:
    """One size in a subprocess, with its peak memory and a clear verdict if it fails or times out."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.scaling",
        "--child",
        str(causes),
        "--formats",
        ",".join(formats),
        *(["--lift-limits"] if lift_limits else []),
    ]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
        started, peak_kb = time.perf_counter(), 0
        helpers: dict[int, int] = {}  # child processes of the build (the Typst worker)
        while process.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            for pid in _children(process.pid):
                helpers[pid] = max(helpers.get(pid, 0), _high_water_kb(pid))
            if time.perf_counter() - started > timeout:
                process.kill()
                process.wait()
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    # The build's own peak plus each helper's (an upper bound on their sum at any moment).
    peak_kb += sum(helpers.values())
    figures: dict[str, Any] = {"causes": causes, "peak_rss_mb": round(peak_kb / 1024)}
    stages = [line[6:] for line in stderr.splitlines() if line.startswith("stage ")]
    if process.returncode != 0:
        where = f" in stage {stages[-1]!r}" if stages else ""
        if elapsed > timeout:
            figures["status"] = f"timed out after {timeout:g} s{where}"
        else:
            last = [
                line for line in stderr.splitlines() if not line.startswith(("stage ", "done "))
            ]
            figures["status"] = f"failed{where}: {(last or ['?'])[-1][:200]}"
        # What the stages that did finish took, for the record (not used for exponents).
        finished: dict[str, float] = {}
        for line in stderr.splitlines():
            if line.startswith("done "):
                _, wall, _, name = line.split(" ", 3)
                finished[name] = round(finished.get(name, 0.0) + float(wall), 3)
        figures["finished_stages_s"] = finished
        return figures
    result = json.loads(stdout.strip().splitlines()[-1])
    figures.update(
        status="ok",
        total_s=round(result["total_s"], 3),
        total_cpu_s=round(result["total_cpu_s"], 3),
        artifacts_mb=round(result["artifacts_mb"], 1),
        stages_s={k: round(v, 4) for k, v in result["stages_s"].items()},
        stages_cpu_s={k: round(v, 3) for k, v in result["stages_cpu_s"].items()},
        budgets=result["budgets"],
    )
    return figures


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _high_water_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def exponents(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Growth exponent per stage between consecutive sizes that both finished.

    From CPU seconds (this process and its `dot` children): on a shared
    machine they drift far less than wall time does.
    """
    done = [s for s in sizes if s.get("status") == "ok"]
    out = []
    for small, large in itertools.pairwise(done):
        ratio = math.log(large["causes"] / small["causes"])
        row: dict[str, Any] = {"from": small["causes"], "to": large["causes"], "stages": {}}
        names = ["total", *large["stages_cpu_s"]]
        for name in names:
            a = small["total_cpu_s"] if name == "total" else small["stages_cpu_s"].get(name)
            b = large["total_cpu_s"] if name == "total" else large["stages_cpu_s"].get(name)
            if not a or not b:
                continue
            k = math.log(b / a) / ratio
            row["stages"][name] = {
                "exponent": round(k, 2),
                "flag": k > FLAG_EXPONENT and b >= NOISE_S,
            }
        out.append(row)
    return out


def scaling(
    sizes: tuple[int, ...], formats: list[str], timeout: float, lift_limits: bool = False
) -> dict[str, Any]:
    """Every size, then the exponents between them."""
    results = []
    for causes in sizes:
        print(f"  {causes} causes ...", file=sys.stderr, flush=True)
        results.append(run_size(causes, formats, timeout, lift_limits))
    return {
        "formats": ",".join(formats),
        "timeout_s": timeout,
        "limits_lifted": lift_limits,
        "sizes": results,
        "exponents": exponents(results),
    }


def table(result: dict[str, Any]) -> str:
    """Per size: status, total, memory and the biggest stages; then the exponents, flagged."""
    lifted = ", dot and WeasyPrint limits lifted" if result.get("limits_lifted") else ""
    lines = [
        f"scaling, {result['formats']}, both audiences, timeout {result['timeout_s']:g} s{lifted}"
    ]
    lines.append(f"{'causes':>7} {'total s':>8} {'CPU s':>7} {'peak MB':>8} {'out MB':>7}  status")
    for s in result["sizes"]:
        total = (
            f"{s['total_s']:>8.2f} {s['total_cpu_s']:>7.2f}" if s["status"] == "ok" else " " * 16
        )
        out_mb = f"{s['artifacts_mb']:>7.1f}" if s["status"] == "ok" else " " * 7
        lines.append(f"{s['causes']:>7} {total} {s['peak_rss_mb']:>8} {out_mb}  {s['status']}")
        if s.get("budgets"):
            shown = ", ".join(
                f"{name} {n}" + (f"/{b}" if b else "") + (" OVER" if b and n > b else "")
                for name, (n, b) in sorted(s["budgets"].items())
            )
            lines.append(f"{'':>7} outputs (slides or pages / budget): {shown}")
        if s.get("finished_stages_s"):
            done = ", ".join(f"{k} {v:.2f}" for k, v in s["finished_stages_s"].items())
            lines.append(f"{'':>7} stages that finished (wall s): {done}")
    done = [s for s in result["sizes"] if s["status"] == "ok"]
    if done:
        names = sorted({n for s in done for n in s["stages_s"]})
        lines.append("wall seconds per stage (exponents below are from CPU seconds):")
        lines.append(f"{'stage':<22}" + "".join(f"{s['causes']:>10}" for s in done))
        for name in names:
            cells = "".join(f"{s['stages_s'].get(name, 0):>10.3f}" for s in done)
            lines.append(f"{name:<22}{cells}")
    for row in result["exponents"]:
        flagged = [f"{name} n^{v['exponent']}" for name, v in row["stages"].items() if v["flag"]]
        shown = ", ".join(f"{n} {v['exponent']}" for n, v in row["stages"].items())
        lines.append(f"exponent {row['from']}->{row['to']}: {shown}")
        if flagged:
            lines.append(f"  FASTER THAN n^{FLAG_EXPONENT}: {', '.join(flagged)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--formats", default="pptx,pdf,html")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per size")
    parser.add_argument(
        "--lift-limits",
        action="store_true",
        help="raise rca's own dot and WeasyPrint time limits, to measure past them",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    formats = args.formats.split(",")
    if args.child is not None:
        child(args.child, formats, args.lift_limits)
        return 0
    sizes = tuple(int(n) for n in args.sizes.split(","))
    print(table(scaling(sizes, formats, args.timeout, args.lift_limits)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
