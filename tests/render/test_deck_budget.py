"""A deck keeps its audience's slide budget by compacting its appendix, never its presented slides.

The long test case (40 timeline events, one taller than a slide) has an
appendix of eight slides; its budget is lowered step by step and each deck is
read back with python-pptx: how many slides, what the presented slides say,
that every row left out is counted in the closing line, that nothing
overflows and no table text goes below the deck's 11 pt.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ContextFactory
from pptx.oxml.ns import qn
from test_pptx import DECK_CASE, assert_nothing_overflows, notes, render, reopen, titles
from test_pptx import long_case as long_case  # the fixture: the test case grown long

APPENDIX = "Appendix"
DATE = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}")  # an event's row (not a split row's rest)


def presented(prs: Any) -> list[str]:
    return [t for t in titles(prs) if not t.startswith(APPENDIX)]


def table_rows(prs: Any, prefix: str) -> list[list[str]]:
    """Body rows of every table on the slides whose title starts with `prefix`."""
    out = []
    for slide, title in zip(prs.slides, titles(prs), strict=True):
        if title.startswith(prefix):
            for shape in slide.shapes:
                if getattr(shape, "has_table", False) and shape.has_table:
                    out += [[c.text for c in r.cells] for r in list(shape.table.rows)[1:]]
    return out


@pytest.fixture(scope="module")
def long_specialist(render_context: ContextFactory, long_case: Path) -> dict[str, Any]:
    return render_context(long_case, "specialist")


@pytest.fixture(scope="module")
def unbudgeted(long_specialist: dict[str, Any], deck_diagrams: dict[str, Any]) -> Any:
    return reopen(render(long_specialist, deck_diagrams))


def with_budget(context: dict[str, Any], budget: int) -> dict[str, Any]:
    context = copy.deepcopy(context)
    context["audience"]["deck"]["slide_budget"] = budget
    return context


def test_within_budget_the_appendix_is_as_it_was(unbudgeted: Any) -> None:
    # The long case's specialist deck fits its 36 slides: every event in full, at 12 pt.
    timeline = table_rows(unbudgeted, "Appendix: timeline")
    assert sum(bool(DATE.match(r[0])) for r in timeline) == 40
    assert not any(re.search(r"And \d+ more events", r[2]) for r in timeline)
    assert titles(unbudgeted).count("Appendix: timeline (continued)") >= 4


@pytest.mark.parametrize("room", [5, 3, 2])
def test_a_tight_budget_compacts_the_appendix_and_counts_what_it_folds(
    long_specialist: dict[str, Any], unbudgeted: Any, deck_diagrams: dict[str, Any], room: int
) -> None:
    kept = presented(unbudgeted)
    budget = len(kept) + room
    assert len(unbudgeted.slides) > budget  # the positive control: over it without compaction
    data = render(with_budget(long_specialist, budget), deck_diagrams)
    prs = reopen(data)
    assert len(prs.slides) <= budget
    assert presented(prs) == kept  # no presented slide dropped or changed in title
    assert_nothing_overflows(data)
    for slide in prs.slides:
        for shape in slide.shapes:
            if getattr(shape, "has_table", False) and shape.has_table:
                sizes = [int(r.get("sz")) for r in shape._element.iter(qn("a:rPr"))]
                assert min(sizes) >= 1100, (room, titles(prs))
    # Every event is either shown or counted; every deviation is shown.
    events = long_specialist["view"]["timeline"]
    rows = table_rows(prs, "Appendix: timeline")
    folded = [m for r in rows if (m := re.search(r"And (\d+) more events?", r[2]))]
    shown = [r for r in rows if DATE.match(r[0])]
    assert len(folded) == 1 and "in the brief's timeline" in rows[-1][2]
    assert len(shown) + int(folded[0].group(1)) == len(events)
    deviations = [e for e in events if e["deviation"]]
    assert sum("Deviation" in r[1] for r in shown) == len(deviations) > 0
    # The audit trail stays whole, last, on a slide of its own.
    assert titles(prs)[-1] == "Appendix: review history and sign-offs"


def test_with_no_room_left_the_notes_say_what_the_appendix_leaves_out(
    long_specialist: dict[str, Any], unbudgeted: Any, deck_diagrams: dict[str, Any]
) -> None:
    kept = presented(unbudgeted)
    prs = reopen(render(with_budget(long_specialist, len(kept)), deck_diagrams))
    assert titles(prs) == kept
    assert "the appendix leaves out: timeline; review history and sign-offs" in notes(
        prs.slides[-1]
    )


def test_small_tables_share_a_slide_under_their_captions(
    render_context: ContextFactory, deck_diagrams: dict[str, Any]
) -> None:
    context = render_context(DECK_CASE, "leadership")
    full = reopen(render(context, deck_diagrams))
    budget = len(full.slides) - 1
    data = render(with_budget(context, budget), deck_diagrams)
    prs = reopen(data)
    assert len(prs.slides) == budget
    assert_nothing_overflows(data)
    shared = [s for s in prs.slides if s.shapes.title.text == "Appendix: causes and timeline"]
    assert len(shared) == 1
    captions = [s.text_frame.text for s in shared[0].shapes if s.name.startswith("Caption")]
    assert captions == ["Every cause and what it leads to", "Timeline"]
    assert sum(1 for s in shared[0].shapes if getattr(s, "has_table", False) and s.has_table) == 2
