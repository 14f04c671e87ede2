"""The case outputs read the way their audiences meet them, measured over every bundled case.

A head of Law Enforcement Response takes the leadership deck into a meeting as
it is; a training lead teaches from the specialist deck. These are the checks
that stand for "presentable unchanged" (issue 10), each read back from the
files with tools independent of the renderers: python-pptx for the decks,
pypdf's content stream visitor and poppler's `pdfinfo` for the PDFs.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pptx import Presentation
from pptx.oxml.ns import qn
from pypdf import PdfReader

from rca.render.formatting import day
from rca.render.registry import PDF_ENGINES

SLIDE_MIN_PT = 12.0  # any text on a slide diagram, as placed
PRINT_MIN_PT = 7.0  # any text on a printed page, diagrams included
MIN_BODY_WORDS = 12  # fewer than this on a slide: merge it
ID = re.compile(r"^[A-Z]{1,3}-?\d+[a-z]?$")

Outputs = dict[str, Any]


# --------------------------------------------------------------------------- reading the files


def decks(outputs: Outputs) -> Iterator[tuple[str, str, Any]]:
    for (case, audience, ext), data in sorted(outputs["files"].items()):
        if ext == "pptx":
            yield case, audience, Presentation(io.BytesIO(data))


def pdfs(outputs: Outputs) -> Iterator[tuple[str, str, bytes]]:
    for (case, audience, ext), data in sorted(outputs["files"].items()):
        if ext == "pdf":
            yield case, audience, data


def engine_briefs(engine_pdfs: Any, engine: str) -> Iterator[tuple[str, str, bytes]]:
    """Every bundled brief as `engine` prints it (tests/conftest.py: engine_pdfs)."""
    for (case, audience), data in sorted(engine_pdfs(engine).items()):
        yield case, audience, data


def shapes(collection: Any) -> Iterator[Any]:
    for shape in collection:
        yield shape
        if shape.shape_type == 6:  # a group: a slide diagram's boxes
            yield from shapes(shape.shapes)


def title_of(slide: Any) -> str:
    return slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""


def body_words(slide: Any) -> int:
    """Words a slide shows besides its title, footer and number."""
    words = 0
    for shape in shapes(slide.shapes):
        if shape == slide.shapes.title or shape.name in ("Footer", "Slide Number"):
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            words += sum(len(c.text.split()) for row in shape.table.rows for c in row.cells)
        elif shape.has_text_frame:
            words += len(shape.text_frame.text.split())
    return words


def printed_sizes(data: bytes) -> list[list[tuple[float, str]]]:
    """Per page, every text run's size as printed: font size scaled by the text and page matrices."""
    return [_page_sizes(page) for page in PdfReader(io.BytesIO(data)).pages]


def _page_sizes(page: Any) -> list[tuple[float, str]]:
    runs: list[tuple[float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text.strip():
            return
        a = tm[0] * cm[0] + tm[1] * cm[2]
        b = tm[0] * cm[1] + tm[1] * cm[3]
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        runs.append((size * math.sqrt(abs(a * d - b * c)), text.strip()[:40]))

    page.extract_text(visitor_text=visit)
    return runs


# --------------------------------------------------------------------------- legible diagrams


def test_every_case_and_audience_is_rendered(bundled_outputs: Outputs) -> None:
    cases = {c for c, _, _ in bundled_outputs["files"]}
    assert len(cases) >= 6
    for case in cases:
        for audience in ("leadership", "specialist"):
            for ext in ("pptx", "pdf", "html"):
                assert (case, audience, ext) in bundled_outputs["files"]


def test_slide_diagrams_are_native_text_at_12_pt_or_more(bundled_outputs: Outputs) -> None:
    """No picture of a diagram on a slide; every label of a slide diagram at least 12 pt as placed."""
    smallest: dict[str, float] = {}
    for case, audience, prs in decks(bundled_outputs):
        diagrams = 0
        for n, slide in enumerate(prs.slides, start=1):
            assert not [s for s in slide.shapes if s.shape_type == 13], (case, audience, n)
            for group in (s for s in slide.shapes if s.shape_type == 6):
                diagrams += 1
                sizes = [
                    int(r.get("sz")) / 100
                    for child in shapes(group.shapes)
                    for r in child._element.iter(qn("a:rPr"))
                ]
                assert sizes, (case, audience, n)
                smallest[group.name] = min(smallest.get(group.name, 99.0), *sizes)
        assert diagrams >= 3, (case, audience)
    assert smallest and min(smallest.values()) >= SLIDE_MIN_PT, smallest


@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_every_printed_page_sets_its_text_at_7_pt_or_more(engine: str, engine_pdfs: Any) -> None:
    """Diagrams included: the briefs' figures print their smallest label at 7 pt or more."""
    too_small = []
    for case, audience, data in engine_briefs(engine_pdfs, engine):
        for n, runs in enumerate(printed_sizes(data), start=1):
            too_small += [
                (case, audience, n, round(s, 2), t) for s, t in runs if s < PRINT_MIN_PT - 0.01
            ]
    assert too_small == []


def test_the_print_measure_catches_a_shrunken_diagram(pdf_renderer: Any) -> None:
    # Positive control: a wide diagram shrunk onto the page measures under 7 pt.
    import weasyprint

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="2400pt" height="300pt" '
        'viewBox="0 0 2400 300"><text x="10" y="100" font-size="11" '
        'font-family="Liberation Sans">A label too small to read</text></svg>'
    )
    html = f'<html lang="en"><body><div style="width:100%">{svg}</div></body></html>'
    data = weasyprint.HTML(
        string=html.replace("<svg", '<svg style="width:100%;height:auto"')
    ).write_pdf()
    sizes = [s for page in printed_sizes(data) for s, _ in page]
    assert sizes and min(sizes) < 4.0


# --------------------------------------------------------------------------- slides a presenter keeps


def test_no_near_empty_slide(bundled_outputs: Outputs) -> None:
    thin = []
    for case, audience, prs in decks(bundled_outputs):
        for n, slide in enumerate(prs.slides, start=1):
            if n == 1:  # the title slide
                continue
            if body_words(slide) < MIN_BODY_WORDS:
                thin.append((case, audience, n, title_of(slide), body_words(slide)))
    assert thin == []


def test_no_continuation_slide_holds_a_single_row_or_block(bundled_outputs: Outputs) -> None:
    lonely = []
    for case, audience, prs in decks(bundled_outputs):
        for n, slide in enumerate(prs.slides, start=1):
            if not title_of(slide).endswith("(continued)"):
                continue
            tables = [s for s in slide.shapes if getattr(s, "has_table", False) and s.has_table]
            if tables and len(tables[0].table.rows) - 1 < 2:
                lonely.append((case, audience, n, title_of(slide)))
            body = [
                s
                for s in slide.shapes
                if s.has_text_frame
                and s != slide.shapes.title
                and s.name not in ("Footer", "Slide Number")
            ]
            if not tables and body and body_words(slide) < MIN_BODY_WORDS:
                lonely.append((case, audience, n, title_of(slide)))
    assert lonely == []


def test_no_bare_id_in_a_slide_title(bundled_outputs: Outputs) -> None:
    found = []
    for case, audience, prs in decks(bundled_outputs):
        record = bundled_outputs["contexts"][(case, audience)]["case"]
        ids = {
            item["id"]
            for key in ("causes", "actions", "why_chains", "evidence", "timeline", "policies")
            for item in record[key]
            if item.get("id")
        }
        for n, slide in enumerate(prs.slides, start=1):
            words = set(re.findall(r"[A-Za-z0-9-]+", title_of(slide)))
            if words & ids or any(ID.match(w) and w in ids for w in words):
                found.append((case, audience, n, title_of(slide)))
    assert found == []


def test_the_leadership_bottom_line_names_the_root_causes(bundled_outputs: Outputs) -> None:
    for case, audience, prs in decks(bundled_outputs):
        if audience != "leadership":
            continue
        context = bundled_outputs["contexts"][(case, audience)]
        slide = prs.slides[1]
        assert title_of(slide) == "Bottom line up front"
        text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        roots = context["view"]["roots"]
        assert roots, case
        for root in roots[:3]:
            line = next((x for x in text.split("\n") if root["title"] in x), None)
            assert line is not None, (case, root["title"])
            assert ("unverified" in line) == (root["status"] != "verified"), (case, line)
        for word in ("What happened:", "Why:", "Impact:", "Asked of leadership:"):
            assert word in text, (case, word)


def test_every_decision_names_who_decides_and_by_when(bundled_outputs: Outputs) -> None:
    for (case, audience), context in bundled_outputs["contexts"].items():
        if audience != "leadership":
            continue
        asks = context["decisions"]
        html = bundled_outputs["files"][(case, audience, "html")].decode("utf-8")
        deck = Presentation(io.BytesIO(bundled_outputs["files"][(case, audience, "pptx")]))
        slides = "\n".join(
            s.text_frame.text
            for slide in deck.slides
            if title_of(slide).startswith("Decisions needed")
            for s in slide.shapes
            if s.has_text_frame
        )
        section = html[html.index('id="sec-decisions"') :]
        for d in asks:
            assert d["decider"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["by"]), d
            owner = f"Decides: {d['decider']}, by {day(d['by'])}."
            assert owner in slides, (case, d["ask"])
            assert owner in section.replace("&#39;", "'"), (case, d["ask"])


@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_no_printed_page_holds_only_a_heading(engine: str, engine_pdfs: Any) -> None:
    """No orphan heading or question: every page carries a dozen words besides its running lines."""
    thin = []
    for case, audience, data in engine_briefs(engine_pdfs, engine):
        for n, page in enumerate(PdfReader(io.BytesIO(data)).pages, start=1):
            lines = [
                line
                for line in page.extract_text().splitlines()
                if not re.search(r"\u2502|sha256|^Page \d+ of \d+$|^CONFIDENTIAL", line.strip())
            ]
            words = sum(len(line.split()) for line in lines)
            if words < MIN_BODY_WORDS:
                thin.append((case, audience, n, lines[:3]))
    assert thin == []


# --------------------------------------------------------------------------- budgets

ROOT = Path(__file__).parents[2]


def profile_budgets() -> dict[str, tuple[int, int | None]]:
    """Each audience's (slide budget, page budget), read from its profile in templates/audiences/."""
    out = {}
    for path in sorted((ROOT / "templates" / "audiences").glob("*.yaml")):
        profile = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[profile["id"]] = (profile["deck"]["slide_budget"], profile["brief"].get("max_pages"))
    return out


def pages_read(data: bytes) -> int:
    """Pages before the audit-trail appendix (its bookmark): a brief's budget leaves it out."""
    reader = PdfReader(io.BytesIO(data))

    def flat(items: list[Any]) -> list[Any]:  # sections nest under the title's bookmark
        return [m for item in items for m in (flat(item) if isinstance(item, list) else [item])]

    starts = [
        reader.get_destination_page_number(m)
        for m in flat(reader.outline)
        if re.match(r"(\d+ )?Appendix\b", m.title)  # numbered like every section
    ]
    return min(starts) if starts else len(reader.pages)


def test_every_deck_and_brief_keeps_its_audience_budget(bundled_outputs: Outputs) -> None:
    """Every bundled case for every audience: slides within the deck budget, pages within the brief's."""
    budgets = profile_budgets()
    cases = [
        yaml.safe_load(path.read_text(encoding="utf-8"))["case_id"]
        for path in sorted((ROOT / "case_reviews").glob("*.yaml"))
    ]
    assert cases and budgets and any(pages for _, pages in budgets.values())
    files = bundled_outputs["files"]
    measured = {
        (case, audience): (
            len(Presentation(io.BytesIO(files[(case, audience, "pptx")])).slides),
            slides,
            pages_read(files[(case, audience, "pdf")]),
            pages,
        )
        for case in cases
        for audience, (slides, pages) in budgets.items()
    }
    over = {
        key: f"{n} slides of {slides}, {p} pages of {pages}"
        for key, (n, slides, p, pages) in measured.items()
        if n > slides or (pages is not None and p > pages)
    }
    assert over == {}


# --------------------------------------------------------------------------- accessible PDF


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_every_pdf_is_tagged_with_language_and_title(
    engine: str, engine_pdfs: Any, tmp_path: Any
) -> None:
    for case, audience, data in engine_briefs(engine_pdfs, engine):
        path = tmp_path / f"{case}-{audience}.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        assert re.search(r"^Tagged:\s+yes$", info.stdout, re.MULTILINE), (case, audience)
        title = re.search(r"^Title:\s+(.+)$", info.stdout, re.MULTILINE)
        assert title and case in title.group(1), (case, audience)
        catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
        assert catalog.get("/Lang") == "en", (case, audience)
        assert catalog["/MarkInfo"]["/Marked"], (case, audience)
