"""The case library in a real browser: lists, filters, sorts, searches, links; no errors; axe-clean.

Chromium (Debian's package) is driven by Playwright over the site served on
localhost (Pagefind's index loads only over http). Both audiences' sites are
checked, every page type at a desktop and a phone width. Screenshots of each
page type go to $RCA_SITE_SHOTS when it is set, for a person to look at.
"""

from __future__ import annotations

import html
import html.parser
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rca.load import load_records
from rca.site.build import SiteResult
from tests.browser import Browser, serve
from tests.site.conftest import CASES, PLANTED_CASE, PLANTED_SENTENCE, PLANTED_VARIANTS

RECORDS = load_records([CASES])
CASE_IDS = sorted(r.record.case_id for r in RECORDS)
# The case page shown is the one with the most legal requests (its process types
# are listed per request).
BUSIEST = max(RECORDS, key=lambda r: (len(r.record.requests), r.record.case_id)).record.case_id
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def page_types(result: SiteResult) -> dict[str, str]:
    return {
        "index": "index.html",
        "case": f"cases/{BUSIEST}/index.html",
        "actions": "actions.html",
        "trends": "trends/index.html",
        "search": "search.html?q=request",
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.close()


@pytest.fixture(scope="module", params=["leadership", "specialist"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[SiteResult, str]]:
    result: SiteResult = request.getfixturevalue(f"{request.param}_site")
    with serve(result.out) as url:
        yield result, url


def _rows(page: Any) -> list[str]:
    return list(page.locator("#cases tbody tr:not([hidden]) .case-id").all_inner_texts())


def test_every_page_type_loads_without_errors_or_serious_axe_violations_and_its_links_resolve(
    browser: Browser, served: tuple[SiteResult, str]
) -> None:
    result, base = served
    shots = os.environ.get("RCA_SITE_SHOTS")
    problems: dict[str, list[str]] = {}
    links: dict[str, str] = {}
    types = page_types(result)
    assert (result.out / types["trends"]).is_file()  # every page type is built
    for name, path in types.items():
        for width_name, (width, height) in WIDTHS.items():
            opened = browser.open(f"{base}/{path}", width=width, height=height)
            page = opened.page
            assert page.locator("h1").first.inner_text().strip(), name
            if name == "search":
                page.locator("#search-results li").first.wait_for()
            found = opened.errors + opened.blocking_violations()
            # Nothing wider than the screen: the page scrolls down, never sideways.
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                found.append(f"the page is {wide} px wide in a {width} px window")
            if found:
                problems[f"{name} ({width_name})"] = found
            for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
                links.setdefault(href.split("#")[0], path)
            if shots:
                folder = Path(shots) / result.audience
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(folder / f"{name}-{width_name}.png"), full_page=True)
            page.context.close()
    assert problems == {}
    # Every link a reader can click on these pages (the case pages, briefs, diagrams,
    # charts and tables among them) answers over http.
    broken = []
    for href, path in sorted(links.items()):
        assert href.startswith(base), f"{path} links outside the site: {href}"
        try:
            with urllib.request.urlopen(href) as response:
                assert response.status == 200
        except Exception as exc:
            broken.append(f"{path} -> {href}: {exc}")
    assert len(links) > 20 and broken == []
    assert any("/trends/tables/" in link for link in links)  # the trends tables were checked


def test_the_index_lists_every_case_and_its_filters_and_sort_work(
    browser: Browser, served: tuple[SiteResult, str]
) -> None:
    _, base = served
    page = browser.open(f"{base}/index.html").page
    assert sorted(_rows(page)) == CASE_IDS
    count = page.locator("#cases-count")
    # Filter: severity "serious" keeps exactly the serious cases, and says so.
    serious = sorted(
        r.record.case_id for r in RECORDS if r.record.escalation.severity.value == "serious"
    )
    page.select_option("#f-severity", "serious")
    assert sorted(_rows(page)) == serious
    assert count.inner_text() == f"Showing {len(serious)} of {len(CASE_IDS)} cases."
    page.fill("#f-text", "warrant")
    assert 0 < len(_rows(page)) < len(serious)
    page.click("button[type=reset]")
    page.wait_for_function(
        f"document.querySelectorAll('#cases tbody tr:not([hidden])').length === {len(CASE_IDS)}"
    )
    assert count.inner_text() == f"Showing all {len(CASE_IDS)} cases."
    # Filter by a process type of a later request: the case with several requests is found
    # by each of them, not only by its first.
    busiest = next(r.record for r in RECORDS if r.record.case_id == BUSIEST)
    wanted = busiest.requests[-1].process_type.value
    expected = sorted(
        r.record.case_id
        for r in RECORDS
        if any(
            wanted in (q.process_type.value, *(t.value for t in q.additional_process_types))
            for q in r.record.requests
        )
    )
    page.select_option("#f-process", wanted)
    assert BUSIEST in expected and sorted(_rows(page)) == expected
    page.click("button[type=reset]")
    # Sort: by case, ascending then descending; the header says which.
    header = page.locator("#cases thead th").first
    header.locator("button").click()
    assert _rows(page) == CASE_IDS and header.get_attribute("aria-sort") == "ascending"
    header.locator("button").click()
    assert _rows(page) == CASE_IDS[::-1] and header.get_attribute("aria-sort") == "descending"
    # ... and the severity column sorts by rank, not by the word.
    ranks = {"near_miss": 1, "recordable": 2, "reportable": 3, "serious": 4}
    severity = page.locator("#cases thead th").nth(2)
    severity.locator("button").click()
    by_id = {r.record.case_id: ranks[r.record.escalation.severity.value] for r in RECORDS}
    shown = [by_id[c] for c in _rows(page)]
    assert shown == sorted(shown)


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


class _Problem(html.parser.HTMLParser):
    """The text of the paragraph after the "The problem" heading of a case page."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self._state = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and self._state == "heading":
            self._state = "paragraph"

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._state == "paragraph":
            self._state = "done"

    def handle_data(self, data: str) -> None:
        if data.strip() == "The problem" and not self._state:
            self._state = "heading"
        elif self._state == "paragraph":
            self.text += data


def _phrase(problem: str, words: int = 6) -> str:
    """Six words in a row from a problem statement: plain words, no stand-in, no number."""
    tokens = problem.split()
    plain = [bool(re.fullmatch(r"[A-Za-z][a-z'-]*[a-z],?", t)) for t in tokens]
    for start in range(len(tokens) // 3, len(tokens) - words):
        if all(plain[start : start + words]):
            return " ".join(t.rstrip(",") for t in tokens[start : start + words])
    raise AssertionError(f"no plain phrase of {words} words in: {problem}")


class _Search:
    """The search page, opened once; each query is typed into its form."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.page = browser.open(f"{base}/search.html").page

    def __call__(self, query: str) -> tuple[list[str], str]:
        self.page.fill("#search-q", query)
        self.page.click("#search-form button")
        self.page.wait_for_function(
            "q => document.getElementById('search-status').textContent.includes('“' + q + '”')",
            arg=query,
        )
        hrefs = self.page.locator("#search-results li a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        return hrefs, self.page.locator("#search-status").inner_text()


def test_search_finds_every_case_by_a_phrase_from_its_problem(
    browser: Browser, served: tuple[SiteResult, str]
) -> None:
    result, base = served
    search = _Search(browser, base)
    for case_id in CASE_IDS:
        parser = _Problem()
        parser.feed((result.out / "cases" / case_id / "index.html").read_text(encoding="utf-8"))
        phrase = _phrase(parser.text)
        hrefs, status = search(phrase)
        assert hrefs and hrefs[0].endswith(f"/cases/{case_id}/index.html"), (phrase, status)


def test_a_result_s_excerpt_does_not_repeat_its_title(
    browser: Browser, served: tuple[SiteResult, str]
) -> None:
    result, base = served
    search = _Search(browser, base)
    page = (result.out / "cases" / CASE_IDS[0] / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<h1 data-pagefind-meta="title">(.*?)</h1>', page)
    assert found, "the case page has its title"
    title = html.unescape(found.group(1))
    hrefs, status = search(title)  # the title's words: the excerpt is of the page's start
    assert hrefs and hrefs[0].endswith(f"/cases/{CASE_IDS[0]}/index.html"), status
    first = search.page.locator("#search-results li").first
    assert first.locator("a").inner_text() == title
    excerpt = first.locator("p").inner_text().strip()
    assert excerpt and not excerpt.startswith(title[:20]), excerpt


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_search_finds_nothing_for_an_identifier_in_any_variant(
    browser: Browser, audience: str, planted_sites: dict[str, SiteResult]
) -> None:
    with serve(planted_sites[audience].out) as base:
        search = _Search(browser, base)
        # Positive control: the sentence the identifiers were written into is found.
        hrefs, _ = search(PLANTED_SENTENCE.rstrip("."))
        assert hrefs and hrefs[0].endswith(f"/cases/{PLANTED_CASE}/index.html")
        for variant in PLANTED_VARIANTS:
            hrefs, status = search(variant)
            assert hrefs == [] and status.startswith("No case matches"), variant


def test_the_case_page_links_its_deck_and_pdf_and_both_open(
    browser: Browser, planted_sites: dict[str, SiteResult]
) -> None:
    result = planted_sites["leadership"]
    with serve(result.out) as base:
        opened = browser.open(f"{base}/cases/{PLANTED_CASE}/index.html")
        hrefs = opened.page.locator(".outputs a[href]").evaluate_all(
            "links => links.map(a => a.href)"
        )
        assert opened.errors == []
        kinds = {}
        for href in hrefs:
            with urllib.request.urlopen(href) as response:
                assert response.status == 200
                # Read to the end: a closed connection mid-file is a traceback in the server.
                kinds[urllib.parse.urlparse(href).path.rsplit(".", 1)[-1]] = response.read()[:4]
    assert kinds["pdf"] == b"%PDF" and kinds["pptx"] == b"PK\x03\x04" and "html" in kinds
