"""The PDF brief: what a reader sees on each page, offline rendering, determinism."""

from __future__ import annotations

import copy
import getpass
import io
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from rca.errors import RcaError
from rca.render import fetch as fetch_module
from rca.render.fetch import FetchRefused, asset_url, fetch
from rca.render.pdf import PdfRenderer, make_fetcher
from rca.render.registry import RenderInput
from rca.templating import builtin_template_dir

BriefInput = Callable[..., RenderInput]
ROOTS = [builtin_template_dir()]


def pages_of(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def small_pdfs(brief_input: BriefInput, pdf_renderer: PdfRenderer) -> dict[str, bytes]:
    return {
        a: pdf_renderer.render(brief_input("brief_small", a)) for a in ("leadership", "specialist")
    }


@pytest.fixture(scope="module")
def bundled_pdfs(
    bundled_cases: list[Path],
    render_context: Callable[..., dict[str, Any]],
    pdf_renderer: PdfRenderer,
) -> Callable[[Path, str], bytes]:
    """The brief of a bundled case, with its real diagrams, rendered once per module."""
    from rca.render.diagrams import render_diagrams

    cache: dict[tuple[Path, str], bytes] = {}

    def get(case: Path, audience: str) -> bytes:
        if (case, audience) not in cache:
            context = render_context(case, audience)
            diagrams = render_diagrams(context, raster=False)
            cache[case, audience] = pdf_renderer.render(RenderInput(context, diagrams))
        return cache[case, audience]

    return get


# --------------------------------------------------------------------------- what the reader sees


def test_leadership_brief_has_its_sections(small_pdfs: dict[str, bytes]) -> None:
    text = " ".join(pages_of(small_pdfs["leadership"]))
    for heading in (
        "Bottom line up front",
        "Impact and legal risk",
        "Timeline at a glance",
        "Root causes",
        "Corrective actions",
        "Decisions needed",
    ):
        assert heading in text
    assert "Specialist" not in text and "Answer key" not in text


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_every_page_has_header_and_footer(small_pdfs: dict[str, bytes], audience: str) -> None:
    pages = pages_of(small_pdfs[audience])
    classification = {
        "leadership": "CONFIDENTIAL, INTERNAL USE",
        "specialist": "CONFIDENTIAL, INTERNAL USE (TRAINING)",
    }[audience]
    for number, text in enumerate(pages, start=1):
        assert "TST-0300" in text
        assert classification in text
        assert f"Page {number} of {len(pages)}" in text
        assert "TST-0300 v1.1 (record sha256 " in text
        assert "as of 2026-03-05" in text


def test_specialist_brief_ends_with_the_answer_key(small_pdfs: dict[str, bytes]) -> None:
    pages = pages_of(small_pdfs["specialist"])
    assert len(pages) > 2
    assert "Answer key" in pages[-1]
    assert "The lookup tool assumes UTC" in pages[-1]
    assert not any("The lookup tool assumes UTC" in p for p in pages[:-1])
    text = " ".join(pages)
    for heading in (
        "The scenario",
        "Timeline",
        "The case in diagrams",
        "The correct procedure",
        "Red flags",
        "Why-chains",
        "Lessons",
        "Knowledge check",
    ):
        assert heading in text


def test_the_contents_give_page_numbers(small_pdfs: dict[str, bytes]) -> None:
    pages = pages_of(small_pdfs["specialist"])
    contents = pages[0][pages[0].index("IN THIS BRIEF") :]  # text-transform: uppercase
    match = re.search(r"Answer key\W*(\d+)", contents.replace(".", " "))
    assert match is not None and int(match.group(1)) == len(pages)


def test_metadata_comes_from_the_context(small_pdfs: dict[str, bytes]) -> None:
    info = PdfReader(io.BytesIO(small_pdfs["leadership"])).metadata
    assert info is not None
    assert info.title == "TST-0300: Wrong account produced after a time-zone mismatch"
    assert info.author == "rca"
    assert info.subject == "Leadership case review, case TST-0300 v1.1 (Confidential, internal use)"
    assert str(info["/CreationDate"]).startswith("D:20260305")
    assert str(info["/ModDate"]).startswith("D:20260305")
    assert getpass.getuser() not in " ".join(str(v) for v in info.values())


def test_fonts_are_liberation_sans_subsets(small_pdfs: dict[str, bytes]) -> None:
    reader = PdfReader(io.BytesIO(small_pdfs["leadership"]))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    assert fonts and all(
        re.fullmatch(r"/[A-Z]{6}\+Liberation-Sans(-Bold|-Italic|-Bold-Italic)?", f) for f in fonts
    ), fonts


# --------------------------------------------------------------------------- page budgets


def test_leadership_brief_fits_two_pages_for_every_bundled_case(
    bundled_cases: list[Path],
    bundled_pdfs: Callable[[Path, str], bytes],
    weasyprint_logs: list[logging.LogRecord],
) -> None:
    assert bundled_cases, "no bundled cases in case_reviews/"
    # The audit-trail appendix starts a page of its own after them, outside the budget.
    split = {}
    for case in bundled_cases:
        pages = pages_of(bundled_pdfs(case, "leadership"))
        first = [i for i, page in enumerate(pages) if "Appendix: review history" in page]
        split[case.stem] = (first[0] if first else None, len(pages))
    assert all(
        read is not None and read <= 2 and total == read + 1 for read, total in split.values()
    ), split
    assert [r.getMessage() for r in weasyprint_logs if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("case", ["ESC-0142", "ESC-0171"])
def test_specialist_brief_of_a_bundled_case(
    bundled_cases: list[Path],
    bundled_pdfs: Callable[[Path, str], bytes],
    weasyprint_logs: list[logging.LogRecord],
    case: str,
) -> None:
    path = next(p for p in bundled_cases if p.stem == case)
    pages = pages_of(bundled_pdfs(path, "specialist"))  # with its real diagrams
    assert len(pages) >= 6
    assert pages[-1].count("Answer key") == 1
    assert all(case in page and f"of {len(pages)}" in page for page in pages)
    assert [r.getMessage() for r in weasyprint_logs if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("engine", ["weasyprint", "typst"])
def test_a_brief_over_its_page_budget_is_reported(
    brief_input: BriefInput,
    pdf_renderer: PdfRenderer,
    caplog: pytest.LogCaptureFixture,
    engine: str,
) -> None:
    from rca.render.typst import TypstRenderer

    data = brief_input("brief_small", "specialist")
    context = copy.deepcopy(data.context)
    context["audience"]["brief"]["max_pages"] = 1
    renderer = pdf_renderer if engine == "weasyprint" else TypstRenderer()
    with caplog.at_level(logging.WARNING, logger="rca.render.pdf"):
        renderer.render(RenderInput(context, data.diagrams))
    assert re.search(
        r"TST-0300: the specialist brief has \d+ pages before its appendix, over its budget of 1",
        caplog.text,
    )


# --------------------------------------------------------------------------- clean, offline, deterministic


def test_weasyprint_logs_no_warnings(
    brief_input: BriefInput, weasyprint_logs: list[logging.LogRecord]
) -> None:
    renderer = PdfRenderer()
    for name in ("brief_small", "hostile_text"):
        for audience in ("leadership", "specialist"):
            renderer.render(brief_input(name, audience))
    problems = [
        f"{r.levelname}: {r.getMessage()}" for r in weasyprint_logs if r.levelno >= logging.WARNING
    ]
    assert problems == []


def test_same_input_gives_the_same_bytes(
    brief_input: BriefInput, small_pdfs: dict[str, bytes]
) -> None:
    for audience, first in small_pdfs.items():
        again = PdfRenderer().render(brief_input("brief_small", audience))  # a cold renderer too
        assert again == first, audience


def test_the_pdf_identifier_is_fixed_per_record_version_and_audience(
    small_pdfs: dict[str, bytes],
) -> None:
    ids = {a: str(PdfReader(io.BytesIO(pdf)).trailer["/ID"][0]) for a, pdf in small_pdfs.items()}  # type: ignore[index]
    assert len(set(ids.values())) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", v) for v in ids.values()), ids


def test_hostile_record_text_fetches_nothing(
    brief_input: BriefInput, pdf_renderer: PdfRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def spy(url: str, roots: Any) -> Any:
        asked.append(url)
        return fetch(url, roots)

    monkeypatch.setattr("rca.render.pdf.fetch", spy)
    pdf = pdf_renderer.render(brief_input("hostile_text", "specialist"))
    assert asked == []
    text = " ".join(pages_of(pdf))
    assert "<script>alert(1)</script> Wrong account" in text
    assert "url(file:///etc/passwd)" in text
    assert "{{ 7 * 7 }}" in text


def test_html_goes_in_as_a_string_without_a_base_url(
    brief_input: BriefInput, pdf_renderer: PdfRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import weasyprint

    seen: dict[str, Any] = {}
    real = weasyprint.HTML

    def html(**kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(weasyprint, "HTML", html)
    pdf_renderer.render(brief_input("brief_small", "leadership"))
    assert isinstance(seen["string"], str) and seen["base_url"] is None
    assert set(seen) == {"string", "base_url", "url_fetcher", "media_type"}


def test_a_template_reaching_outside_fails_the_brief(
    brief_input: BriefInput, pdf_renderer: PdfRenderer, tmp_path: Path
) -> None:
    (tmp_path / "briefs" / "sections").mkdir(parents=True)
    (tmp_path / "briefs" / "sections" / "decisions.html.j2").write_text(
        '<img src="file:///etc/passwd" alt="">', encoding="utf-8"
    )
    with pytest.raises(RcaError, match=r"refused to load 'file:///etc/passwd'"):
        pdf_renderer.render(brief_input("brief_small", "leadership", template_dirs=(tmp_path,)))


def test_a_template_may_use_a_bundled_asset(
    brief_input: BriefInput, pdf_renderer: PdfRenderer, tmp_path: Path
) -> None:
    (tmp_path / "briefs" / "sections").mkdir(parents=True)
    (tmp_path / "briefs" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    (tmp_path / "briefs" / "sections" / "decisions.html.j2").write_text(
        '<img src="{{ asset(\'briefs/logo.svg\') }}" alt="logo">'
        '<img src="rca-asset:briefs/logo.svg" alt="logo">',
        encoding="utf-8",
    )
    pdf_renderer.render(brief_input("brief_small", "leadership", template_dirs=(tmp_path,)))


# --------------------------------------------------------------------------- the fetcher


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/font.woff2",
        "ftp://example.com/x",
        "//example.com/x.png",
        "style.css",
        "/etc/passwd",
        "javascript:alert(1)",
        f"{fetch_module.ASSET_SCHEME}:../../../etc/passwd",
        f"{fetch_module.ASSET_SCHEME}:/etc/passwd",
        f"{fetch_module.ASSET_SCHEME}:briefs/%2e%2e/%2e%2e/secret.css",
        f"{fetch_module.ASSET_SCHEME}:briefs/base.html.j2",  # not an asset type
        f"{fetch_module.ASSET_SCHEME}:briefs/missing.css",
    ],
)
def test_fetcher_refuses(url: str) -> None:
    with pytest.raises(FetchRefused, match="refused to load"):
        fetch(url, ROOTS)


def test_fetcher_allows_data_urls_and_bundled_assets() -> None:
    assert fetch("data:text/plain;base64,aGk=", ROOTS).data == b"hi"
    assert fetch("data:,a%20b", ROOTS).data == b"a b"
    css = fetch(asset_url("briefs/style.css"), ROOTS)
    assert css.media_type == "text/css" and b"@page" in css.data


def test_fetcher_does_not_follow_links_out_of_the_template_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body {}")
    root = tmp_path / "templates"
    root.mkdir()
    (root / "evil.css").symlink_to(secret)
    with pytest.raises(FetchRefused):
        fetch(asset_url("evil.css"), [root])


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:9/x.png"])
def test_weasyprint_fetcher_stops_the_rendering(url: str) -> None:
    from weasyprint.urls import FatalURLFetchingError
    from weasyprint.urls import fetch as weasy_fetch

    fetcher = make_fetcher(ROOTS)
    with pytest.raises(FatalURLFetchingError) as caught, weasy_fetch(fetcher, url):
        pass
    assert isinstance(caught.value.__cause__, FetchRefused)


def test_weasyprint_fetcher_serves_bundled_assets() -> None:
    from weasyprint.urls import fetch as weasy_fetch

    with weasy_fetch(make_fetcher(ROOTS), asset_url("briefs/style.css")) as response:
        assert response.content_type == "text/css"
        assert b"@page" in response.read()


def test_a_brief_that_takes_too_long_is_refused_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from rca.errors import RcaError
    from rca.render import pdf

    with pytest.raises(RcaError, match=r"laying out the x brief took longer than 0\.05 s"):  # noqa: SIM117
        with pdf.time_limit(0.05, "laying out the x brief"):
            time.sleep(1)
    with pdf.time_limit(5, "quick"):
        pass  # no limit left armed behind
    time.sleep(0.01)
