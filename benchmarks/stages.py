"""Where a warm case's time goes: each pipeline stage timed from outside, beside its floor.

    .venv/bin/python -m benchmarks.stages            # ESC-0142, both audiences, all formats
    .venv/bin/python -m benchmarks.stages --runs 3 --case case_reviews/ESC-0157.yaml

The stages are timed by wrapping the functions `rca.pipeline.render_case` calls
(it imports them when it runs, so replacing the module attribute is enough)
and the warm renderers' `render` (and `start`) methods: nothing in `rca/` knows
it is being timed, and nothing costs anything when this module is not in use.
A floor is what the same work costs done by the bare tool, in the same run:
WeasyPrint on the same HTML, `dot -Tsvg` on the same DOT sources, poppler's
`pdftotext` on the same PDFs, the same PPTX parts zipped again, the same bytes
written plainly.

How time is attributed, now that some stages run beside others (rca.pipeline
draws the diagrams in a background thread while the decks are built, and
leaves a Typst compile running while it goes on):

- wall: the time the build (its main thread) spent in the stage, waiting for
  it included. The diagrams' wall is the time spent waiting for them, not the
  time `dot` ran beside the decks; Typst's ("pdf: layout") is the time spent
  sending it the brief and waiting for the PDF. So the top-level stages add up
  to the whole wall time (bar the loop between them), and nothing is counted
  twice. How long the background work ran is printed apart ("ran beside").
- CPU: the CPU the stage's work used, wherever it ran: the main thread's own
  CPU in the stage (`time.thread_time`); for the diagrams, their background
  threads' CPU and the `dot` processes'; for Typst, its worker process's CPU
  while it compiled the brief. A child process's CPU is known when it is
  reaped; what is reaped while a `dot` job is running is credited to the
  diagrams (the main thread starts no process then), anything else to the
  main thread's stages open at the time. The top-level stages add up to the
  whole CPU (bar the loop between them), and nothing overlapping is hidden.

`everything_but_pdf_engine_share` is 1 - (the engine's wall) / (the whole wall);
`everything_but_pdf_engine_cpu_share` the same in CPU seconds. WeasyPrint's
engine is its HTML parse ("pdf: parse", the `weasyprint.HTML` object's making),
its layout and its writing; Typst's is its compile.

Warm means imports, fonts, compiled templates and renderers, never this case's
results: before each timed build `clear_result_caches` forgets every cache keyed
by what the case holds (its diagrams, SVGs, identifiers, measured text), as a
batch worker's next case would find them.
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
import threading
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
ENGINE = "pdf: layout"
ENGINE_PARTS = ("pdf: parse", ENGINE, "pdf: write")  # the PDF engine's own work


def cpu_seconds() -> float:
    """CPU time of this process (all threads), its reaped children (dot, pdftotext) and
    its live Typst worker (a child kept for the whole run, so never reaped while timed)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + _typst_worker_cpu()


def _reaped_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


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


DIAGRAMS = "diagrams"


class Clock:
    """Wall and CPU seconds spent in each named stage, and which stage is running now.

    On a shared machine wall time swells with the load; CPU time much less so,
    which is why both are kept. How the two are attributed when stages overlap:
    the module docstring.
    """

    def __init__(
        self,
        on_enter: Callable[[str], None] | None = None,
        on_exit: Callable[[str, float, float], None] | None = None,
    ) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.beside: dict[str, float] = defaultdict(float)  # wall of work run in the background
        self.on_enter = on_enter
        self.on_exit = on_exit
        self._lock = threading.Lock()
        self._open: list[str] = []  # the main thread's stages open now, outermost first
        self._dot_running = 0
        self._reaped = _reaped_cpu()
        self._local = threading.local()

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn`, adding its wall time to `name` on every call."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return fn(*args, **kwargs)

        return wrapper

    def _reading(self, dot_change: int = 0) -> None:
        # Children reaped since the last reading: the diagrams' if a dot job ran
        # throughout (the count changes only here), else the main thread's open stages.
        now = _reaped_cpu()
        delta, self._reaped = now - self._reaped, now
        if delta:
            for name in [DIAGRAMS] if self._dot_running else self._open:
                self.cpu[name] += delta
        self._dot_running += dot_change

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a block the main thread runs (load, write; the wrapped stage functions)."""
        if threading.current_thread() is not threading.main_thread():
            with self.background(name):
                yield
            return
        if self.on_enter is not None:
            self.on_enter(name)
        with self._lock:
            self._reading()
            self._open.append(name)
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            wall, used = time.perf_counter() - started, time.thread_time() - cpu
            with self._lock:
                self._reading()
                del self._open[len(self._open) - 1 - self._open[::-1].index(name)]
                self.seconds[name] += wall
                self.cpu[name] += used
                self.calls[name] += 1
            if self.on_exit is not None:
                self.on_exit(name, wall, used)

    @contextlib.contextmanager
    def background(self, name: str) -> Iterator[None]:
        """Work of stage `name` run in a background thread: its CPU counts, its wall is apart."""
        if self.on_enter is not None:
            self.on_enter(name)
        started, cpu = time.perf_counter(), time.thread_time()
        self._local.counted = True
        try:
            yield
        finally:
            self._local.counted = False
            wall, used = time.perf_counter() - started, time.thread_time() - cpu
            with self._lock:
                self.beside[name] += wall
                self.cpu[name] += used
            if self.on_exit is not None:
                self.on_exit(name, wall, used)

    @contextlib.contextmanager
    def dot_job(self) -> Iterator[None]:
        """One `dot` process run (any thread): its child's CPU, and a pool thread's own, to the diagrams."""
        own = getattr(self._local, "counted", False)  # a thread already counted by `background`
        with self._lock:
            self._reading(+1)
        cpu = time.thread_time()
        try:
            yield
        finally:
            used = time.thread_time() - cpu
            with self._lock:
                self._reading(-1)
                if not own and threading.current_thread() is not threading.main_thread():
                    self.cpu[DIAGRAMS] += used

    def credit(self, names: Sequence[str], seconds: float) -> None:
        """CPU used elsewhere (the Typst worker) for these stages."""
        with self._lock:
            for name in names:
                self.cpu[name] += seconds


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
        start = getattr(renderer, "start", None)
        if start is not None:  # begun, left running, collected later: both calls are the stage
            renderer.start = _started(clock, fmt, start)  # type: ignore[attr-defined]
            undo.append(functools.partial(delattr, renderer, "start"))
    _wait_for_diagrams(clock, undo)
    from rca.render import dot

    run = dot._run

    def dot_job(*args: Any, **kwargs: Any) -> Any:
        with clock.dot_job():
            return run(*args, **kwargs)

    dot._run = dot_job  # type: ignore[assignment]
    undo.append(lambda: setattr(dot, "_run", run))
    if "pdf" in formats and pdf_engine() == "weasyprint":
        import weasyprint
        from weasyprint.document import Document

        # WeasyPrint's engine is its HTML parse (the HTML object's making), its layout
        # and its writing; what is left of the pdf stage is rca's template and SVG work.
        patch(weasyprint.HTML, "__init__", "pdf: parse")
        patch(weasyprint.HTML, "render", "pdf: layout")
        patch(Document, "write_pdf", "pdf: write")
    elif "pdf" in formats:
        _time_typst(clock, undo)  # Typst lays out and writes in one call, in its own process
    from rca.privacy import extract

    for extension, reader in list(extract.EXTRACTORS.items()):
        extract.EXTRACTORS[extension] = clock.timed(f"guard: read {extension}", reader)
        undo.append(functools.partial(extract.EXTRACTORS.__setitem__, extension, reader))
    try:
        yield
    finally:
        for step in reversed(undo):
            step()


def _started(clock: Clock, fmt: str, start: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A renderer's `start`, and the `result` of what it returns, both timed as stage `fmt`."""

    def timed_start(data: Any) -> Any:
        with clock.stage(fmt):
            job = start(data)
        job.result = clock.timed(fmt, job.result)
        return job

    return timed_start


def _wait_for_diagrams(clock: Clock, undo: list[Callable[[], None]]) -> None:
    """The build's waits for its diagrams (drawn in the background) timed as their stage."""
    from rca import pipeline

    steps = getattr(pipeline, "_Steps", None)
    if steps is None or "draw" not in vars(steps):
        return  # drawn some other way by a later change: the waits are simply not reported
    draw = steps.draw

    def timed_draw(self: Any, at: Any, *args: Any) -> None:
        draw(self, at, *args)
        item = self.pending[at]
        item.result = clock.timed(DIAGRAMS, item.result)

    steps.draw = timed_draw
    undo.append(lambda: setattr(steps, "draw", draw))


def _time_typst(clock: Clock, undo: list[Callable[[], None]]) -> None:
    """Typst's stage: sending a brief and waiting for its PDF (wall), the worker's CPU for it."""
    from rca.render import typst

    worker_class = typst.TypstWorker
    job_class = getattr(typst, "Compile", None)
    if job_class is None or "submit" not in vars(worker_class):  # a one-call worker again
        if "compile" in vars(worker_class):
            compile_ = worker_class.compile

            def timed_compile(*args: Any, **kwargs: Any) -> Any:
                before = _typst_worker_cpu()
                try:
                    with clock.stage(ENGINE):
                        return compile_(*args, **kwargs)
                finally:
                    clock.credit(["pdf", ENGINE], max(0.0, _typst_worker_cpu() - before))

            worker_class.compile = timed_compile
            undo.append(lambda: setattr(worker_class, "compile", compile_))
        return
    submit, result = worker_class.submit, job_class.result

    def timed_submit(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = _typst_worker_cpu()
        with clock.stage(ENGINE):
            job = submit(self, *args, **kwargs)
        job.bench_sent = (time.perf_counter(), before)
        return job

    def timed_result(self: Any) -> Any:
        sent, before = getattr(self, "bench_sent", (time.perf_counter(), _typst_worker_cpu()))
        clock.beside[ENGINE] += time.perf_counter() - sent  # it compiled while the build went on
        try:
            with clock.stage(ENGINE):
                return result(self)
        finally:
            clock.credit(["pdf", ENGINE], max(0.0, _typst_worker_cpu() - before))

    worker_class.submit = timed_submit
    job_class.result = timed_result
    undo.append(lambda: setattr(worker_class, "submit", submit))
    undo.append(lambda: setattr(job_class, "result", result))


def clear_result_caches() -> None:
    """Forget every per-case result: laid-out diagrams, sanitised SVG, the identifier
    matcher, clean leak-guard verdicts, deck parts the guard has read, text measured
    for the decks.

    Warm means imports, fonts and renderers, not results: a batch worker's next
    case is a different one. A cache renamed by a later change is skipped, not fatal.
    """
    from rca.privacy import detect, extract, guard, identifiers
    from rca.render import dot, html, textfit

    dot.clear_cache()
    guard._CLEAN.clear()
    getattr(extract, "clear_cache", lambda: None)()
    # Text measured and wrapped for the decks, phone numbers parsed: keyed by the case's
    # own text, so a different case would measure it again.
    for module, name in (
        (html, "_inline"),
        (identifiers, "_matcher"),
        (textfit, "_wrap"),
        (textfit, "_advance"),
        (detect, "_phones"),
    ):
        cached = getattr(module, name, None)
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
    beside: dict[str, list[float]] = defaultdict(list)
    totals, cpu_totals = [], []
    between: list[float] = []  # what no stage holds: the loop between them
    between_cpu: list[float] = []
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
                parts = sum(measured.get(part, 0.0) for part in ENGINE_PARTS)
                measured[TEMPLATE] = measured["pdf"] - parts
        for name in clock.seconds.keys() | clock.cpu.keys():
            wall[name].append(clock.seconds.get(name, 0.0))
            cpu[name].append(clock.cpu.get(name, 0.0))
        for name, seconds in clock.beside.items():
            beside[name].append(seconds)
        # The top-level stages add up to the whole, bar the loop between them.
        top = [n for n in clock.seconds.keys() | clock.cpu.keys() if ":" not in n]
        between.append(totals[-1] - sum(clock.seconds.get(n, 0.0) for n in top))
        between_cpu.append(cpu_totals[-1] - sum(clock.cpu.get(n, 0.0) for n in top))
    stages = {name: statistics.median(values) for name, values in wall.items()}
    stages_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    if "pptx" in formats:  # only decks place PNGs
        stages[PNG], stages_cpu[PNG] = png_share(case, profiles, runs)
    floors = stage_floors(case, profiles, artifacts, tmp, runs, formats)
    total = statistics.median(totals)
    engine = sum(stages.get(part, 0) for part in ENGINE_PARTS)
    engine_cpu = sum(stages_cpu.get(part, 0) for part in ENGINE_PARTS)
    total_cpu = statistics.median(cpu_totals)
    return {
        "case": case.name,
        "formats": ",".join(formats),
        "runs": runs,
        "total_s": round(total, 3),
        "total_cpu_s": round(total_cpu, 3),
        "stages_s": {k: round(v, 4) for k, v in sorted(stages.items(), key=_stage_order)},
        "stages_cpu_s": {k: round(v, 4) for k, v in sorted(stages_cpu.items(), key=_stage_order)},
        "floors_s": {k: round(w, 4) for k, (w, _) in floors.items()},
        "floors_cpu_s": {k: round(c, 4) for k, (_, c) in floors.items()},
        "pdf_engine": pdf_engine(),
        "between_stages_s": round(statistics.median(between), 4),
        "between_stages_cpu_s": round(statistics.median(between_cpu), 4),
        "ran_beside_s": {k: round(statistics.median(v), 4) for k, v in sorted(beside.items())},
        "everything_but_pdf_engine_share": round(1 - engine / total, 2),
        "everything_but_pdf_engine_cpu_share": round(1 - engine_cpu / total_cpu, 2),
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
    if "between_stages_s" in result:
        seconds, used = result["between_stages_s"], result["between_stages_cpu_s"]
        lines.append(
            f"{'(between the stages)':<40} {seconds:>8.3f} {seconds / total:>6.0%} "
            f"{used:>8.3f} {used / cpu_total:>6.0%}"
        )
    for name, seconds in result.get("ran_beside_s", {}).items():
        lines.append(
            f"{name + ' ran beside other stages':<40} {seconds:>8.3f} (wall, not in the sum)"
        )
    if "everything_but_pdf_engine_cpu_share" in result:
        lines.append(
            f"everything but the PDF engine: {result['everything_but_pdf_engine_share']:.0%} "
            f"of the wall, {result['everything_but_pdf_engine_cpu_share']:.0%} of the CPU"
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
