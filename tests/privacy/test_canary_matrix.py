"""The canary matrix of issue 11: fresh identifiers, every variant, every field, both audiences.

`canary_matrix.plant` writes each variant (its own fresh value) into several
free-text fields of a copy of a bundled case, into ids and into the record's
file name. The case is rendered once for leadership and specialist in every
format with the guard switched off, so every artifact can be read; the
artifacts are then read back with tools independent of the guard's
extractors (pdftotext, pdfinfo, the PPTX XML, html.parser) and judged per
format set, `pptx,html` (with the diagrams) and all formats:

- neutralised: no trace of the variant in any artifact (redaction did it);
- stopped: a trace, and the guard reports that identifier (the build fails);
- silent: a trace the guard does not report. There must be none.

Most variants must be neutralised by redaction, not left to the guard. A
positive control (a made-up word nothing detects) must be found by the
read-back in every audience's deck and brief.

`RCA_CANARY_REPORT=path` writes the figures as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from canary_matrix import CONTROL, Planted, Variant, fold, leaked_markers, plant, read_back

import rca.privacy.guard as guard
from rca.artifact import Artifact
from rca.audience import select_profiles
from rca.load import LoadedRecord, load_records
from rca.pipeline import render_case
from rca.privacy.extract import extract
from rca.render.registry import PDF_ENGINE_VARIABLE, PDF_ENGINES

FORMAT_SETS = {"pptx,html": ("pptx", "html"), "all formats": ("pptx", "pdf", "html")}
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Planted, LoadedRecord]:
    result = plant(tmp_path_factory.mktemp("canary-matrix"))
    return result, load_records([result.path])[0]


@pytest.fixture(scope="module", params=sorted(PDF_ENGINES))
def built(request: pytest.FixtureRequest, planted: tuple[Planted, LoadedRecord]) -> list[Artifact]:
    # Every PDF engine offered: the matrix runs once for each.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PDF_ENGINE_VARIABLE, request.param)
        patch.setattr(guard, "check_artifacts", lambda *args: None)
        return render_case(
            planted[1], select_profiles(["leadership", "specialist"]), ("pptx", "pdf", "html")
        )


@pytest.fixture(scope="module")
def traces(built: list[Artifact], planted: tuple[Planted, LoadedRecord]) -> dict[str, set[str]]:
    """Artifact name -> the variants (as written) the independent read-back finds in it."""
    return {a.name: leaked_markers(read_back(a.name, a.data), planted[0].variants) for a in built}


@pytest.fixture(scope="module")
def stops(built: list[Artifact], planted: tuple[Planted, LoadedRecord]) -> dict[str, set[str]]:
    """Artifact name -> the variants the guard reports in it."""
    scanner = guard.Scanner(planted[1])
    out: dict[str, set[str]] = {}
    for artifact in built:
        found: set[str] = set()
        for chunk in extract(artifact.name, artifact.data):
            for hit in scanner._hits(chunk.text, strict=not chunk.patterns, patterns=True):
                found |= _attributed(hit, planted[0].variants)
        out[artifact.name] = found
    return out


def _attributed(hit: Any, items: list[Variant]) -> set[str]:
    if hit.item is not None:
        return {v.written for v in items if v.value == hit.item.value}
    text = fold(hit.text)
    return {v.written for v in items if v.kind is None and any(m in text for m in v.markers)}


def figures(
    items: list[Variant],
    built: list[Artifact],
    traces: dict[str, set[str]],
    stops: dict[str, set[str]],
    formats: tuple[str, ...],
) -> dict[str, Any]:
    """Neutralised / stopped / silent counts for one format set, and the silent variants."""
    names = [
        a.name
        for a in built
        if a.name.startswith("diagrams/") or a.name.rpartition(".")[2] in formats
    ]
    outcome: dict[str, str] = {}
    for v in items:
        seen = [n for n in names if v.written in traces[n]]
        if not seen:
            outcome[v.written] = "neutralised by redaction"
        elif any(v.written in stops[n] for n in seen):
            outcome[v.written] = "stopped by the guard"
        else:
            outcome[v.written] = "silent"
    counts = Counter(outcome.values())
    return {
        "variants": len(items),
        "neutralised by redaction": counts["neutralised by redaction"],
        "stopped by the guard": counts["stopped by the guard"],
        "silent": counts["silent"],
        "silent variants": sorted(v.klass for v in items if outcome[v.written] == "silent"),
        "stopped variants": sorted(
            v.klass for v in items if outcome[v.written] == "stopped by the guard"
        ),
    }


def test_every_free_text_field_and_every_variant_is_planted(
    planted: tuple[Planted, LoadedRecord],
) -> None:
    result, loaded = planted
    assert len(result.fields) > 150
    assert all(result.placed[v.written] for v in result.variants), [
        v.klass for v in result.variants if not result.placed[v.written]
    ]
    classes = {v.klass for v in result.variants}
    assert len(classes) == len(result.variants) > 80
    # The ids and the file name hold a declared account id too.
    cause_ids = [c.id for c in loaded.record.causes]
    assert cause_ids[0].startswith("C-58104473") and loaded.path.name.startswith("export_")


def test_no_variant_leaks_silently_and_most_are_redacted(
    planted: tuple[Planted, LoadedRecord],
    built: list[Artifact],
    traces: dict[str, set[str]],
    stops: dict[str, set[str]],
) -> None:
    items = planted[0].variants
    report = {
        label: figures(items, built, traces, stops, formats)
        for label, formats in FORMAT_SETS.items()
    }
    if os.environ.get("RCA_CANARY_REPORT"):
        Path(os.environ["RCA_CANARY_REPORT"]).write_text(json.dumps(report, indent=2) + "\n")
    for label, numbers in report.items():
        assert numbers["silent"] == 0, (label, numbers["silent variants"])
        # Redaction, not the guard, must neutralise most variants.
        assert numbers["neutralised by redaction"] >= 0.9 * numbers["variants"], (label, numbers)


def test_the_read_back_finds_the_positive_control(
    built: list[Artifact], planted: tuple[Planted, LoadedRecord]
) -> None:
    # The made-up word is undeclared and undetectable: it must show, so the
    # read-back is seen to read every audience's deck and brief.
    for artifact in built:
        if artifact.name.rpartition(".")[2] in ("pptx", "pdf", "html"):
            assert fold(CONTROL) in fold(read_back(artifact.name, artifact.data)), artifact.name


def test_the_guard_passes_the_redacted_build(
    built: list[Artifact], planted: tuple[Planted, LoadedRecord]
) -> None:
    profiles = {p.id: p for p in select_profiles(["leadership", "specialist"])}
    assert guard.find_leaks(planted[1], profiles, built) == []


def test_every_variant_is_visible_to_the_read_back_in_the_record(
    planted: tuple[Planted, LoadedRecord],
) -> None:
    # The markers find every variant as written (encoded, spaced, invisible
    # characters and all): a clean output is clean, not unread.
    source = planted[0].path.read_text(encoding="utf-8")
    assert leaked_markers(source, planted[0].variants) == {v.written for v in planted[0].variants}


def test_the_guard_alone_would_stop_what_redaction_missed(
    planted: tuple[Planted, LoadedRecord],
) -> None:
    # The guard does not trust the redaction: each variant written raw into an
    # output is reported (by kind, or as an undeclared pattern).
    scanner = guard.Scanner(planted[1])
    missed = [
        v.klass
        for v in planted[0].variants
        if not set().union(
            *(
                _attributed(hit, [v])
                for hit in scanner._hits(f"Noted: {v.written}; end", strict=False, patterns=True)
            )
        )
    ]
    assert missed == []
