"""A 1,000-step causal chain renders within every audience's budgets and says what it folded.

One record (benchmarks.generate.chain_yaml: ESC-0142 with its causes replaced by
a single chain of 1,000, the one in benchmarks.bad_inputs), built once for the
session, both audiences, every format, the leak guard included. Read back as
its readers would: slides with python-pptx, pages and words with
poppler's `pdftotext`, the diagrams' SVG text with an XML parser. Every count
of what was left out is checked against what was shown: together they make
the whole chain.
"""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pdf_parity import pdf_text
from pptx import Presentation

from rca.audience import select_profiles
from rca.load import check_record

STEPS = 1000
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="session")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from benchmarks.generate import chain_yaml
    from rca.pipeline import render_case

    path = tmp_path_factory.mktemp("chain") / "chain.yaml"
    path.write_text(chain_yaml(STEPS))
    loaded, problems = check_record(path)
    assert loaded is not None, problems
    profiles = {p.id: p for p in select_profiles(["all"])}
    artifacts = render_case(
        loaded, list(profiles.values()), ["pptx", "pdf", "html"], today=date(2026, 11, 25)
    )
    return {"files": {(a.audience, a.name): a.data for a in artifacts}, "profiles": profiles}


def _deck(chain: dict[str, Any], audience: str) -> Any:
    return Presentation(io.BytesIO(chain["files"][(audience, f"{audience}.pptx")]))


def _slide_words(slide: Any) -> str:
    words = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    words += [
        cell.text
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    ]
    return " ".join(" ".join(words).split())


def _svg_words(data: bytes) -> str:
    return " ".join(" ".join(ET.fromstring(data).itertext()).split())


def test_the_record_is_one_chain_of_a_thousand_causes(chain: dict[str, Any]) -> None:
    from benchmarks.generate import chain_yaml

    causes = re.findall(r"leads_to:\n\s+- (\S+)", chain_yaml(STEPS))
    assert len(causes) == STEPS and causes[0] == "problem" and causes[-1] == f"C{STEPS - 1}"


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_decks_and_briefs_keep_their_budgets(chain: dict[str, Any], audience: str) -> None:
    profile = chain["profiles"][audience]
    slides = len(_deck(chain, audience).slides)
    assert slides <= profile.deck.slide_budget, (audience, slides)
    texts = pdf_text(chain["files"][(audience, f"{audience}.pdf")]).split("\f")[:-1]
    # The budget is for what is read: the appendix (the audit trail) is outside it.
    # Its heading, numbered, not its line in the table of contents.
    heading = re.compile(r"^\d+ Appendix\b", re.MULTILINE)
    pages = next((i for i, t in enumerate(texts) if heading.search(t)), len(texts))
    assert pages < len(texts)  # an appendix was found
    if profile.brief.max_pages is not None:
        assert pages <= profile.brief.max_pages, (audience, pages)


def test_the_specialist_deck_shows_the_top_of_the_chain_and_how_many_whys_it_folded(
    chain: dict[str, Any],
) -> None:
    deck = _deck(chain, "specialist")
    slides = [s for s in deck.slides if s.shapes.title.text.startswith("Why-chain")]
    assert len(slides) == 1  # the fold keeps the chain on one slide
    words = _slide_words(slides[0])
    shown = [int(n) for n in re.findall(r"Why (\d+)\?", words)]
    folded = re.search(r"… ([\d,]+) more whys …", words)
    assert folded, words
    assert shown == [*range(1, len(shown)), STEPS]  # the top of the chain, then its root
    assert len(shown) - 1 + int(folded[1].replace(",", "")) + 1 == STEPS
    notes = slides[0].notes_slide.notes_text_frame.text
    assert f"{folded[1]} intermediate whys left out before the root cause" in notes


def test_the_specialist_brief_says_how_many_whys_it_left_out(chain: dict[str, Any]) -> None:
    text = " ".join(pdf_text(chain["files"][("specialist", "specialist.pdf")]).split())
    section = text[text.rindex("Why-chains") :]
    left_out = re.search(r"([\d,]+) intermediate whys left out before the root cause", section)
    assert left_out
    shown = [int(n) for n in re.findall(r"WHY (\d+)", section[: left_out.start()])]
    assert shown[-1] == STEPS
    assert len(shown) - 1 + int(left_out[1].replace(",", "")) + 1 == STEPS
    html = chain["files"][("specialist", "specialist.html")].decode()
    assert f"{left_out[1]} intermediate whys left out before the root cause" in html


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_the_diagrams_fold_the_chain_and_count_the_rest(
    chain: dict[str, Any], audience: str
) -> None:
    files = chain["files"]
    whys = _svg_words(files[(audience, f"diagrams/{audience}-why_chains.svg")])
    folded = re.search(r"… ([\d,]+) more whys …", whys)
    assert folded, whys
    fishbone = _svg_words(files[(audience, f"diagrams/{audience}-fishbone.svg")])
    drawn = set(re.findall(r"\bC(\d+)\b", fishbone))
    more = re.search(r"\+ ([\d,]+) more in this category", fishbone)
    assert more and len(drawn) + int(more[1].replace(",", "")) == STEPS
    graph = _svg_words(files[(audience, f"diagrams/{audience}-causal_graph.svg")])
    boxes = set(re.findall(r"\bC(\d+)\b", graph))
    assert 0 < len(boxes) <= 60  # a summary laid out by dot, not 1,000 boxes
    if audience == "specialist":
        text = " ".join(pdf_text(files[(audience, f"{audience}.pdf")]).split())
        assert re.search(rf"Causal graph, summarised: {len(boxes)} of 1,?000 causes", text)


def test_the_leadership_deck_lists_the_first_causes_and_counts_the_others(
    chain: dict[str, Any],
) -> None:
    deck = _deck(chain, "leadership")
    words = " ".join(_slide_words(s) for s in deck.slides)
    summary = re.search(r"Summary: (\d+) of 1,000 causes", words)
    appendix = re.search(r"Appendix: the first (\d+) causes and what they lead to", words)
    more = re.search(r"And ([\d,]+) more causes, listed in the review", words)
    assert summary and appendix and more
    assert int(appendix[1]) + int(more[1].replace(",", "")) == STEPS


def test_the_chain_renders_from_the_command_line(tmp_path: Path) -> None:
    """Valid, so rendered, not refused: every file written, exit 0."""
    from click.testing import CliRunner

    from benchmarks.generate import chain_yaml
    from rca.cli import cli

    record = tmp_path / "chain.yaml"
    record.write_text(chain_yaml(STEPS))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render", str(record), "-f", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (out / "ESC-0142").glob("*.html")} == {
        "leadership.html",
        "specialist.html",
    }
