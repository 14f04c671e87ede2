"""A record of 1,000 causes keeps its outputs' shape: budgets hold, and nothing is lost from view.

One generated record (benchmarks.generate.big_graph_record: a layered graph of
1,000 causes, 100 actions, some 400 root causes), built once for the session,
both audiences, every format, the guard included. Read back as its readers
would: slides counted with python-pptx, pages and print sizes with pypdf, words
with poppler's `pdftotext`.
"""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pdf_parity import pdf_text
from pptx import Presentation
from pypdf import PdfReader
from test_meeting_ready import PRINT_MIN_PT, printed_sizes

from rca.audience import select_profiles

CAUSES = 1000
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="session")
def large() -> dict[str, Any]:
    from benchmarks.generate import big_graph_record
    from rca.pipeline import render_case

    profiles = {p.id: p for p in select_profiles(["all"])}
    loaded = big_graph_record(CAUSES)
    artifacts = render_case(
        loaded, list(profiles.values()), ["pptx", "pdf", "html"], today=date(2026, 11, 25)
    )
    files = {
        (a.audience, a.name.rpartition(".")[2]): a.data for a in artifacts if "/" not in a.name
    }
    return {"files": files, "profiles": profiles, "record": loaded.record}


def test_the_generated_record_is_large(large: dict[str, Any]) -> None:
    from rca.analyse import analyse
    from rca.load import LoadedRecord
    from rca.yamlsafe import Located

    record = large["record"]
    findings = analyse(
        LoadedRecord(Path("big.yaml"), record, Located(None), "0" * 64),
        today=date(2026, 11, 25),
    )
    assert len(record.causes) == CAUSES and len(record.actions) == 100
    assert len(findings.root_causes) > 100  # each would have had a why-chain slide


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_decks_and_briefs_keep_their_budgets(large: dict[str, Any], audience: str) -> None:
    profile = large["profiles"][audience]
    slides = len(Presentation(io.BytesIO(large["files"][(audience, "pptx")])).slides)
    assert slides <= profile.deck.slide_budget, (audience, slides)
    # The budget is for what is read: the appendix (the audit trail) is outside it.
    texts = [
        p.extract_text() for p in PdfReader(io.BytesIO(large["files"][(audience, "pdf")])).pages
    ]
    pages = next((i for i, t in enumerate(texts) if "Appendix" in t), len(texts))
    if profile.brief.max_pages is not None:
        assert pages <= profile.brief.max_pages, (audience, pages)


def test_the_specialist_deck_shows_the_top_root_causes_chains_and_says_how_many_more(
    large: dict[str, Any],
) -> None:
    deck = Presentation(io.BytesIO(large["files"][("specialist", "pptx")]))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    chains = [t for t in titles if t.startswith("Why-chain ")]
    assert len(chains) == large["profiles"]["specialist"].detail.max_root_causes
    notes = " ".join(s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide)
    assert re.search(r"\d+ more why-chains, to the other root causes, are in the review", notes)


def test_the_leadership_outputs_count_what_they_leave_out(large: dict[str, Any]) -> None:
    text = " ".join(pdf_text(large["files"][("leadership", "pdf")]).split())
    assert re.search(r"\d+ more actions \(\d+ open in all, \d+ overdue\) are in the review", text)
    assert re.search(
        r"Also open, and in the review: \d+ root causes with no corrective action", text
    )
    deck = Presentation(io.BytesIO(large["files"][("leadership", "pptx")]))
    words = " ".join(
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    words += " ".join(
        cell.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    )
    assert re.search(r"And \d+ more actions in the review", words)
    assert re.search(r"And \d+ more causes, listed in the review", words)
    assert "Also open, and in the review" in words


def test_the_specialist_brief_draws_a_legible_summary_and_lists_the_other_causes(
    large: dict[str, Any],
) -> None:
    pdf = large["files"][("specialist", "pdf")]
    text = " ".join(pdf_text(pdf).split())
    drawn = re.search(r"Causal graph, summarised: (\d+) of 1,?000 causes", text)
    assert drawn
    # The causes not drawn: the first 500 listed beside the figure, the rest counted.
    more = re.search(r"And (\d+) more causes, listed in the review", text)
    assert more and int(drawn[1]) + 500 + int(more[1]) == CAUSES
    listed = set(re.findall(r"\bC(\d+)\b", text))
    assert len(listed) >= int(drawn[1]) + 500
    small = [
        (n, round(s, 2), t)
        for n, runs in enumerate(printed_sizes(pdf), start=1)
        for s, t in runs
        if s < PRINT_MIN_PT - 0.01
    ]
    assert small == []
