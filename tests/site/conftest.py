"""Sites of the bundled cases, built once per test session and shared by the site tests."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from rca.audience import select_profiles
from rca.site.build import SiteResult, build_site

ROOT = Path(__file__).parent.parent.parent
CASES = ROOT / "case_reviews"
TODAY = date(2026, 11, 25)


def site_for(
    source: Path, out: Path, audience: str, *, formats: tuple[str, ...] = ("html",), **kw: object
) -> SiteResult:
    """Build one audience's site (the tests' shorthand for `rca site`)."""
    (profile,) = select_profiles([audience], ())
    return build_site(source, out, profile, formats=formats, today=TODAY, jobs=2, **kw)  # type: ignore[arg-type]


def copy_cases(target: Path, names: tuple[str, ...] | None = None) -> Path:
    """A copy of (some of) the bundled records, to edit freely."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(CASES.glob("*.yaml")):
        if names is None or path.stem in names:
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def leadership_site(tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    """The bundled cases' leadership site: HTML briefs, the trends page (of the cases; the
    QA data's charts are rca trends' to test) and search."""
    base = tmp_path_factory.mktemp("site")
    return site_for(copy_cases(base / "cases"), base / "leadership", "leadership")


@pytest.fixture(scope="session")
def specialist_site(tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    """The bundled cases' specialist site (HTML briefs, no trends page)."""
    out = tmp_path_factory.mktemp("site") / "specialist"
    return site_for(CASES, out, "specialist", trends=False)
