"""The pipeline: load -> analyse -> redact per audience -> render -> guard -> write.

records = load_records(paths)
for each record: findings = analyse(record)
    for each audience: context = build_context(record, findings, profile, today)
                       diagrams = render_diagrams(context)
                       artifacts += render(context, diagrams) for each format
    check_artifacts(artifacts)        # the leak guard; nothing is written on a hit
    write_atomic(each artifact)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rca.artifact import Artifact
from rca.audience import Profile, select_profiles
from rca.fs import write_atomic
from rca.load import LoadedRecord, load_records


def render_case(
    loaded: LoadedRecord,
    profiles: Sequence[Profile],
    formats: Sequence[str],
    *,
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Artifact]:
    """Every artifact of one case, checked by the leak guard, not yet written.

    `extra` adds context keys per audience id (e.g. `similar`, the similar past
    cases the case library found, already as that audience reads them).
    """
    from rca.analyse import analyse
    from rca.privacy.guard import check_artifacts
    from rca.render.context import build_context
    from rca.render.diagrams import render_diagrams
    from rca.render.registry import RenderInput, get_renderer

    findings = analyse(loaded, today=today)
    renderers = [get_renderer(fmt) for fmt in formats]
    raster = any(r.raster_diagrams for r in renderers)
    artifacts: list[Artifact] = []
    for profile in profiles:
        context = build_context(loaded, findings, profile, today=today)
        context.update((extra or {}).get(profile.id, {}))
        diagrams = render_diagrams(context, raster=raster)
        data = RenderInput(context, diagrams, tuple(template_dirs))
        for renderer in renderers:
            name = f"{profile.id}.{renderer.extension}"
            artifacts.append(Artifact(name, renderer.render(data), profile.id))
        for diagram in diagrams.values():
            stem = f"diagrams/{profile.id}-{diagram.name}"
            artifacts.append(Artifact(f"{stem}.svg", diagram.svg.encode("utf-8"), profile.id))
            artifacts.append(Artifact(f"{stem}.dot", diagram.dot.encode("utf-8"), profile.id))
            if diagram.png:
                artifacts.append(Artifact(f"{stem}.png", diagram.png, profile.id))
    check_artifacts(loaded, {p.id: p for p in profiles}, artifacts)
    return artifacts


def write_artifacts(artifacts: Sequence[Artifact], case_dir: Path) -> list[Path]:
    """Write a case's artifacts atomically, each file replaced whole or not at all."""
    return [write_atomic(case_dir / a.name, a.data) for a in artifacts]


def build(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    audiences: Sequence[str] = ("all",),
    formats: Sequence[str] = ("pptx", "pdf", "html"),
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
) -> list[Path]:
    """Render every case under `paths` for every audience into `<out>/<case-id>/`.

    One case at a time, each all-or-nothing: a case's files are written only
    after all of them passed the leak guard. The first error stops the run
    (`rca render`); `rca.batch` is the forgiving, parallel, cached variant.
    """
    profiles = select_profiles(audiences, template_dirs)
    written: list[Path] = []
    for loaded in load_records(paths):
        artifacts = render_case(loaded, profiles, formats, today=today, template_dirs=template_dirs)
        written += write_artifacts(artifacts, out_dir / loaded.record.case_id)
    return written
