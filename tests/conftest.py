"""Shared test helpers: golden text files, bundled cases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("RCA_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="session", autouse=True)
def template_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Compiled templates go to a folder of the test session's, not the user's cache."""
    previous = os.environ.get("RCA_CACHE_DIR")
    os.environ["RCA_CACHE_DIR"] = str(tmp_path_factory.mktemp("rca-cache"))
    yield
    if previous is None:
        os.environ.pop("RCA_CACHE_DIR", None)
    else:
        os.environ["RCA_CACHE_DIR"] = previous


@pytest.fixture
def golden() -> object:
    """Compare text with tests/golden/NAME; `RCA_UPDATE_GOLDEN=1 scripts/test.sh` rewrites them."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run RCA_UPDATE_GOLDEN=1 scripts/test.sh"
        assert text == path.read_text(encoding="utf-8"), (
            f"{name} differs from its golden file; if the change is intended, "
            "run RCA_UPDATE_GOLDEN=1 scripts/test.sh and review the diff"
        )

    return check


@pytest.fixture(scope="session")
def bundled_cases() -> list[Path]:
    """The example case records shipped in case_reviews/."""
    return sorted((ROOT / "case_reviews").glob("*.yaml"))


BUNDLED_TODAY = __import__("datetime").date(2026, 11, 25)


@pytest.fixture(scope="session")
def bundled_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every bundled case rendered for every audience in every format, once per session.

    {"dir": the folder `rca render` would write (out/<case>/...), "files":
    {(case, audience, extension): bytes}, "contexts": {(case, audience): context}}.
    The measured checks of the outputs (tests/render/test_meeting_ready.py) and
    the browser test share this one build.
    """
    from rca.analyse import analyse
    from rca.audience import select_profiles
    from rca.load import load_records
    from rca.pipeline import render_case, write_artifacts
    from rca.render.context import build_context

    out = tmp_path_factory.mktemp("bundled")
    profiles = select_profiles(["all"], ())
    files: dict[tuple[str, str, str], bytes] = {}
    contexts: dict[tuple[str, str], dict[str, object]] = {}
    for loaded in load_records(sorted((ROOT / "case_reviews").glob("*.yaml"))):
        case = loaded.record.case_id
        artifacts = render_case(loaded, profiles, ["pptx", "pdf", "html"], today=BUNDLED_TODAY)
        write_artifacts(artifacts, out / case)
        for artifact in artifacts:
            stem, _, ext = artifact.name.rpartition(".")
            if "/" not in stem:
                files[(case, stem, ext)] = artifact.data
        findings = analyse(loaded, today=BUNDLED_TODAY)
        for profile in profiles:
            contexts[(case, profile.id)] = build_context(
                loaded, findings, profile, today=BUNDLED_TODAY
            )
    return {"dir": out, "files": files, "contexts": contexts}


PDF_ENGINES = ("weasyprint", "typst")


@pytest.fixture(scope="session")
def engine_pdfs(
    bundled_outputs: dict[str, object],
) -> object:
    """`engine_pdfs(engine)`: {(case, audience): PDF bytes} of every bundled case by that engine.

    The default engine's come from `bundled_outputs`; another engine renders
    only the PDFs, once per session, through the whole pipeline (leak guard
    included), with the same diagrams and day.
    """
    from rca.audience import select_profiles
    from rca.load import load_records
    from rca.pipeline import render_case
    from rca.render.registry import PDF_ENGINE_VARIABLE, pdf_engine

    built: dict[str, dict[tuple[str, str], bytes]] = {}

    def get(engine: str) -> dict[tuple[str, str], bytes]:
        if engine == pdf_engine():
            files = bundled_outputs["files"]
            assert isinstance(files, dict)
            return {(c, a): data for (c, a, ext), data in files.items() if ext == "pdf"}
        if engine not in built:
            previous = os.environ.get(PDF_ENGINE_VARIABLE)
            os.environ[PDF_ENGINE_VARIABLE] = engine
            try:
                pdfs: dict[tuple[str, str], bytes] = {}
                profiles = select_profiles(["all"], ())
                for loaded in load_records(sorted((ROOT / "case_reviews").glob("*.yaml"))):
                    for artifact in render_case(loaded, profiles, ["pdf"], today=BUNDLED_TODAY):
                        if "/" not in artifact.name:
                            pdfs[(loaded.record.case_id, artifact.audience)] = artifact.data
                built[engine] = pdfs
            finally:
                if previous is None:
                    del os.environ[PDF_ENGINE_VARIABLE]
                else:
                    os.environ[PDF_ENGINE_VARIABLE] = previous
        return built[engine]

    return get
