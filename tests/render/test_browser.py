"""HTML briefs as a reader's browser shows them: no errors, nothing axe-core calls serious."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.browser import Browser

ROOT = Path(__file__).parent.parent.parent
# Two bundled cases with different shapes: a forged emergency request (leadership
# brief with every tile) and a wrong-account case (long specialist timeline).
CASES = ("ESC-0142", "ESC-0163")
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def html_briefs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The HTML briefs of CASES for every audience, as `rca render` writes them."""
    from rca.audience import select_profiles
    from rca.load import load_records
    from rca.pipeline import render_case, write_artifacts

    out = tmp_path_factory.mktemp("briefs")
    profiles = select_profiles(["all"], ())
    written: dict[str, Path] = {}
    for loaded in load_records([ROOT / "case_reviews" / f"{case}.yaml" for case in CASES]):
        artifacts = render_case(loaded, profiles, ["html"], today=TODAY)
        for path in write_artifacts(artifacts, out / loaded.record.case_id):
            if path.suffix == ".html":
                written[f"{loaded.record.case_id}/{path.stem}"] = path
    return written


def test_every_brief_renders_in_chromium_without_errors_or_serious_axe_violations(
    browser: Browser, html_briefs: dict[str, Path]
) -> None:
    assert len(html_briefs) == 2 * len(CASES)
    problems = {}
    for name, path in sorted(html_briefs.items()):
        page = browser.open(path.as_uri())
        # The page really rendered: a heading a reader sees, and the diagrams' SVG.
        assert page.page.locator("h1").first.inner_text().strip(), name
        found = page.errors + page.blocking_violations()
        if found:
            problems[name] = found
    assert problems == {}


def test_axe_finds_a_planted_contrast_failure(browser: Browser, tmp_path: Path) -> None:
    # Positive control: the check is live, so a clean result above means something.
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<p style="color:#bbb;background:#fff">faint text</p><img src="x.png"></main></body></html>',
        encoding="utf-8",
    )
    page = browser.open(page_file.as_uri())
    ids = {v["id"] for v in page.axe()}
    assert {"color-contrast", "image-alt"} <= ids
    assert any("x.png" in e or "404" in e or "ERR_FILE_NOT_FOUND" in e for e in page.errors)
