"""The case library in a real browser: lists, filters, sorts, searches, links; no errors; axe-clean.

Chromium (Debian's package) is driven by Playwright over the site served on
localhost (Pagefind's index loads only over http). Screenshots of each page
type go to $RCA_SITE_SHOTS when it is set, for a person to look at.
"""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rca.load import load_records
from rca.site.build import SiteResult
from tests.browser import Browser, serve
from tests.site.conftest import CASES

PAGES = {
    "index": "index.html",
    "case": "cases/ESC-0142/index.html",
    "actions": "actions.html",
    "trends": "trends/index.html",
    "search": "search.html?q=forged",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def served(leadership_site: SiteResult) -> Iterator[str]:
    with serve(leadership_site.out) as url:
        yield url


def _rows(page: object) -> list[str]:
    return page.locator("#cases tbody tr:not([hidden]) .case-id").all_inner_texts()  # type: ignore[attr-defined]


def test_every_page_type_loads_without_errors_or_serious_axe_violations_and_its_links_resolve(
    browser: Browser, served: str
) -> None:
    shots = os.environ.get("RCA_SITE_SHOTS")
    problems = {}
    links: dict[str, str] = {}
    for name, path in PAGES.items():
        page = browser.open(f"{served}/{path}")
        page.page.wait_for_load_state("networkidle")
        assert page.page.locator("h1").first.inner_text().strip(), name
        if name == "search":
            page.page.locator("#search-results li").first.wait_for()
        found = page.errors + page.blocking_violations()
        if found:
            problems[name] = found
        for href in page.page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
            links.setdefault(href.split("#")[0], path)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.page.screenshot(path=f"{shots}/{name}.png", full_page=True)
    assert problems == {}
    # Every link a reader can click on these pages (the case pages, briefs, diagrams,
    # charts and tables among them) answers over http.
    broken = []
    for href, path in sorted(links.items()):
        assert href.startswith(served), f"{path} links outside the site: {href}"
        try:
            with urllib.request.urlopen(href) as response:
                assert response.status == 200
        except Exception as exc:
            broken.append(f"{path} -> {href}: {exc}")
    assert len(links) > 20 and broken == []


def test_the_index_lists_every_case_and_its_filters_and_sort_work(
    browser: Browser, served: str
) -> None:
    page = browser.open(f"{served}/index.html").page
    cases = sorted(r.record.case_id for r in load_records([CASES]))
    assert sorted(_rows(page)) == cases
    count = page.locator("#cases-count")
    # Filter: severity "serious" keeps exactly the serious cases, and says so.
    serious = sorted(
        r.record.case_id
        for r in load_records([CASES])
        if r.record.escalation.severity.value == "serious"
    )
    page.select_option("#f-severity", "serious")
    assert sorted(_rows(page)) == serious
    assert count.inner_text() == f"Showing {len(serious)} of {len(cases)} cases."
    page.fill("#f-text", "warrant")
    assert 0 < len(_rows(page)) < len(serious)
    page.click("button[type=reset]")
    page.wait_for_function(
        f"document.querySelectorAll('#cases tbody tr:not([hidden])').length === {len(cases)}"
    )
    assert count.inner_text() == f"Showing all {len(cases)} cases."
    # Sort: by case, ascending then descending; the header says which.
    header = page.locator("#cases thead th").first
    header.locator("button").click()
    assert _rows(page) == cases and header.get_attribute("aria-sort") == "ascending"
    header.locator("button").click()
    assert _rows(page) == cases[::-1] and header.get_attribute("aria-sort") == "descending"


def test_the_filters_work_from_the_files_too(browser: Browser, leadership_site: SiteResult) -> None:
    opened = browser.open((leadership_site.out / "index.html").as_uri())
    page = opened.page
    page.check("#f-overdue")
    shown = len(_rows(page))
    overdue = page.locator("#cases tbody tr[data-overdue='yes']").count()
    assert shown == overdue
    assert opened.errors == []
    # Search says it needs a server instead of failing silently.
    search = browser.open((leadership_site.out / "search.html").as_uri()).page
    assert search.locator("#search-offline").is_visible()


def test_search_finds_a_case_by_its_problem_and_nothing_for_an_identifier(
    browser: Browser, served: str
) -> None:
    def search(query: str) -> tuple[list[str], str]:
        page = browser.open(f"{served}/search.html?q={urllib.parse.quote(query)}").page
        page.wait_for_function(
            "document.getElementById('search-status').textContent.includes('match')"
        )
        hrefs = page.locator("#search-results li a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        return hrefs, page.locator("#search-status").inner_text()

    hrefs, status = search("nothing to do with the investigation")
    assert hrefs and hrefs[0].endswith("/cases/ESC-0163/index.html"), (hrefs, status)
    record = next(r for r in load_records([CASES]) if r.record.case_id == "ESC-0142")
    for ident in record.record.identifiers[:3]:  # account id, username, email
        hrefs, status = search(ident.value)
        assert hrefs == [] and status.startswith("No case matches"), ident.kind
