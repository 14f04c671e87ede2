"""The trends outputs as their readers meet them: a head of LER and a quality lead, not statisticians.

Every check here is measured on the files written (the deck reopened with
python-pptx, the PDF read back with poppler, the charts' SVG parsed, the HTML
opened in Chromium), never on the context the renderers were given.
"""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pptx.util import Emu
from pypdf import PdfReader
from trends_helpers import CASES, TODAY, Rendered

from rca.render.registry import PDF_ENGINES
from rca.trends import charts
from rca.trends.cases import ClockSummary
from rca.trends.queries import Scope
from rca.trends.report import build_trends, load_inputs
from rca.trends.words import metric_label, share_text

SVG = "{http://www.w3.org/2000/svg}"
PICTURE = 13  # MSO_SHAPE_TYPE.PICTURE
STATISTICS = re.compile(r"\u03c3|sigma|\u03b1|alpha|kappa|\u03ba|control limit|p-chart", re.I)
COUNTED_CHARTS = ("pareto-error-types", "pareto-categories", "action-portfolio", "clock-breaches")


def _deck(rendered: Rendered) -> Any:
    return Presentation(io.BytesIO(rendered.artifacts["trends.pptx"]))


def _title(slide: Any) -> str:
    return slide.shapes.title.text if slide.shapes.title is not None else ""


def _notes(slide: Any) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def _pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split())


def _svg_texts(svg: str) -> Iterator[tuple[ET.Element, str]]:
    for element in ET.fromstring(svg).iter(f"{SVG}text"):
        yield element, " ".join("".join(element.itertext()).split())


# --------------------------------------------------------------------------- plain words


def test_every_flag_is_a_plain_sentence_and_the_statistic_stays_in_the_notes(
    rendered: Rendered,
) -> None:
    flags = [h["text"] for h in rendered.trends.context["headlines"] if h["tone"] == "alert"]
    assert flags and not [f for f in flags if STATISTICS.search(f)]
    pdf = _pdf_text(rendered.folder / "trends.pdf")
    deck = _deck(rendered)
    slide_text = " ".join(
        " ".join(sh.text_frame.text.split())
        for s in deck.slides
        for sh in s.shapes
        if sh.has_text_frame
    )
    for phrase in (
        "A dip this large happens by chance less than 1 time in 300.",
        "Reviewers agree barely more than chance on notice decision correct",
    ):
        assert phrase in pdf and phrase in slide_text, phrase
    # ...and for those who want it, the statistic behind each sentence:
    notes = " ".join(_notes(s) for s in deck.slides)
    assert "beyond 3\u03c3; 2 of 3 beyond 2\u03c3" in notes and "alpha 0.32" in notes
    assert (
        "alpha 0.32, Fleiss' kappa 0.26" in pdf and "beyond 3\u03c3; 2 of 3 beyond 2\u03c3" in pdf
    )


# --------------------------------------------------------------------------- charts


def _panels(svg: str) -> dict[str, tuple[float, float, list[float]]]:
    """Each small-multiple panel: the top and bottom of its frame and its points' heights."""
    root = ET.fromstring(svg)
    out = {}
    for axes in root.iter(f"{SVG}g"):
        if not (axes.get("id") or "").startswith("axes_"):
            continue
        dots = next((g for g in axes.iter(f"{SVG}g") if (g.get("id") or "").startswith("accuracy-")), None)  # fmt: skip
        if dots is None:
            continue
        frame = axes.find(f"{SVG}g/{SVG}path")
        assert frame is not None
        ys = [float(n) for n in re.findall(r"L? ?[\d.]+ ([\d.]+)", frame.get("d", ""))]
        heights = [
            float(m.group(1))
            for g in dots.iter(f"{SVG}g")
            if (m := re.match(r"translate\([\d.]+ ([\d.]+)\)", g.get("transform", "")))
        ]
        out[(dots.get("id") or "").removeprefix("accuracy-")] = (min(ys), max(ys), heights)
    return out


def test_small_multiples_share_one_y_axis(rendered: Rendered) -> None:
    """The same accuracy is drawn at the same height, relative to its frame, in every panel."""
    qa = rendered.trends.qa
    assert qa is not None
    panels = _panels(rendered.charts["accuracy-by-period"].svg)
    assert len(panels) == len(qa.charts) == 7
    scales = {}
    for metric, (top, bottom, heights) in panels.items():
        values = [r.accuracy for r in qa.accuracy if r.attribute == metric and r.period
                  and r.process_type is None]  # fmt: skip
        assert len(values) == len(heights) == 12, metric
        # height = top + (hi - value) / (hi - lo) * (bottom - top): solve for (lo, hi).
        (v1, h1), (v2, h2) = (
            max(zip(values, heights, strict=True)),
            min(zip(values, heights, strict=True)),
        )
        per_unit = (h2 - h1) / (v1 - v2) / (bottom - top)  # frame fractions per unit of accuracy
        hi = v1 + (h1 - top) / (bottom - top) / per_unit
        scales[metric] = (round(1 / per_unit, 3), round(hi, 3))
    assert len(set(scales.values())) == 1, scales


def _tick_labels(svg: str, gid: str) -> list[str]:
    root = ET.fromstring(svg)
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("id") == gid)
    ticks = [g for g in axis.iter(f"{SVG}g") if re.fullmatch(r"[xy]tick_\d+", g.get("id") or "")]
    return [t for g in ticks for e in g.iter(f"{SVG}text") if (t := "".join(e.itertext()).strip())]


@pytest.mark.parametrize("name", COUNTED_CHARTS)
def test_count_axes_step_in_whole_numbers(rendered: Rendered, name: str) -> None:
    labels = _tick_labels(rendered.charts[name].svg, "count-axis")
    assert len(labels) >= 3, labels
    assert all(re.fullmatch(r"[0-9][0-9,]*", t) for t in labels), labels


def test_a_count_axis_of_small_numbers_has_no_half_steps() -> None:
    # A Pareto of 1-3 causes is where matplotlib's own choice is steps of 0.5.
    chart = charts.pareto_chart(
        "p", "Causes", [("a", 3), ("b", 2), ("c", 1)], unit="cause", what="code", raster=False
    )
    assert _tick_labels(chart.svg, "count-axis") == ["0", "1", "2", "3"]


def test_no_rate_below_five_cases_in_any_chart_or_brief(rendered: Rendered) -> None:
    assert share_text(1, 1) == "1 of 1" and share_text(3, 6) == "3 of 6 (50%)"
    small = [
        ClockSummary("detect", None, None, 2, 60.0, 60.0, 60.0, 2, 1, 0.5),
        ClockSummary("respond", None, None, 1, 60.0, 60.0, 60.0, 1, 1, 1.0),
    ]
    chart = charts.breach_chart(small, raster=False)
    texts = [t for _, t in _svg_texts(chart.svg)]
    assert "1 of 2 missed" in texts and "1 of 1 missed" in texts
    assert not [t for t in texts if "%" in t], texts
    # The bundled brief: a process type with fewer than 5 items shows a count, never a rate.
    cells = _crosstab_cells(rendered.artifacts["trends.html"].decode("utf-8"))
    counts = [c for c in cells if re.fullmatch(r"\d+ of \d+", c)]
    assert counts, "expected groups of fewer than 5 items in the bundled QA data"
    for cell in cells:
        rate = re.fullmatch(r"[\d.]+%n=([\d,]+)", cell)
        if rate:  # a rate, over at least 5 items
            assert int(rate.group(1).replace(",", "")) >= 5, cell
        elif cell in counts:  # a count, where a rate would be over fewer than 5
            assert int(cell.split(" of ")[1]) < 5, cell
        else:
            assert cell == "\u2013", cell


class _Cells(HTMLParser):
    """The text of every body cell of the brief's "accuracy by process type" table."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.cell: list[str] | None = None
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class").split()
        if tag == "section" and ("id", "sec-by-process") in attrs:
            self.inside = True
        elif self.inside and tag == "td" and "num" in classes:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.inside = False
        elif tag == "td" and self.cell is not None:
            self.cells.append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _crosstab_cells(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    assert parser.cells
    return parser.cells


def test_a_long_tail_of_one_off_codes_is_folded_not_charted(rendered: Rendered) -> None:
    tail = [("change_without_control_review", 3)] + [(f"code_{i:02}", 1) for i in range(13)]
    bars, folded = charts.pareto_bars(tail)
    assert bars == [("change_without_control_review", 3)] and len(folded) == 13
    assert not charts.is_pareto(tail)
    chart = charts.pareto_chart("p", "Root causes", tail, unit="root cause", what="cause code",
                                raster=False)  # fmt: skip
    assert "13 other cause codes, once each" in " ".join(t for _, t in _svg_texts(chart.svg))
    # Four categories with one cause each are a short list, not a tail: every bar stays.
    assert charts.pareto_bars([("a", 5), ("b", 1), ("c", 1), ("d", 1)])[1] == []
    # The bundled cases: 20 of 21 root-cause codes occur once, so no cause-code Pareto is drawn
    # and the brief says why.
    assert "pareto-cause-codes" not in rendered.charts
    assert "the other 20 appear once each, so there is no concentration to chart" in _pdf_text(
        rendered.folder / "trends.pdf"
    )


def test_slide_titles_agree_with_their_charts(rendered: Rendered) -> None:
    deck = _deck(rendered)
    root = ET.fromstring(rendered.charts["accuracy-by-period"].svg)
    flagged = {(g.get("id") or "").removeprefix("panel-flagged-")
               for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("panel-flagged-")}  # fmt: skip
    steady = {(g.get("id") or "").removeprefix("panel-steady-")
              for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("panel-steady-")}  # fmt: skip
    assert flagged == {"account_match_correct", "all_attributes"} and len(steady) == 5
    slide = next(s for s in deck.slides
                 if any(sh.shape_type == PICTURE and sh.name == "Accuracy of every check" for sh in s.shapes))  # fmt: skip
    title = _title(slide).lower()
    assert "account match correct" in title and "whole-item accuracy" in title
    assert not [m for m in steady if metric_label(m).lower() in title]
    # The clock slide names every clock at the worst rate, not one of two.
    clocks = next(_title(s) for s in deck.slides if "service-level target" in _title(s))
    assert clocks.startswith("Time to respond missed"), clocks


# --------------------------------------------------------------------------- period and staleness


def test_titles_take_the_period_from_the_data_present(rendered: Rendered) -> None:
    deck = _deck(rendered)
    subtitle = " ".join(sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame)
    expected = "QA Apr 2025\u2013Mar 2026 \u00b7 cases Mar\u2013Nov 2026"
    assert expected in subtitle
    assert PdfReader(io.BytesIO(rendered.artifacts["trends.pdf"])).metadata.title == (  # type: ignore[union-attr]
        f"Quality trends: {expected}"
    )
    assert "Apr 2025 to Nov 2026" not in subtitle  # the union of both sources, as before


def test_a_window_wider_than_the_data_does_not_widen_the_title() -> None:
    records, qa = load_inputs(CASES, CASES / "qa")
    scope = Scope(since=date(2025, 1, 1), until=date(2026, 12, 31))
    context = build_trends(records, qa, scope, TODAY).context
    assert context["meta"]["range"] == "QA Apr 2025\u2013Mar 2026 \u00b7 cases Mar\u2013Nov 2026"
    assert "asked for 1 Jan 2025 to 31 Dec 2026" in context["method"][0]


def test_stale_qa_data_is_flagged_first_and_fresh_data_is_not(rendered: Rendered) -> None:
    stale = "QA data ends 31 Mar 2026, 7 months before this report"
    headline = rendered.trends.context["headlines"][0]
    assert headline["tone"] == "alert" and headline["text"].startswith(stale)
    assert stale in _pdf_text(rendered.folder / "trends.pdf")
    deck = _deck(rendered)
    assert stale in " ".join(
        sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame
    )
    records, qa = load_inputs(CASES, CASES / "qa")
    fresh = build_trends(records, qa, Scope(), date(2026, 5, 15)).context
    assert fresh["qa"]["stale"] is None
    assert not [h for h in fresh["headlines"] if "QA data ends" in h["text"]]
    assert not [a for a in fresh["asks"] if a["kind"] == "trend_stale"]


# --------------------------------------------------------------------------- decisions


def test_every_decision_names_who_decides_and_by_when(rendered: Rendered) -> None:
    asks = rendered.trends.context["asks"]
    assert len(asks) >= 4
    deck = _deck(rendered)
    slide = next(s for s in deck.slides if _title(s) == "Decisions and follow-ups")
    shown = " ".join(slide.shapes[i].text_frame.text for i in range(len(slide.shapes))
                     if slide.shapes[i].has_text_frame)  # fmt: skip
    pdf = _pdf_text(rendered.folder / "trends.pdf")
    for ask in asks:
        assert ask["decider"] and date.fromisoformat(ask["by"]) > TODAY, ask
        owner = f"{ask['decider']}, by {ask['by_text']}."
        assert owner in shown and owner in pdf, owner
    by_kind = {a["kind"]: a for a in asks}
    assert by_kind["trend_shift"]["decider"] == "LER Quality lead"  # the profile's kinds
    assert by_kind["trend_shift"]["by_text"] == "9 Dec 2026"
    assert by_kind["trend_recurrence"]["decider"] == "Head of LER"  # the profile's default


def test_a_users_profile_sets_the_deciders(tmp_path: Path) -> None:
    builtin = CASES.parent / "templates" / "audiences" / "leadership.yaml"
    (tmp_path / "audiences").mkdir()
    text = builtin.read_text(encoding="utf-8")
    text += "    trend_recurrence: {decider: COO, within_days: 3}\n"  # the kinds close the file
    (tmp_path / "audiences" / "leadership.yaml").write_text(text, encoding="utf-8")
    records, qa = load_inputs(CASES, CASES / "qa")
    asks = build_trends(records, qa, Scope(), TODAY, template_dirs=[tmp_path]).context["asks"]
    recurrence = next(a for a in asks if a["kind"] == "trend_recurrence")
    assert (recurrence["decider"], recurrence["by"]) == ("COO", "2026-11-28")


def test_the_project_file_sets_the_default_decider_of_trends_too(tmp_path: Path) -> None:
    import shutil

    cases = tmp_path / "cases"
    shutil.copytree(CASES, cases, ignore=shutil.ignore_patterns("qa"))
    toml = cases / "rca.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace(
            'decider = "Head of LER"\nwithin_days = 14',
            'decider = "Legal counsel"\nwithin_days = 5',
        ),
        encoding="utf-8",
    )
    records, _ = load_inputs(cases, None)
    asks = {a["kind"]: a for a in build_trends(records, None, Scope(), TODAY).context["asks"]}
    assert (asks["trend_recurrence"]["decider"], asks["trend_recurrence"]["by"]) == (
        "Legal counsel",
        "2026-11-30",
    )
    assert asks["trend_actions"]["decider"] == "Head of LER"  # a kind of the profile's own


# --------------------------------------------------------------------------- pagination


def _sparse_slides(deck: Any) -> list[str]:
    """Content slides with under a dozen words and no picture or table of 2+ rows, and
    continuation slides holding under a third of what the slide they continue holds."""
    out = []
    words_on: dict[str, int] = {}
    for number, slide in enumerate(deck.slides, start=1):
        if slide.slide_layout.name in ("Title", "Section"):
            continue
        title = _title(slide)
        body = [sh for sh in slide.shapes if sh.shape_id != slide.shapes.title.shape_id
                and sh.name not in ("Footer", "Slide Number")]  # fmt: skip
        if any(sh.shape_type == PICTURE for sh in body):
            continue
        rows = sum(len(sh.table.rows) - 1 for sh in body if sh.has_table)
        words = sum(len(sh.text_frame.text.split()) for sh in body if sh.has_text_frame)
        words += sum(len(c.text.split()) for sh in body if sh.has_table
                     for r in list(sh.table.rows)[1:] for c in r.cells)  # fmt: skip
        base = title.removesuffix(" (continued)")
        if rows < 2 and words < 12:
            out.append(f"slide {number} ({title}): {words} words, {rows} rows")
        elif base != title and words < words_on.get(base, 0) / 3:
            out.append(f"slide {number} ({title}): a remnant of {words} words")
        words_on.setdefault(base, words)
    return out


def test_no_near_empty_slide(rendered: Rendered) -> None:
    assert _sparse_slides(_deck(rendered)) == []


def test_a_near_empty_slide_is_caught() -> None:
    # Positive control for the check above: a slide of four words.
    from rca.render.pptx import DeckBuilder, block, open_master, para

    builder = DeckBuilder(open_master(), {"meta": {"classification": "X", "case_id": "Y"}}, {})
    builder.text_slides("Short", [block(para("Only four words here."))], "notes")
    saved = io.BytesIO()
    builder.prs.save(saved)
    deck = Presentation(io.BytesIO(saved.getvalue()))
    assert _sparse_slides(deck) == ["slide 1 (Short): 4 words, 0 rows"]


def _headings_at_page_foot(path: Path, headings: list[str]) -> list[str]:
    """Headings that are the last line of text on a page (running header and footer aside)."""
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))  # type: ignore[union-attr]
    out = []
    for page in range(1, pages + 1):
        text = _run("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-")
        lines = [line.strip() for line in text.splitlines()
                 if line.strip() and not re.search(r"Page \d+ of \d+|^rca \d", line.strip())]  # fmt: skip
        last = re.sub(r"^\d+\s+", "", lines[-1]).strip() if lines else ""
        if last in headings:
            out.append(f"page {page} ends on the heading {last!r}")
    return out


@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_no_heading_is_left_at_the_foot_of_a_brief_page(
    engine: str, rendered: Rendered, trends_pdf: Callable[[str], bytes], tmp_path: Path
) -> None:
    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", rendered.artifacts["trends.html"].decode())
    assert len(headings) > 10
    path = tmp_path / "trends.pdf"
    path.write_bytes(trends_pdf(engine))
    assert _headings_at_page_foot(path, headings) == []


def test_a_heading_at_the_foot_of_a_page_is_caught(tmp_path: Path) -> None:
    # Positive control: a forced break right after a heading strands it.
    import weasyprint

    path = tmp_path / "orphan.pdf"
    html = '<p>Intro.</p><h2>Alone at the foot</h2><p style="break-before: page">Body.</p>'
    weasyprint.HTML(string=html).write_pdf(path)
    assert _headings_at_page_foot(path, ["Alone at the foot"]) == [
        "page 1 ends on the heading 'Alone at the foot'"
    ]


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


# --------------------------------------------------------------------------- accessibility


def test_the_brief_pdf_is_tagged_with_language_and_title(rendered: Rendered) -> None:
    info = _run("pdfinfo", str(rendered.folder / "trends.pdf"))
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Title:\s+Quality trends: QA ", info, re.M), info
    catalog = PdfReader(io.BytesIO(rendered.artifacts["trends.pdf"])).trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert bool(catalog["/MarkInfo"]["/Marked"])


def test_deck_charts_print_at_12_pt_or_more_as_placed(rendered: Rendered) -> None:
    """Effective size = font size x placed width / the chart's own width, for every picture."""
    by_png = {d.png: d for d in rendered.charts.values()}
    deck = _deck(rendered)
    sizes = {}
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.shape_type != PICTURE:
                continue
            chart = by_png[shape.image.blob]  # the placed bytes are a chart written to charts/
            root = ET.fromstring(chart.svg)
            width_pt = float(root.get("width", "").removesuffix("pt"))
            fonts = [float(m.group(1)) for e, _ in _svg_texts(chart.svg)
                     if (m := re.search(r"font-size: ([\d.]+)px", e.get("style", "")))]  # fmt: skip
            placed_pt = Emu(shape.width).pt
            sizes[chart.name] = min(fonts) * placed_pt / width_pt
    assert len(sizes) >= 7, sizes
    assert min(sizes.values()) >= 12, sizes


def test_the_brief_opens_in_chromium_without_errors_or_serious_axe_violations(
    rendered: Rendered,
) -> None:
    from tests.browser import Browser

    browser = Browser()
    try:
        page = browser.open((rendered.folder / "trends.html").as_uri())
        assert page.page.locator("h1").first.inner_text().startswith("Quality trends")
        assert page.page.locator("svg").count() >= 7
        assert page.errors == []
        assert page.blocking_violations() == []
    finally:
        browser.close()


def test_two_dips_read_as_one_sentence_with_their_chance() -> None:
    from rca.trends.stats import p_chart
    from rca.trends.words import chart_finding

    passed = [380] * 12
    passed[8] = passed[10] = 300  # Sep and Nov dip; Oct is back at the usual level
    chart = p_chart("x", [date(2025, m, 1) for m in range(1, 13)], [400] * 12, passed, baseline=6)
    assert chart_finding(chart, "month") == (
        "X fell well below its usual level in Sep 2025 and Nov 2025: 75.0% of items passed, "
        "against 95.0% in Jan\u2013Jun 2025. A dip this large happens by chance less than 1 time "
        "in 300."
    )
