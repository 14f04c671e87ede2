"""Building many cases: a content-hash cache, warm parallel workers, per-case outcomes.

A case is rebuilt only when something in its cache key changed: the record's
bytes, the audiences and formats asked for, the day (overdue actions depend on
it), the templates and profiles, and rca itself (its version and the hash of its
code and data files). The manifest lives in `<out>/.rca-cache.json` (rca.cache).
One failing case never stops the others; each gets an outcome.

A build holds `<out>`'s lock from start to end; a second build into the same
folder waits (RCA_LOCK_WAIT seconds, default 10), then refuses. Workers are
forked processes that die with their parent (Linux: PR_SET_PDEATHSIG; else
they poll their parent), so a killed build leaves no orphan writing files. A
case has a time limit (`--time-limit`); a worker stuck past it, even in C
code, is killed by the parent, and a worker whose case ran out of time is
replaced, since an interrupted renderer is not trusted with the next case.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal

from rca import __version__, pipeline
from rca.audience import Profile
from rca.cache import drop_cases, load_manifest, save_manifest
from rca.errors import InputFileError, LeakError, LimitError, RcaError, TimeLimitError
from rca.fs import STAGE, output_lock, read_capped
from rca.limits import case_seconds
from rca.load import check_record, find_record_files
from rca.project import find_project_file
from rca.render.registry import pdf_engine
from rca.templating import builtin_template_dir
from rca.yamlsafe import MAX_BYTES

Status = Literal["built", "cached", "failed"]
# How long past its time limit a worker may stay silent before it is killed:
# the limit itself is enforced inside the worker; this catches C code that
# never gives the interpreter a chance to raise.
HARD_KILL_GRACE = 10.0


@dataclass(frozen=True)
class CaseOutcome:
    """What happened to one case record in a batch build."""

    source: str
    case_id: str | None
    status: Status
    seconds: float
    files: list[str] = field(default_factory=list)
    error: str | None = None
    peak_rss_mb: float | None = None
    leak: bool = False  # the failure was the leak guard stopping an output
    timed_out: bool = False  # the failure was the per-case time limit
    too_large: bool = False  # the failure was another limit: an output or a graph too large


@dataclass(frozen=True)
class BuildPlan:
    """Everything a worker needs to build one case (picklable)."""

    profiles: tuple[Profile, ...]
    formats: tuple[str, ...]
    out_dir: Path
    today: date
    template_dirs: tuple[Path, ...]
    # Extra context per record (by resolved path), per audience id: what the case library
    # adds to a brief (similar past cases). Part of that record's cache key.
    extra: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    time_limit: float | None = None  # seconds per case; None: RCA_TIME_LIMIT or 120; 0: none
    draft: bool = False  # mark reviews not passing as approved DRAFT instead of refusing them


def _files_digest(roots: Sequence[Path], suffixes: tuple[str, ...] | None = None) -> str:
    digest = hashlib.sha256()
    for index, root in enumerate(roots):
        digest.update(f"root {index}\0".encode())  # a folder earlier in the search path wins
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or (suffixes and path.suffix not in suffixes):
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


@functools.cache
def package_digest() -> str:
    """A hash of rca's own code and data files (its schema, vocabularies and taxonomies)."""
    return _files_digest([Path(__file__).parent], (".py", ".yaml"))


def environment_key(plan: BuildPlan) -> str:
    """The part of every cache key that does not depend on the record."""
    parts = {
        "rca": __version__,
        "code": package_digest(),
        "templates": _files_digest([builtin_template_dir(), *plan.template_dirs]),
        "profiles": [p.model_dump(mode="json") for p in plan.profiles],
        "formats": list(plan.formats),
        "pdf_engine": pdf_engine() if "pdf" in plan.formats else None,
        "today": plan.today.isoformat(),
        "draft": plan.draft,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _peak_rss_mb() -> float | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):  # pragma: no cover - not on every platform
        return None


def build_one(source: Path, plan: BuildPlan) -> CaseOutcome:
    """Validate, analyse, render, guard and write one case; never raises.

    The caller holds the output folder's lock.
    """
    from rca.pipeline import render_case_within, write_artifacts

    started = time.perf_counter()
    case_id: str | None = None
    leak = timed_out = too_large = False
    try:
        loaded, problems = check_record(source)
        if loaded is None:
            raise RcaError("\n".join(map(str, problems)))
        case_id = loaded.record.case_id
        artifacts = render_case_within(
            loaded,
            plan.profiles,
            plan.formats,
            today=plan.today,
            template_dirs=plan.template_dirs,
            extra=plan.extra.get(str(source.resolve())),
            seconds=plan.time_limit,
            draft=plan.draft,
        )
        written = write_artifacts(artifacts, plan.out_dir / case_id)
        files = [str(p.relative_to(plan.out_dir)) for p in written]
        return CaseOutcome(
            str(source),
            case_id,
            "built",
            time.perf_counter() - started,
            files,
            peak_rss_mb=_peak_rss_mb(),
        )
    except LeakError as exc:
        error, leak = str(exc), True
    except TimeLimitError as exc:
        error, timed_out = str(exc), True
    except LimitError as exc:  # an output too large to check, or too many causes to render
        error, too_large = str(exc), True
    except RcaError as exc:
        error = str(exc)
    except Exception as exc:  # a bug in rca: report it against this case, build the rest
        error = f"internal error ({type(exc).__name__}: {exc}); please report it"
    return CaseOutcome(
        str(source),
        case_id,
        "failed",
        time.perf_counter() - started,
        error=error,
        peak_rss_mb=_peak_rss_mb(),
        leak=leak,
        timed_out=timed_out,
        too_large=too_large,
    )


def failed_exit_code(outcomes: Sequence[CaseOutcome]) -> int:
    """The exit code of a batch: 0 if nothing failed, else its most serious failure.

    3 if the leak guard stopped any case; 1 if any case failed for another reason
    (an invalid record, a write error); 4 only when every failure was a limit (the
    per-case time limit, an output too large to check, too many causes to render),
    so a script reading 4 knows that every record was valid and only size stood in
    the way.
    """
    failed = [o for o in outcomes if o.status == "failed"]
    if not failed:
        return 0
    if any(o.leak for o in failed):
        return LeakError.exit_code
    if all(o.timed_out or o.too_large for o in failed):
        return LimitError.exit_code
    return RcaError.exit_code


def _warm(formats: tuple[str, ...]) -> None:
    # Import and construct every renderer once per worker, so each case pays
    # only for its own rendering (PERF-NOTES: WeasyPrint's import alone is 0.4 s).
    from rca.render.registry import get_renderer

    for fmt in formats:
        get_renderer(fmt)


@dataclass(frozen=True)
class _Task:
    source: Path
    key: str
    case_id: str


def build_many(
    paths: Sequence[Path],
    plan: BuildPlan,
    *,
    jobs: int | None = None,
    force: bool = False,
    on_outcome: Callable[[CaseOutcome], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> list[CaseOutcome]:
    """Build every record under `paths`; cached ones are skipped; returns one outcome each.

    Holds `plan.out_dir`'s lock throughout (OutputBusyError if another rca
    process keeps it past RCA_LOCK_WAIT).
    """
    files = find_record_files(paths)
    with output_lock(plan.out_dir, "build"):
        return _build_locked(files, plan, jobs or os.cpu_count() or 1, force, on_outcome, on_start)


def _build_locked(
    files: list[Path],
    plan: BuildPlan,
    jobs: int,
    force: bool,
    on_outcome: Callable[[CaseOutcome], None] | None,
    on_start: Callable[[int, int], None] | None,
) -> list[CaseOutcome]:
    manifest = load_manifest(plan.out_dir)
    cases: dict[str, Any] = manifest["cases"]
    before = json.dumps(cases, sort_keys=True)
    env = environment_key(plan)
    outcomes: list[CaseOutcome] = []
    todo: list[_Task] = []
    owner: dict[str, str] = {}  # case id -> the first file (in path order) that claims it

    def report(outcome: CaseOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    for source in files:
        resolved = str(source.resolve())
        extra = plan.extra.get(resolved)
        key, error = _record_key(source, env + (json.dumps(extra, sort_keys=True) if extra else ""))
        entry = cases.get(resolved)
        cached = (
            not force
            and error is None
            and entry is not None
            and entry.get("key") == key
            and all((plan.out_dir / f).is_file() for f in entry.get("files", []))
        )
        # Records are checked here, before any build, so that an invalid one
        # fails at once and two records claiming one case id never both write
        # into OUT/<case-id>/.
        case_id: str | None = None
        if cached and entry is not None:
            case_id = entry.get("case_id")
        elif error is None:
            loaded, problems = check_record(source)
            case_id = loaded.record.case_id if loaded is not None else None
            if loaded is None:
                error = "\n".join(map(str, problems))
        if error is None and case_id is not None and case_id in owner:
            error = f"case id '{case_id}' is also used by {owner[case_id]}"
        if error is not None or case_id is None:
            cases.pop(resolved, None)
            report(CaseOutcome(str(source), None, "failed", 0.0, error=error))
            continue
        owner[case_id] = str(source)
        if cached and entry is not None:
            report(CaseOutcome(str(source), case_id, "cached", 0.0, entry["files"]))
        else:
            cases.pop(resolved, None)
            todo.append(_Task(source, key, case_id))
    # Dirty before any write: no entry may vouch for a folder about to change.
    # Saved (and synced) now, so a build killed from here on leaves these
    # cases to be rebuilt, never reported cached.
    drop_cases(manifest, [t.case_id for t in todo])
    if json.dumps(cases, sort_keys=True) != before:
        save_manifest(plan.out_dir, manifest)
    if on_start:
        on_start(len(todo), len(files))

    for task, outcome in _run(todo, plan, jobs):
        if outcome.status == "built":
            # Trusted only now, after the case folder was swapped into place.
            cases[str(task.source.resolve())] = {
                "key": task.key,
                "case_id": outcome.case_id,
                "files": outcome.files,
            }
            save_manifest(plan.out_dir, manifest)
        report(outcome)
    return sorted(outcomes, key=lambda o: o.source)


def _record_key(source: Path, env: str) -> tuple[str, str | None]:
    """The cache key of one record file, or an error when it cannot be read."""
    try:
        record = read_capped(source, MAX_BYTES)
        # The project file (rca.toml) above the record changes what it renders to.
        project = find_project_file(source)
        settings = project.read_bytes() if project is not None else b""
        return hashlib.sha256(env.encode() + settings + record).hexdigest(), None
    except OSError as exc:
        return "", f"{source}: cannot read file: {exc.strerror}"
    except InputFileError as exc:
        if "may be at most" in exc.reason:
            return "", None  # check_record reports the size, with its limit
        return "", str(exc)


def _run(todo: list[_Task], plan: BuildPlan, jobs: int) -> Iterator[tuple[_Task, CaseOutcome]]:
    if jobs <= 1 or len(todo) <= 1:
        if todo:
            _warm(plan.formats)
        for task in todo:
            yield task, build_one(task.source, plan)
        return
    yield from _Pool(plan, min(jobs, len(todo))).run(todo)


# --------------------------------------------------------------------------- workers


def _die_with_parent(parent: int) -> None:
    """Make this worker end when the build that started it ends, however that ends."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:  # where there is no PR_SET_PDEATHSIG, and as a second line
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="rca-parent-watch", daemon=True).start()


def _serve(conn: Connection, plan: BuildPlan, parent: int) -> None:
    """A worker: build the cases sent to it, one at a time, until told to stop."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    pipeline.OVERLAP = False  # the workers fill the cores: a case's steps run in turn
    _warm(plan.formats)
    while True:
        try:
            source = conn.recv()
        except (EOFError, OSError):
            return
        if source is None:
            return
        outcome = build_one(source, plan)
        try:
            conn.send(outcome)
        except OSError:
            return
        if outcome.timed_out:
            return  # interrupted mid-render: do not trust this process with another case


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process (its type is context-specific)
    conn: Connection
    task: _Task | None = None
    started: float = 0.0
    retiring: bool = False  # it ran out of time and exits after answering: no new work


class _Pool:
    """Forked workers fed one case at a time; the parent watches their time and their health."""

    def __init__(self, plan: BuildPlan, jobs: int) -> None:
        self.plan = plan
        self.jobs = jobs
        self.limit = case_seconds(plan.time_limit)
        self.context = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []

    def _spawn(self) -> _Worker:
        mine, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_serve, args=(theirs, self.plan, os.getpid()), name="rca-build", daemon=True
        )
        process.start()
        theirs.close()
        return _Worker(process, mine)

    def run(self, todo: list[_Task]) -> Iterator[tuple[_Task, CaseOutcome]]:
        queue = deque(todo)
        try:
            while queue or any(w.task for w in self.workers):
                for worker in self.workers:
                    if worker.task is None and not worker.retiring and queue:
                        self._assign(worker, queue.popleft())
                self._retire()
                while queue and len(self.workers) < self.jobs:
                    worker = self._spawn()
                    self.workers.append(worker)
                    self._assign(worker, queue.popleft())
                busy = [w for w in self.workers if w.task is not None]
                wait([x for w in busy for x in (w.conn, w.process.sentinel)], self._timeout(busy))
                for worker in busy:
                    done = self._collect(worker)
                    if done is not None:
                        yield done
                self.workers = [w for w in self.workers if w.process.is_alive()]
        finally:
            self._stop()

    def _retire(self) -> None:
        for worker in [w for w in self.workers if w.retiring]:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
            self.workers.remove(worker)

    def _assign(self, worker: _Worker, task: _Task) -> None:
        worker.task, worker.started = task, time.monotonic()
        with contextlib.suppress(OSError):  # if it died, _collect reports the case
            worker.conn.send(task.source)

    def _timeout(self, busy: list[_Worker]) -> float | None:
        if self.limit is None:
            return None
        nearest = min(w.started for w in busy) + self.limit + HARD_KILL_GRACE
        return max(0.0, nearest - time.monotonic())

    def _collect(self, worker: _Worker) -> tuple[_Task, CaseOutcome] | None:
        task = worker.task
        assert task is not None
        outcome: CaseOutcome | None = None
        if worker.conn.poll():
            try:
                outcome = worker.conn.recv()
            except (EOFError, OSError):
                outcome = None
        if outcome is not None:
            worker.task = None
            worker.retiring = outcome.timed_out  # see _serve
            return task, outcome
        elapsed = time.monotonic() - worker.started
        if not worker.process.is_alive():
            worker.process.join()
            error = f"the worker building it died ({_exit_text(worker.process.exitcode)})"
            timed_out = False
        elif self.limit is not None and elapsed > self.limit + HARD_KILL_GRACE:
            worker.process.kill()
            worker.process.join()
            error = (
                f"{task.case_id}: stopped after {elapsed:.0f} s: the per-case time limit is "
                f"{self.limit:g} s and the worker did not stop by itself. Raise the limit with "
                "--time-limit or RCA_TIME_LIMIT (0: none)"
            )
            timed_out = True
        else:
            return None
        worker.task = None
        _discard_stage(self.plan.out_dir, task.case_id)
        return task, CaseOutcome(
            str(task.source),
            task.case_id,
            "failed",
            elapsed,
            error=f"{error}; nothing of this case was changed",
            timed_out=timed_out,
        )

    def _stop(self) -> None:
        for worker in self.workers:
            if worker.task is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
        deadline = time.monotonic() + 5
        for worker in self.workers:
            if worker.task is not None:  # interrupted (Ctrl-C, an error in the parent)
                worker.process.kill()
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
            if worker.task is not None:
                _discard_stage(self.plan.out_dir, worker.task.case_id)
        self.workers = []


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _discard_stage(out_dir: Path, case_id: str) -> None:
    # A worker killed mid-write leaves its stage folder; the lock is ours, so it is stale.
    for stage in out_dir.glob(f"{STAGE}{case_id}.*"):
        shutil.rmtree(stage, ignore_errors=True)


def outcomes_json(outcomes: Sequence[CaseOutcome]) -> str:
    """A JSON summary of a batch build, for CI and other tools."""
    return json.dumps([asdict(o) for o in outcomes], indent=2)
