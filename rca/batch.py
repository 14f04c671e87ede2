"""Building many cases: a content-hash cache, warm parallel workers, per-case outcomes.

A case is rebuilt only when something in its cache key changed: the record's
bytes, the audiences and formats asked for, the day (overdue actions depend on
it), the templates and profiles, and rca itself (its version and the hash of its
code and data files). The manifest lives in `<out>/.rca-cache.json`. One
failing case never stops the others; each gets an outcome.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from rca import __version__
from rca.audience import Profile
from rca.errors import LeakError, RcaError
from rca.fs import write_atomic
from rca.load import check_record, find_record_files
from rca.project import find_project_file
from rca.templating import builtin_template_dir
from rca.yamlsafe import MAX_BYTES

MANIFEST = ".rca-cache.json"
Status = Literal["built", "cached", "failed"]


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
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def environment_key(plan: BuildPlan) -> str:
    """The part of every cache key that does not depend on the record."""
    package = Path(__file__).parent
    parts = {
        "rca": __version__,
        "code": _files_digest([package], (".py", ".yaml")),
        "templates": _files_digest([builtin_template_dir(), *plan.template_dirs]),
        "profiles": [p.model_dump(mode="json") for p in plan.profiles],
        "formats": list(plan.formats),
        "today": plan.today.isoformat(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _load_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and data.get("version") == 1 else {"version": 1}
    except (OSError, ValueError):
        return {"version": 1}


def _save_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    write_atomic(out_dir / MANIFEST, text.encode("utf-8"))


def _peak_rss_mb() -> float | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):  # pragma: no cover - not on every platform
        return None


def build_one(source: Path, plan: BuildPlan) -> CaseOutcome:
    """Validate, analyse, render, guard and write one case; never raises."""
    from rca.pipeline import render_case, write_artifacts

    started = time.perf_counter()
    case_id: str | None = None
    try:
        loaded, problems = check_record(source)
        if loaded is None:
            raise RcaError("\n".join(map(str, problems)))
        case_id = loaded.record.case_id
        artifacts = render_case(
            loaded,
            plan.profiles,
            plan.formats,
            today=plan.today,
            template_dirs=plan.template_dirs,
            extra=plan.extra.get(str(source.resolve())),
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
        return CaseOutcome(
            str(source),
            case_id,
            "failed",
            time.perf_counter() - started,
            error=str(exc),
            peak_rss_mb=_peak_rss_mb(),
            leak=True,
        )
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
    )


def _warm(formats: tuple[str, ...]) -> None:
    # Import and construct every renderer once per worker, so each case pays
    # only for its own rendering (PERF-NOTES: WeasyPrint's import alone is 0.4 s).
    from rca.render.registry import get_renderer

    for fmt in formats:
        get_renderer(fmt)


def build_many(
    paths: Sequence[Path],
    plan: BuildPlan,
    *,
    jobs: int | None = None,
    force: bool = False,
    on_outcome: Callable[[CaseOutcome], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> list[CaseOutcome]:
    """Build every record under `paths`; cached ones are skipped; returns one outcome each."""
    files = find_record_files(paths)
    manifest = _load_manifest(plan.out_dir)
    cases: dict[str, Any] = manifest.setdefault("cases", {})
    env = environment_key(plan)
    outcomes: list[CaseOutcome] = []
    todo: list[tuple[Path, str]] = []
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
            and entry is not None
            and entry.get("key") == key
            and all((plan.out_dir / f).is_file() for f in entry.get("files", []))
        )
        # Records are checked here, before any build, so that an invalid one
        # fails at once and two records claiming one case id never both write
        # into OUT/<case-id>/.
        if cached and entry is not None:
            case_id = entry.get("case_id")
        elif error is None:
            loaded, problems = check_record(source)
            case_id = loaded.record.case_id if loaded is not None else None
            if loaded is None:
                error = "\n".join(map(str, problems))
        if error is None and case_id is not None and case_id in owner:
            error = f"case id '{case_id}' is also used by {owner[case_id]}"
        if error is not None:
            cases.pop(resolved, None)
            report(CaseOutcome(str(source), None, "failed", 0.0, error=error))
            continue
        if case_id is not None:
            owner[case_id] = str(source)
        if cached and entry is not None:
            report(CaseOutcome(str(source), case_id, "cached", 0.0, entry["files"]))
        else:
            todo.append((source, key))
    if on_start:
        on_start(len(todo), len(files))

    for outcome, key in _run(todo, plan, jobs or os.cpu_count() or 1):
        resolved = str(Path(outcome.source).resolve())
        if outcome.status == "built":
            cases[resolved] = {"key": key, "case_id": outcome.case_id, "files": outcome.files}
        else:
            cases.pop(resolved, None)
        report(outcome)
    if todo or len(cases) != len(manifest.get("cases", {})):
        _save_manifest(plan.out_dir, manifest)
    return sorted(outcomes, key=lambda o: o.source)


def _record_key(source: Path, env: str) -> tuple[str, str | None]:
    """The cache key of one record file, or an error when it cannot be read."""
    try:
        if source.stat().st_size > MAX_BYTES:
            return "", None  # check_record reports the size, with its limit
        # The project file (rca.toml) above the record changes what it renders to.
        project = find_project_file(source)
        settings = project.read_bytes() if project is not None else b""
        return hashlib.sha256(env.encode() + settings + source.read_bytes()).hexdigest(), None
    except OSError as exc:
        return "", f"{source}: cannot read file: {exc.strerror}"


def _run(
    todo: list[tuple[Path, str]], plan: BuildPlan, jobs: int
) -> Iterator[tuple[CaseOutcome, str]]:
    if jobs <= 1 or len(todo) <= 1:
        if todo:
            _warm(plan.formats)
        for source, key in todo:
            yield build_one(source, plan), key
        return
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(todo)), initializer=_warm, initargs=(plan.formats,)
    ) as pool:
        pending: dict[Future[CaseOutcome], str] = {
            pool.submit(build_one, source, plan): key for source, key in todo
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                key = pending.pop(future)
                try:
                    yield future.result(), key
                except BrokenProcessPool as exc:  # a worker died (out of memory, killed)
                    source = next(s for s, k in todo if k == key)
                    yield (
                        CaseOutcome(str(source), None, "failed", 0.0, error=f"worker died: {exc}"),
                        key,
                    )


def outcomes_json(outcomes: Sequence[CaseOutcome]) -> str:
    """A JSON summary of a batch build, for CI and other tools."""
    return json.dumps([asdict(o) for o in outcomes], indent=2)
