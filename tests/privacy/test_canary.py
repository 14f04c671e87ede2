"""The canary matrix: canaries in every text field, every audience x every format.

tests/data/privacy/canary.yaml declares a canary identifier of every kind. The
test writes all of them (and simple variants) into every free-text field of
the record, found by walking the schema, then builds every built-in audience
plus a test-only `personal: raw` one, in every format, through
`rca.pipeline.render_case`. Read back with the guard's own extractors:

- no artifact of an audience that may not see identifiers holds any canary;
- the raw audience's brief (HTML and PDF) holds every canary, so the scan is
  shown to find what it looks for;
- the same raw artifacts, labelled for a stricter audience, fail the guard.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from privacy_helpers import CANARY, Path_, TextField, fits, load_dict, read_record, seed
from privacy_helpers import write_raw_profile as write_raw

import rca.privacy.guard as guard
from rca.artifact import Artifact
from rca.audience import PersonalData, Profile, select_profiles
from rca.errors import LeakError
from rca.load import LoadedRecord, load_records
from rca.pipeline import render_case
from rca.privacy.extract import extract
from rca.privacy.guard import Scanner, check_artifacts, find_leaks
from rca.privacy.identifiers import DeclaredMatcher, declared_identifiers, pseudonym
from rca.render.registry import PDF_ENGINE_VARIABLE, PDF_ENGINES

FORMATS = ("pptx", "pdf", "html")
RAW = "canary_raw"


def canaries() -> list[str]:
    loaded = load_records([CANARY])[0]
    return [i.value for i in loaded.record.identifiers] + [
        loaded.record.primary_request.requester.agency or ""
    ]


# Simple variants written into the text as well: the redaction must catch them too.
VARIANTS = [
    "WREN.CANARY@CANARY.EXAMPLE",
    "wren.canary%40canary.example",
    "(202) 555.0199",
    "2025550177",
    "2001:0db8:00c0:ffee:0000:0000:0000:0099",
    "det. orla canarywood",
    "Sgt. Piet\nCanarybrook",
]
_ROLE_SAFE = re.compile(r"^[A-Za-z0-9 &/()._,'-]+$")


class Seeder:
    """Seed text for each field: every canary where it fits, rotating where it does not."""

    def __init__(self) -> None:
        self.values = canaries()
        self.turn = 0

    def __call__(self, field: TextField, path: Path_, current: str | None) -> str:
        self.turn += 1
        base = current or "Seeded"
        if field.kind in ("text", "restricted"):
            return f"{base}\nCanaries: {'; '.join(self.values + VARIANTS)}."
        rotated = self.values[self.turn % len(self.values) :] + self.values
        if field.kind == "role":
            fitting = [v for v in rotated if _ROLE_SAFE.fullmatch(v)]
            return next(t for v in fitting if fits(field, t := f"Team {v}"))
        text = base.replace("\n", " ")[:60]
        for value in rotated:
            if fits(field, longer := f"{text}; {value}"):
                text = longer
        return text


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedRecord, list[Path_]]:
    data = read_record(CANARY)
    paths = seed(data, Seeder())
    return load_dict(data, tmp_path_factory.mktemp("canary"), "CAN-0001.yaml"), paths


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    write_raw(folder, RAW)
    return folder


@pytest.fixture(scope="module")
def profiles(templates: Path) -> dict[str, Profile]:
    return {p.id: p for p in select_profiles(["all"], [templates])}


@pytest.fixture(scope="module", params=sorted(PDF_ENGINES))
def built(
    request: pytest.FixtureRequest,
    seeded: tuple[LoadedRecord, list[Path_]],
    profiles: dict[str, Profile],
    templates: Path,
) -> list[Artifact]:
    # Built with the guard switched off, so every artifact can be looked at;
    # test_the_guard_passes_the_whole_build runs it. Once per PDF engine offered.
    # The seeded record is approved but its seeded causes read alike (RCA801):
    # built as a draft, so the DRAFT marking and its reasons are seeded outputs too.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PDF_ENGINE_VARIABLE, request.param)
        patch.setattr(guard, "check_artifacts", lambda *args: None)
        return render_case(
            seeded[0], list(profiles.values()), FORMATS, template_dirs=[templates], draft=True
        )


def matrix(loaded: LoadedRecord, artifacts: list[Artifact]) -> dict[str, set[str]]:
    """Artifact name -> the canaries (by kind and pseudonym) found in it."""
    scanner = Scanner(loaded)
    found: dict[str, set[str]] = defaultdict(set)
    for artifact in artifacts:
        for leak in scanner.scan(
            artifact.name, extract(artifact.name, artifact.data), allow_declared=False
        ):
            found[artifact.name].add(leak.what)
    return found


def test_every_text_field_holds_canaries(seeded: tuple[LoadedRecord, list[Path_]]) -> None:
    loaded, paths = seeded
    matcher = DeclaredMatcher(declared_identifiers(loaded.record))
    assert len(paths) > 150
    for path in paths:
        value: Any = loaded.record
        for part in path:
            value = value[part] if isinstance(part, int) else getattr(value, part)
        assert isinstance(value, str) and matcher.search(value), path


def test_every_audience_and_format_was_built(
    built: list[Artifact], profiles: dict[str, Profile]
) -> None:
    names = {a.name for a in built}
    for profile in profiles:
        assert {f"{profile}.{fmt}" for fmt in FORMATS} <= names
        assert any(n.startswith(f"diagrams/{profile}-") and n.endswith(".svg") for n in names)
        assert any(n.startswith(f"diagrams/{profile}-") and n.endswith(".dot") for n in names)
        # No PNG: decks draw their diagrams as native shapes, so none is rasterised.
        assert not any(n.endswith(".png") for n in names)


def test_no_canary_where_the_audience_may_not_see_it(
    seeded: tuple[LoadedRecord, list[Path_]], built: list[Artifact], profiles: dict[str, Profile]
) -> None:
    strict = [a for a in built if profiles[a.audience].privacy.personal is not PersonalData.RAW]
    assert {a.audience for a in strict} >= {"leadership", "specialist"}
    found = matrix(seeded[0], strict)
    assert dict(found) == {}, "\n".join(f"{name}: {sorted(w)}" for name, w in found.items())


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_every_canary_shows_where_a_profile_allows_it(
    seeded: tuple[LoadedRecord, list[Path_]], built: list[Artifact], fmt: str
) -> None:
    loaded = seeded[0]
    artifact = next(a for a in built if a.name == f"{RAW}.{fmt}")
    expected = {guard._describe(d) for d in declared_identifiers(loaded.record)}
    assert len(expected) == 16  # the agency is declared twice: as identifier and requester
    assert matrix(loaded, [artifact])[artifact.name] == expected


def test_the_guard_passes_the_whole_build(
    seeded: tuple[LoadedRecord, list[Path_]], built: list[Artifact], profiles: dict[str, Profile]
) -> None:
    assert find_leaks(seeded[0], profiles, built) == []


def test_raw_outputs_for_a_stricter_audience_fail_the_guard(
    seeded: tuple[LoadedRecord, list[Path_]], built: list[Artifact], profiles: dict[str, Profile]
) -> None:
    relabelled = [Artifact(a.name, a.data, "specialist") for a in built if a.audience == RAW]
    with pytest.raises(LeakError) as caught:
        check_artifacts(seeded[0], profiles, relabelled)
    message = str(caught.value)
    for item in declared_identifiers(seeded[0].record):
        assert f"{item.kind.value} ({pseudonym(item)})" in message
    for value in [*canaries(), *VARIANTS, "2025550199"]:
        assert value.casefold() not in message.casefold(), value
    places = {
        (leak.artifact.rpartition(".")[2], re.sub(r"\d+", "N", leak.where))
        for leak in caught.value.leaks
    }
    assert {
        ("html", "HTML text, line N"),
        ("html", "HTML <title>, line N"),
        ("pdf", "PDF page N, text"),
        ("pdf", "PDF metadata /Title"),
        ("pdf", "PDF bookmarks"),
        ("pptx", "slide N (ppt/slides/slideN.xml), text"),
        ("pptx", "slide N notes (ppt/notesSlides/notesSlideN.xml), text"),
        ("pptx", "core properties (docProps/core.xml), <title>"),
        ("svg", "SVG text"),
        ("dot", "DOT source, line N"),
    } <= places, sorted(places)


def test_specialist_reads_pseudonyms_and_leadership_categories(built: list[Artifact]) -> None:
    def text(name: str) -> str:
        artifact = next(a for a in built if a.name == name)
        return "\n".join(c.text for c in extract(name, artifact.data))

    specialist, leadership = text("specialist.html"), text("leadership.html")
    assert "Account A" in specialist and "Officer 1" in specialist
    assert "Account A" not in leadership and "Officer 1" not in leadership
