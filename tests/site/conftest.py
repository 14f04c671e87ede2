"""Sites of the bundled cases, built once per test session and shared by the site tests."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from rca.audience import select_profiles
from rca.site.build import SiteResult, build_site, records_cache_for

ROOT = Path(__file__).parent.parent.parent
CASES = ROOT / "case_reviews"
TODAY = date(2026, 11, 25)


def site_for(
    source: Path, out: Path, audience: str, *, formats: tuple[str, ...] = ("html",), **kw: object
) -> SiteResult:
    """Build one audience's site (the tests' shorthand for `rca site`, which keeps the
    records' cache in the user's private cache folder, here the session's)."""
    (profile,) = select_profiles([audience], ())
    kw.setdefault("records_cache", records_cache_for(out.parent))
    today = kw.pop("today", TODAY)
    return build_site(source, out, profile, formats=formats, today=today, jobs=2, **kw)  # type: ignore[arg-type]


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
    """The bundled cases' specialist site (HTML briefs, the trends page of the cases)."""
    base = tmp_path_factory.mktemp("site")
    return site_for(copy_cases(base / "cases"), base / "specialist", "specialist")


# Identifiers that no bundled record and no other test uses, planted in one record's
# problem statement (a page, the search index, the briefs and decks all show it).
PLANTED = {
    "person_name": "Orsolya Brandvold",
    "email": "Thessaly.Brandvold@example.org",
    "phone": "+1 (312) 555-0158",
    "username": "kestrel_wharf_31",
    "ip_address": "198.51.100.219",
}
# Every way a reader (or a search box) might write them.
PLANTED_VARIANTS = (
    "Orsolya Brandvold", "BRANDVOLD", "orsolya", "Brandvold, Orsolya",
    "Thessaly.Brandvold@example.org", "thessaly.brandvold@example.org", "thessaly.brandvold",
    "+1 (312) 555-0158", "312-555-0158", "3125550158", "13125550158", "555-0158",
    "kestrel_wharf_31", "KESTREL_WHARF_31", "kestrel wharf", "kestrelwharf31", "kestrel",
    "198.51.100.219", "198 51 100 219",
)  # fmt: skip
PLANTED_CASE = "ESC-0163"
PLANTED_SENTENCE = "The request was relayed by telephone from a private courier depot."


def plant(source: Path) -> Path:
    """ESC-0163 with the planted identifiers declared and written into its problem."""
    record = source / f"{PLANTED_CASE}.yaml"
    text = record.read_text(encoding="utf-8")
    said = (
        f"{PLANTED_SENTENCE[:-1]} by {PLANTED['person_name']} ({PLANTED['email']}, "
        f"{PLANTED['phone']}), user {PLANTED['username']} at {PLANTED['ip_address']}."
    )
    before = "went to the wrong account holder."
    assert text.count(before) == 1
    text = text.replace(before, f"{before}\n    {said}")
    declared = "".join(
        f'  - {{id: I{90 + n}, kind: {kind}, value: "{value}", label: planted by the site tests}}\n'
        for n, (kind, value) in enumerate(PLANTED.items())
    )
    text = text.replace("\nidentifiers:\n", f"\nidentifiers:\n{declared}", 1)
    record.write_text(text, encoding="utf-8")
    return source


@pytest.fixture(scope="session")
def planted_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SiteResult]:
    """ESC-0163 with planted identifiers: the leadership site with its PDF and deck (so
    the case page links them), and the specialist site (HTML)."""
    base = tmp_path_factory.mktemp("planted")
    source = plant(copy_cases(base / "cases", (PLANTED_CASE,)))
    return {
        "leadership": site_for(source, base / "leadership", "leadership", trends=False,
                               formats=("pptx", "pdf", "html")),
        "specialist": site_for(source, base / "specialist", "specialist", trends=False),
    }  # fmt: skip
