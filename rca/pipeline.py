"""The pipeline: load -> analyse -> redact per audience -> render -> guard -> write.

records = load_records(paths)
for each record: findings = analyse(record)                  # all of it within the
    for each audience: context = build_context(...)          # per-case time limit
                       diagrams = render_diagrams(context)
                       artifacts += render(context, diagrams) for each format
    check_artifacts(artifacts)        # the leak guard; nothing is written on a hit
    write_artifacts(artifacts)        # staged, then swapped in whole: old or new, never mixed
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    artifacts: list[Artifact] = []
    for profile in profiles:
        step.doing = f"drawing the {profile.id} diagrams"
        context = build_context(loaded, findings, profile, today=today, draft=marking)
        context.update((extra or {}).get(profile.id, {}))
        diagrams = render_diagrams(context, raster=raster)
        data = RenderInput(context, diagrams, tuple(template_dirs))
        for renderer in renderers:
            name = f"{profile.id}.{renderer.extension}"
            step.doing = f"rendering {name}"
            artifacts.append(Artifact(name, renderer.render(data), profile.id))
        for diagram in diagrams.values():
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
