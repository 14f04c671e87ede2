"""The pipeline: load -> analyse -> redact per audience -> render -> guard -> write.

records = load_records(paths)
for each record: findings = analyse(record)                  # all of it within the
    for each audience: context = build_context(...)          # per-case time limit
                       diagrams = render_diagrams(context)
                       artifacts += render(context, diagrams) for each format
    check_artifacts(artifacts)        # the leak guard; nothing is written on a hit
    write_artifacts(artifacts)        # staged, then swapped in whole: old or new, never mixed

That is the order of a case's steps and of its artifacts. `render_case` runs
them overlapped where the work happens outside the interpreter (the `dot`
processes of every audience's diagrams beside the decks; a Typst compile beside
the next steps), with the outcome of running them in that order (`_Steps`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import Any

from rca.artifact import Artifact
from rca.audience import Profile, select_profiles
from rca.cache import forget_cases
from rca.errors import RenderLimitError
from rca.fs import failpoint, output_lock, replace_folder
from rca.limits import case_seconds, time_limit
from rca.load import LoadedRecord, load_records

# More causes than this are not laid out and rendered: at 1,000 a build of every format
# takes about a minute (benchmarks.scaling), at 5,000 the graph's layout alone runs past
# any sensible limit, and no reader follows a causal graph of thousands of boxes.
# `validate` and `analyze` have no such limit.
MAX_RENDER_CAUSES = 1000


def check_renderable(loaded: LoadedRecord) -> None:
    """Raise RenderLimitError for a case with more causes than rca renders; before any work."""
    record = loaded.record
    if len(record.causes) > MAX_RENDER_CAUSES:
        raise RenderLimitError(
            f"{record.case_id}: {len(record.causes):,} causes is more than rca renders "
            f"({MAX_RENDER_CAUSES:,}): a causal graph that size can be neither laid out in "
            "time nor read; nothing was written. `rca validate` and `rca analyze` work on it; "
            "split it into smaller analyses to render it"
        )


class _Step:
    """What the case is busy with, for the message when its time runs out."""

    def __init__(self) -> None:
        self.doing = "analysing it"


# Whether a case's steps overlap (`_Steps`). Batch workers (rca.batch) turn it
# off: two of them already fill both cores, and work run beside another on a
# busy machine only costs CPU (measured: up to 5 % more a case, no wall saved).
OVERLAP = True

# A case's steps in the order they would run one at a time: (audience index, step).
Order = tuple[int, int]
CONTEXT, DIAGRAMS, RENDERERS = 0, 1, 2  # steps of an audience; renderer k is RENDERERS + k


class _Pending:
    """A step started ahead of its turn (diagrams) or left running past it (a Typst compile)."""

    def __init__(
        self, doing: str, result: Callable[[], Any], cancel: Callable[[], object] | None = None
    ) -> None:
        self.doing = doing
        self.result = result
        self.cancel = cancel


class _Steps:
    """A case's steps run out of order where that saves time, their outcome as if in order.

    Diagrams are laid out by `dot` processes, outside the interpreter: each
    audience's are started in a background thread as soon as its context is
    built, and awaited only by the renderers that use them (the briefs; the
    decks draw native shapes), so `dot` runs on another core while python-pptx
    builds the decks. A renderer with a `start` method (Typst, which compiles in
    its own process) is left compiling while the next steps run, and collected
    when its turn to be awaited comes.

    Every error is the one the steps run in order would have raised: when a
    step fails, every step before it in that order is settled first, and the
    first of their errors wins. When the case stops (an error, its time limit,
    ^C), whatever is still running is stopped: dot processes killed, the
    background thread joined, a pending compile abandoned (its process ended).
    """

    def __init__(self, step: _Step) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from rca.render.dot import DotJobs

        self.step = step
        self.jobs = DotJobs()
        # One thread: each audience's diagrams in turn, the first audience's
        # ready first, and no more dot processes at once than draw_all starts.
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rca-diagrams")
        self.pending: dict[Order, _Pending] = {}
        self.results: dict[Order, Any] = {}
        self.overlap = OVERLAP  # else each step is done (drawn, collected) in its turn

    def __enter__(self) -> _Steps:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is not None:  # the case stopped early: nothing it started may outlive it
            self.jobs.stop()
            for item in self.pending.values():
                if item.cancel is not None:
                    item.cancel()
            self.pending.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def draw(self, at: Order, doing: str, draw: Callable[[], Any]) -> None:
        """Start `draw` (an audience's diagrams) in the background thread."""
        jobs = self.jobs

        def run() -> Any:
            with jobs.active():
                return draw()

        if self.overlap:
            future = self.pool.submit(run)
        else:  # drawn now; an error is kept for its turn, as the thread's would be
            future = Future()
            try:
                future.set_result(run())
            except Exception as exc:
                future.set_exception(exc)
        self.pending[at] = _Pending(doing, future.result, future.cancel)

    def defer(self, at: Order, doing: str, error: Exception) -> None:
        """An error found ahead of its turn: raised when `at` is settled."""

        def fail() -> Any:
            raise error

        self.pending[at] = _Pending(doing, fail)

    def later(self, at: Order, doing: str, started: Any) -> None:
        """A renderer's started work (its `start`), collected when `at` is settled."""
        self.pending[at] = _Pending(doing, started.result, started.cancel)

    def settle(self, upto: Order, *, inclusive: bool = True) -> None:
        """Wait for every pending step up to `upto`, in order; the first error is raised."""
        due = sorted(o for o in self.pending if o < upto or (inclusive and o == upto))
        for at in due:
            item = self.pending[at]
            self.step.doing = item.doing
            try:
                self.results[at] = item.result()
            except Exception:
                del self.pending[at]  # failed, and no longer running
                raise
            del self.pending[at]  # (interrupted, it stays pending: stopped on the way out)

    def run(self, at: Order, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` as step `at`: its error is raised only if no earlier step failed."""
        try:
            return fn(*args)
        except Exception:
            self.settle(at, inclusive=False)
            raise


def render_case(
    loaded: LoadedRecord,
    profiles: Sequence[Profile],
    formats: Sequence[str],
    *,
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    step: _Step | None = None,
    draft: bool = False,
) -> list[Artifact]:
    """Every artifact of one case, checked by the leak guard, not yet written.

    `extra` adds context keys per audience id (e.g. `similar`, the similar past
    cases the case library found, already as that audience reads them). A review
    marked approved or published that does not pass as approved is refused
    (`rca.audit`), unless `draft`: then it, and any review not yet approved, is
    rendered with a DRAFT marking on every output.

    The steps overlap where the work runs outside the interpreter (`_Steps`);
    the artifacts, their order and any error are those of the steps run in turn.
    """
    from rca.analyse import analyse
    from rca.audit import check_approvable, draft_reasons
    from rca.privacy.guard import check_artifacts
    from rca.render.context import build_context
    from rca.render.diagrams import render_diagrams
    from rca.render.registry import RenderInput, get_renderer

    step = step or _Step()
    check_renderable(loaded)
    failpoint("render")
    renderers = []
    for fmt in formats:  # inputs a renderer checks up front (a deck master), before the next
        renderer = get_renderer(fmt)  # renderer's import (WeasyPrint's takes a while)
        prepare = getattr(renderer, "prepare", None)
        if prepare is not None:
            prepare(tuple(template_dirs))
        renderers.append(renderer)
    findings = analyse(loaded, today=today)
    marking = draft_reasons(loaded, findings) if draft else []
    if not draft:
        check_approvable(loaded, findings)
    raster = any(r.raster_diagrams for r in renderers)
    inputs: list[RenderInput] = []
    with _Steps(step) as steps:
        # Every audience's context first, its diagrams started at once.
        for i, profile in enumerate(profiles):
            doing = f"drawing the {profile.id} diagrams"
            step.doing = doing
            try:
                context = build_context(loaded, findings, profile, today=today, draft=marking)
                context.update((extra or {}).get(profile.id, {}))
            except Exception as exc:
                steps.defer((i, CONTEXT), doing, exc)
                break
            inputs.append(RenderInput(context, {}, tuple(template_dirs)))
            steps.draw(
                (i, DIAGRAMS), doing, functools.partial(render_diagrams, context, raster=raster)
            )
        for i, profile in enumerate(profiles):
            if (i, CONTEXT) in steps.pending:  # its context failed: raised in its turn
                steps.settle((i, CONTEXT))
            data = inputs[i]
            for k, renderer in enumerate(renderers):
                at = (i, RENDERERS + k)
                name = f"{profile.id}.{renderer.extension}"
                if getattr(renderer, "uses_diagrams", True) and not data.diagrams:
                    steps.settle((i, DIAGRAMS))  # until now the decks ran beside dot
                    data.diagrams.update(steps.results[(i, DIAGRAMS)])
                step.doing = f"rendering {name}"
                start = getattr(renderer, "start", None)
                if start is None:
                    steps.results[at] = steps.run(at, renderer.render, data)
                    continue
                # Left running while the next steps go on; this renderer's previous
                # job (an earlier audience's, still pending) is collected first.
                earlier = [o for o in steps.pending if o[1] == at[1]]
                if earlier:
                    steps.settle(max(earlier))
                steps.later(at, f"rendering {name}", steps.run(at, start, data))
                if not steps.overlap:
                    steps.settle(at)
        steps.settle((len(profiles), CONTEXT), inclusive=False)  # all of it
    artifacts: list[Artifact] = []
    for i, profile in enumerate(profiles):
        for k, renderer in enumerate(renderers):
            at = (i, RENDERERS + k)
            name = f"{profile.id}.{renderer.extension}"
            artifacts.append(Artifact(name, steps.results[at], profile.id))
        for diagram in steps.results[(i, DIAGRAMS)].values():
            stem = f"diagrams/{profile.id}-{diagram.name}"
            artifacts.append(Artifact(f"{stem}.svg", diagram.svg.encode("utf-8"), profile.id))
            artifacts.append(Artifact(f"{stem}.dot", diagram.dot.encode("utf-8"), profile.id))
            if diagram.png:
                artifacts.append(Artifact(f"{stem}.png", diagram.png, profile.id))
    step.doing = "checking the outputs for personal data"
    check_artifacts(loaded, {p.id: p for p in profiles}, artifacts)
    return artifacts


def render_case_within(
    loaded: LoadedRecord,
    profiles: Sequence[Profile],
    formats: Sequence[str],
    *,
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    seconds: float | None = None,
    draft: bool = False,
) -> list[Artifact]:
    """`render_case` under the per-case time limit (`seconds`; None: RCA_TIME_LIMIT or 120 s)."""
    limit = case_seconds(seconds)
    step = _Step()
    case_id = loaded.record.case_id

    def message() -> str:
        return (
            f"{case_id}: stopped after {limit:g} s while {step.doing}: the per-case time limit. "
            "The record may be too large to render in one go; raise the limit with "
            "--time-limit or RCA_TIME_LIMIT (0: none)"
        )

    with time_limit(limit, message):
        return render_case(
            loaded,
            profiles,
            formats,
            today=today,
            template_dirs=template_dirs,
            extra=extra,
            step=step,
            draft=draft,
        )


def write_artifacts(artifacts: Sequence[Artifact], case_dir: Path) -> list[Path]:
    """Replace `<out>/<case-id>/` with exactly these artifacts, whole: old or new, never mixed."""
    return replace_folder(case_dir, [(a.name, a.data) for a in artifacts])


def build(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    audiences: Sequence[str] = ("all",),
    formats: Sequence[str] = ("pptx", "pdf", "html"),
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
    time_limit_seconds: float | None = None,
    draft: bool = False,
) -> list[Path]:
    """Render every case under `paths` for every audience into `<out>/<case-id>/`.

    One case at a time, each all-or-nothing: a case's folder is replaced only
    after all its files passed the leak guard, and then whole. The first error
    stops the run (`rca render`); `rca.batch` is the forgiving, parallel,
    cached variant.
    """
    profiles = select_profiles(audiences, template_dirs)
    written: list[Path] = []
    for loaded in load_records(paths):
        written += render_into(
            loaded,
            profiles,
            formats,
            out_dir,
            command="render",
            today=today,
            template_dirs=template_dirs,
            seconds=time_limit_seconds,
            draft=draft,
        )
    return written


def render_into(
    loaded: LoadedRecord,
    profiles: Sequence[Profile],
    formats: Sequence[str],
    out_dir: Path,
    *,
    command: str,
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
    seconds: float | None = None,
    draft: bool = False,
) -> list[Path]:
    """One case rendered within its time limit, then its folder replaced whole under the lock.

    The build cache forgets the case: its folder now holds what `command`
    (named in the lock, for the busy message) wrote, not a cached build.
    """
    artifacts = render_case_within(
        loaded,
        profiles,
        formats,
        today=today,
        template_dirs=template_dirs,
        seconds=seconds,
        draft=draft,
    )
    case_id = loaded.record.case_id
    with output_lock(out_dir, command):
        forget_cases(out_dir, [case_id])
        return write_artifacts(artifacts, out_dir / case_id)
