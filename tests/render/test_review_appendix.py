"""The audit trail in every output: sign-offs (by role) and revisions in an appendix.

Read back from the session's build of every bundled case (tests/conftest.py),
with tools independent of the renderers: python-pptx for the decks, poppler's
`pdftotext` for the PDFs, an HTML parser for the briefs. Expected rows come
from the record itself, in date order.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation

from rca.load import load_records
from rca.model import CaseReview
from rca.render.formatting import day
from tests.render.html_tables import table_rows

ROOT = Path(__file__).parent.parent.parent
TITLE = "Appendix: review history and sign-offs"


def _records() -> dict[str, CaseReview]:
    loaded = load_records(sorted((ROOT / "case_reviews").glob("*.yaml")))
    return {r.record.case_id: r.record for r in loaded}


def expected_rows(record: CaseReview) -> list[tuple[str, str, str, str]]:
    """(day, what, by, note) of each sign-off and revision, by date; sign-offs first on a day."""
    review = record.review
    open_ = set(review.open_change_requests)
    rows = [
        (
            s.on.isoformat(),
            "Approved"
            if s.decision.value == "approved"
            else "Changes requested" + (" still open" if i in open_ else ""),
            s.role,
            s.note or "—",
        )
        for i, s in enumerate(review.sign_offs)
    ] + [(r.on.isoformat(), f"Revision {r.version}", "—", r.note) for r in review.revisions]
    rows.sort(key=lambda r: r[0])
    return [(day(on), what, by, " ".join(note.split())) for on, what, by, note in rows]


def deck_rows(data: bytes) -> list[tuple[str, str, str, str]]:
    deck = Presentation(io.BytesIO(data))
    slides = [
        s
        for s in deck.slides
        if s.shapes.title and s.shapes.title.text_frame.text.startswith(TITLE)
    ]
    assert slides, "no review appendix"
    assert deck.slides.index(slides[0]) + len(slides) == len(deck.slides)  # last, together
    rows = []
    for slide in slides:
        [table] = [s.table for s in slide.shapes if s.has_table]
        for row in list(table.rows)[1:]:
            cells = [" ".join(c.text_frame.text.split()) for c in row.cells]
            rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


@pytest.fixture(scope="module")
def records() -> dict[str, CaseReview]:
    return _records()


def test_every_deck_ends_with_the_review_history(
    bundled_outputs: dict[str, Any], records: dict[str, CaseReview]
) -> None:
    seen = 0
    for (case, audience, ext), data in sorted(bundled_outputs["files"].items()):
        if ext != "pptx":
            continue
        seen += 1
        rows = deck_rows(data)
        expected = expected_rows(records[case]) or [("—", "No sign-off or revision yet", "—", "—")]
        # a closed request says so too; the deck words it as "closed: approved <day>"
        assert [(d, w.split(" closed:")[0], b, n) for d, w, b, n in rows] == expected, (
            case,
            audience,
        )
    assert seen == 2 * len(records)


def test_every_html_brief_holds_the_review_history(
    bundled_outputs: dict[str, Any], records: dict[str, CaseReview]
) -> None:
    for (case, audience, ext), data in sorted(bundled_outputs["files"].items()):
        if ext != "html":
            continue
        rows = [tuple(r) for r in table_rows(data.decode("utf-8"), "review-table", ("td",)) if r]
        assert [(d, w.split(" (closed")[0], b, n) for d, w, b, n in rows] == expected_rows(
            records[case]
        ), (case, audience)
        assert TITLE in data.decode("utf-8")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_every_pdf_brief_ends_with_the_review_history(
    bundled_outputs: dict[str, Any], records: dict[str, CaseReview], tmp_path: Path
) -> None:
    for (case, audience, ext), data in sorted(bundled_outputs["files"].items()):
        if ext != "pdf":
            continue
        path = tmp_path / f"{case}-{audience}.pdf"
        path.write_bytes(data)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages = text.split("\f")[:-1]
        # the specialist brief's contents on page 1 name it too; the appendix is the last
        at = [i for i, page in enumerate(pages) if TITLE in page]
        assert at and at[-1] > 0, (case, audience)
        page = " ".join(pages[at[-1]].split())
        for on, what, by, _ in expected_rows(records[case]):
            assert on in page and what.split(" still")[0] in page, (case, audience, on, what)
            if by != "—":
                assert by in page, (case, audience, by)
        if audience == "specialist":  # only the answer key after it
            assert at[-1] == len(pages) - 2 and "Answer key" in pages[-1]
        else:
            assert at == [len(pages) - 1]


def test_an_open_request_for_changes_is_marked_in_every_output(
    bundled_outputs: dict[str, Any],
) -> None:
    files = bundled_outputs["files"]
    rows = deck_rows(files[("ESC-0192", "leadership", "pptx")])
    assert rows[0][:3] == ("2 Jun 2026", "Changes requested still open", "Legal counsel")
    html = files[("ESC-0192", "specialist", "html")].decode("utf-8")
    assert '<span class="pill pill-open">still open</span>' in html
