"""Where a warm case's time goes: each pipeline stage timed from outside, beside its floor.

    .venv/bin/python -m benchmarks.stages            # ESC-0142, both audiences, all formats
    .venv/bin/python -m benchmarks.stages --runs 3 --case case_reviews/ESC-0157.yaml

The stages are timed by wrapping the functions `rca.pipeline.render_case` calls
(it imports them when it runs, so replacing the module attribute is enough)
and the warm renderers' `render` methods: nothing in `rca/` knows it is being
timed, and nothing costs anything when this module is not in use. A floor is
what the same work costs done by the bare tool, in the same run: WeasyPrint on
the same HTML, `dot -Tsvg` on the same DOT sources, poppler's `pdftotext` on
the same PDFs, the same PPTX parts zipped again, the same bytes written plainly.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parent.parent
TODAY = date(2026, 11, 25)
CASE = ROOT / "case_reviews" / "ESC-0142.yaml"
FORMATS = ("pptx", "pdf", "html")
# Top-level stages, in pipeline order; they add up to the whole (bar the loop's
# own overhead). "png" is measured apart (see png_share); "pdf: ..." and
# "guard: ..." rows are parts of their stage.
STAGES = ("load", "analyse", "context", "diagrams", "pptx", "html", "pdf", "guard", "write")
PNG = "diagrams: png (measured apart)"
TEMPLATE = "pdf: HTML template + SVG sanitising"


def cpu_seconds() -> float:
    """CPU time of this process (all threads), its reaped children (dot, pdftotext) and
    its live Typst worker (a child kept for the whole run, so never reaped while timed)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + _typst_worker_cpu()


def _typst_worker_cpu() -> float:
    module = sys.modules.get("rca.render.typst")
    if module is None:
        return 0.0
    total = 0.0
    for pid in module.worker_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Clock:
    """Wall and CPU seconds spent in each named stage, and which stage is running now.

    On a shared machine wall time swells with the load; CPU time much less so,
    which is why both are kept.
    """

    def __init__(
        self,
        on_enter: Callable[[str], None] | None = None,
        on_exit: Callable[[str, float, float], None] | None = None,
    ) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.on_enter = on_enter
        self.on_exit = on_exit

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn`, adding its wall time to `name` on every call."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return fn(*args, **kwargs)

        return wrapper

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a block the benchmark runs itself (load, write)."""
        if self.on_enter is not None:
            self.on_enter(name)
        started, cpu = time.perf_counter(), cpu_seconds()
        try:
            yield
        finally:
            wall, used = time.perf_counter() - started, cpu_seconds() - cpu
            self.seconds[name] += wall
            self.cpu[name] += used
            self.calls[name] += 1
            if self.on_exit is not None:
                self.on_exit(name, wall, used)


# (module, attribute, stage): functions render_case looks up when it runs.
_FUNCTIONS = (
    ("rca.analyse", "analyse", "analyse"),
    ("rca.render.context", "build_context", "context"),
    ("rca.render.diagrams", "render_diagrams", "diagrams"),
    ("rca.privacy.guard", "check_artifacts", "guard"),
)


@contextlib.contextmanager
def instrumented(clock: Clock, formats: Sequence[str]) -> Iterator[None]:
    """Every stage function, renderer and sub-step wrapped to report to `clock`; undone on exit."""
    from rca.render.registry import get_renderer, pdf_engine

    undo: list[Callable[[], None]] = []

    def patch(owner: Any, attribute: str, name: str) -> None:
        original = owner.__dict__[attribute] if attribute in vars(owner) else None
        if original is None:
            return  # renamed by a later change: that stage is simply not reported
        setattr(owner, attribute, clock.timed(name, original))
        undo.append(lambda: setattr(owner, attribute, original))

    for module, attribute, name in _FUNCTIONS:
        patch(importlib.import_module(module), attribute, name)
    for fmt in formats:
        renderer = get_renderer(fmt)
        bound = renderer.render
        renderer.render = clock.timed(fmt, bound)  # type: ignore[method-assign]
        undo.append(functools.partial(delattr, renderer, "render"))
    if "pdf" in formats and pdf_engine() == "weasyprint":
        import weasyprint
        from weasyprint.document import Document

        patch(weasyprint.HTML, "render", "pdf: layout")
        patch(Document, "write_pdf", "pdf: write")
    elif "pdf" in formats:
        from rca.render.typst import TypstWorker

        patch(TypstWorker, "compile", "pdf: layout")  # Typst lays out and writes in one call
    from rca.privacy import extract

    for extension, reader in list(extract.EXTRACTORS.items()):
        extract.EXTRACTORS[extension] = clock.timed(f"guard: read {extension}", reader)
        undo.append(functools.partial(extract.EXTRACTORS.__setitem__, extension, reader))
    try:
        yield
    finally:
        for step in reversed(undo):
            step()


def clear_result_caches() -> None:
    """Forget every per-case result: laid-out diagrams, sanitised SVG, the identifier
    matcher, clean leak-guard verdicts, deck parts the guard has read.

    Warm means imports, fonts and renderers, not results: a batch worker's next
    case is a different one. A cache renamed by a later change is skipped, not fatal.
    """
    from rca.privacy import extract, guard, identifiers
    from rca.render import dot, html

    dot.clear_cache()
    guard._CLEAN.clear()
    getattr(extract, "clear_cache", lambda: None)()
    for cached in (getattr(html, "_inline", None), getattr(identifiers, "_matcher", None)):
        if cached is not None:
            cached.cache_clear()


def one_build(
    case: Path, profiles: Sequence[Any], formats: Sequence[str], out: Path, clock: Clock
) -> list[Any]:
    """Load, render (guard included) and write one case, each stage reported to `clock`."""
    from rca.load import load_records
    from rca.pipeline import render_case, write_artifacts

    with clock.stage("load"):
        (loaded,) = load_records([case])
    artifacts = render_case(loaded, profiles, formats, today=TODAY)
    shutil.rmtree(out, ignore_errors=True)
    with clock.stage("write"):
        write_artifacts(artifacts, out)
    return artifacts


def warm_breakdown(
    tmp: Path, runs: int, case: Path = CASE, formats: Sequence[str] = FORMATS
) -> dict[str, Any]:
    """Median seconds per stage over `runs` warm builds of `case`, with each stage's floor."""
    from rca.audience import select_profiles
    from rca.render.registry import pdf_engine

    profiles = select_profiles(["all"])
    out = tmp / "stages-out"
    artifacts = one_build(case, profiles, formats, out, Clock())  # warm imports and fonts
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    totals, cpu_totals = [], []
    for _ in range(runs):
        clear_result_caches()
        clock = Clock()
        started, cpu_started = time.perf_counter(), cpu_seconds()
        with instrumented(clock, formats):
            artifacts = one_build(case, profiles, formats, out, clock)
        totals.append(time.perf_counter() - started)
        cpu_totals.append(cpu_seconds() - cpu_started)
        if "pdf" in clock.seconds:
            for measured in (clock.seconds, clock.cpu):
                parts = measured.get("pdf: layout", 0.0) + measured.get("pdf: write", 0.0)
                measured[TEMPLATE] = measured["pdf"] - parts
        for name in clock.seconds:
            wall[name].append(clock.seconds[name])
            cpu[name].append(clock.cpu[name])
    stages = {name: statistics.median(values) for name, values in wall.items()}
    stages_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    if "pptx" in formats:  # only decks place PNGs
        stages[PNG], stages_cpu[PNG] = png_share(case, profiles, runs)
    floors = stage_floors(case, profiles, artifacts, tmp, runs, formats)
    total = statistics.median(totals)
    engine = stages.get("pdf: layout", 0) + stages.get("pdf: write", 0)
    return {
        "case": case.name,
        "formats": ",".join(formats),
        "runs": runs,
        "total_s": round(total, 3),
        "total_cpu_s": round(statistics.median(cpu_totals), 3),
        "stages_s": {k: round(v, 4) for k, v in sorted(stages.items(), key=_stage_order)},
        "stages_cpu_s": {k: round(v, 4) for k, v in sorted(stages_cpu.items(), key=_stage_order)},
        "floors_s": {k: round(w, 4) for k, (w, _) in floors.items()},
        "floors_cpu_s": {k: round(c, 4) for k, (_, c) in floors.items()},
        "pdf_engine": pdf_engine(),
        "everything_but_pdf_engine_share": round(1 - engine / total, 2),
    }


def _stage_order(item: tuple[str, float]) -> tuple[int, int, str]:
    head = item[0].split(":")[0]
    return (STAGES.index(head) if head in STAGES else len(STAGES), head != item[0], item[0])


def png_share(case: Path, profiles: Sequence[Any], runs: int) -> tuple[float, float]:
    """What rasterising the deck PNGs adds to the diagrams stage (cold caches, both audiences)."""
    from rca.analyse import analyse
    from rca.load import load_records
    from rca.render.context import build_context
    from rca.render.diagrams import render_diagrams

    (loaded,) = load_records([case])
    findings = analyse(loaded, today=TODAY)
    contexts = [build_context(loaded, findings, p, today=TODAY) for p in profiles]

    def draw(raster: bool) -> None:
        clear_result_caches()
        for context in contexts:
            render_diagrams(context, raster=raster)

    samples: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for _ in range(runs):  # interleaved, so drift hits both alike
        for raster in (False, True):
            started, cpu = time.perf_counter(), cpu_seconds()
            draw(raster)
            samples[raster].append((time.perf_counter() - started, cpu_seconds() - cpu))
    wall = statistics.median(w for w, _ in samples[True]) - statistics.median(
        w for w, _ in samples[False]
    )
    used = statistics.median(c for _, c in samples[True]) - statistics.median(
        c for _, c in samples[False]
    )
    return max(0.0, wall), max(0.0, used)


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    started, cpu = time.perf_counter(), cpu_seconds()
    fn()
    return time.perf_counter() - started, cpu_seconds() - cpu


def stage_floors(
    case: Path,
    profiles: Sequence[Any],
    artifacts: Sequence[Any],
    tmp: Path,
    runs: int,
    formats: Sequence[str],
) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of each stage's work done by the bare tool on the same input."""
    from rca.analyse import analyse
    from rca.load import load_records
    from rca.render.context import build_context

    (loaded,) = load_records([case])
    findings = analyse(loaded, today=TODAY)
    contexts = [build_context(loaded, findings, p, today=TODAY) for p in profiles]
    sources = sorted(_dot_jobs(contexts))
    blob = case.read_bytes()
    floors: dict[str, Callable[[], object]] = {
        "load: libyaml parse": lambda: yaml.load(blob, Loader=yaml.CSafeLoader),
        "diagrams: dot -Tsvg, distinct sources": lambda: [_dot(*s, "svg") for s in sources],
    }
    if "pptx" in formats:
        floors["png: dot -Tpng, distinct sources"] = lambda: [_dot(*s, "png") for s in sources]
    by_ext: dict[str, list[bytes]] = defaultdict(list)
    for artifact in artifacts:
        by_ext[artifact.name.rpartition(".")[2]].append(artifact.data)
    if "pptx" in formats:
        floors["pptx: zip the same XML parts"] = lambda: [_rezip(d) for d in by_ext["pptx"]]
    if "pdf" in formats:
        htmls = _brief_htmls(contexts, loaded)
        floors["pdf: bare WeasyPrint, same HTML"] = _bare_weasyprint(htmls)
        floors["pdf: bare Typst, same template and input"] = _bare_typst(contexts, loaded)
    if shutil.which("pdftotext") and by_ext["pdf"]:
        floors["guard: pdftotext, same PDFs"] = lambda: [_pdftotext(d) for d in by_ext["pdf"]]
    floors["write: plain writes, same bytes"] = lambda: _plain_write(artifacts, tmp / "plain")
    out: dict[str, tuple[float, float]] = {}
    for name, fn in floors.items():
        fn()  # warm
        samples = [_timed(fn) for _ in range(runs)]
        out[name] = (
            statistics.median(w for w, _ in samples),
            statistics.median(c for _, c in samples),
        )
    return out


def _dot_jobs(contexts: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
    """The distinct (DOT source, engine) pairs the audiences' diagrams are drawn from."""
    from rca.render import diagrams, dot

    jobs: set[tuple[str, str]] = set()
    original = dot.draw

    def spy(source: str, engine: str = "dot", *args: Any, **kwargs: Any) -> Any:
        jobs.add((source, engine))
        return original(source, engine, *args, **kwargs)

    dot.draw = spy  # type: ignore[assignment]
    try:
        clear_result_caches()
        for context in contexts:
            diagrams.render_diagrams(context, raster=False)
    finally:
        dot.draw = original  # type: ignore[assignment]
    return jobs


def _dot(source: str, engine: str, fmt: str) -> bytes:
    flags = ["-Kneato", "-n2"] if engine == "neato-n2" else [f"-K{engine}"]
    return subprocess.run(
        ["dot", *flags, f"-T{fmt}:cairo" if fmt == "png" else f"-T{fmt}"],
        input=source.encode(),
        capture_output=True,
        check=True,
    ).stdout


def _rezip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in parts:
            target.writestr(info.filename, content)
    return out.getvalue()


def _brief_htmls(contexts: Sequence[dict[str, Any]], loaded: Any) -> list[str]:
    from rca.render.diagrams import render_diagrams
    from rca.render.html import brief_html
    from rca.render.registry import RenderInput

    return [brief_html(RenderInput(c, render_diagrams(c, raster=False))) for c in contexts]


def _bare_weasyprint(htmls: Sequence[str]) -> Callable[[], object]:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from rca.render.html import template_roots
    from rca.render.pdf import make_fetcher

    fonts = FontConfiguration()
    fetcher = make_fetcher(template_roots([]))

    def run() -> list[bytes]:
        return [
            weasyprint.HTML(string=h, base_url=None, url_fetcher=fetcher, media_type="print")
            .render(font_config=fonts)
            .write_pdf()
            for h in htmls
        ]

    return run


def _bare_typst(contexts: Sequence[dict[str, Any]], loaded: Any) -> Callable[[], object]:
    """typst.Compiler on the same template and inputs the renderer sends its worker, in-process."""
    import json

    import typst

    from rca.render import diagrams
    from rca.render import typst as rt
    from rca.render.registry import RenderInput

    jobs = []
    for context in contexts:
        data = RenderInput(context, diagrams.render_diagrams(context, raster=False))
        template = rt.find_template([], context["audience"]["id"])
        inputs = {"data": json.dumps(rt.typst_input(rt.brief_html(data), data), ensure_ascii=False)}
        jobs.append((template.read_bytes(), str(template.parent), inputs))
    fonts = [d for d in rt.FONT_DIRS if os.path.isdir(d)]
    compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)

    def run() -> list[bytes]:
        # A fresh copy of the inputs each time: Typst memoises identical documents.
        return [
            compiler.compile(
                input=source + f"\n// {time.perf_counter_ns()}".encode(),
                root=root,
                format="pdf",
                sys_inputs=inputs,
                pdf_standards=rt.STANDARDS,
                pdf_tags=True,
            )
            for source, root, inputs in jobs
        ]

    return run


def _pdftotext(data: bytes) -> bytes:
    return subprocess.run(
        ["pdftotext", "-q", "-", "-"], input=data, capture_output=True, check=True
    ).stdout


def _plain_write(artifacts: Sequence[Any], out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for artifact in artifacts:
        path = out / artifact.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(artifact.data)


def table(result: dict[str, Any]) -> str:
    """The breakdown as text: each stage, its share of the whole, then the floors."""
    total = result["total_s"]
    cpu_total = result["total_cpu_s"]
    lines = [
        f"warm build of {result['case']} ({result['formats']}, both audiences, "
        f"PDF by {result.get('pdf_engine', 'weasyprint')}), "
        f"median of {result['runs']}: {total:.3f} s wall, {cpu_total:.3f} s CPU",
        f"{'stage (parts indented)':<40} {'wall s':>8} {'share':>6} {'CPU s':>8} {'share':>6}",
    ]
    for name, seconds in result["stages_s"].items():
        used = result["stages_cpu_s"].get(name, 0.0)
        label = ("  " + name) if ":" in name else name
        lines.append(
            f"{label:<40} {seconds:>8.3f} {seconds / total:>6.0%} "
            f"{used:>8.3f} {used / cpu_total:>6.0%}"
        )
    lines.append(
        f"{'floor: the bare tool, same input, same run':<40} {'wall s':>8} {'':>6} {'CPU s':>8}"
    )
    for name, seconds in result["floors_s"].items():
        used = result["floors_cpu_s"][name]
        lines.append(f"{name:<40} {seconds:>8.3f} {'':>6} {used:>8.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--case", type=Path, default=CASE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rca-stages-") as name:
        result = warm_breakdown(Path(name), args.runs, args.case, args.formats.split(","))
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
