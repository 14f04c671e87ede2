"""HTML briefs as a reader's browser shows them: no errors, nothing axe-core calls serious."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def html_briefs(bundled_outputs: dict[str, Any]) -> dict[str, Path]:
    """The HTML brief of every bundled case for every audience, as `rca render` writes them."""
    return {
        f"{path.parent.name}/{path.stem}": path
        for path in sorted(Path(bundled_outputs["dir"]).glob("*/*.html"))
    }


def test_every_brief_renders_in_chromium_without_errors_or_serious_axe_violations(
    browser: Browser, html_briefs: dict[str, Path]
) -> None:
    cases = {name.split("/")[0] for name in html_briefs}
    assert len(cases) >= 6 and len(html_briefs) == 2 * len(cases)
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
