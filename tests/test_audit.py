"""The audit trail's gate: a review renders as approved only when it passes as approved.

Approved and published reviews must pass lint under --strict and have no open
request for changes (RCA504), or `rca render` refuses them with one message;
`--draft` renders them, and any review not yet approved, with a DRAFT marking
on every output instead. Outputs are read back independently of the renderer:
python-pptx for slides, poppler's `pdftotext` for PDF pages, an HTML parser.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from pptx import Presentation

from rca.cli import cli
from rca.model import open_change_requests

DATA = Path(__file__).parent / "data" / "analyse"
OPEN = DATA / "changes_requested_open.yaml"
CLOSED = DATA / "changes_requested_closed.yaml"
UNVERIFIED = DATA / "unverified_in_approved.yaml"
APPROVED = DATA / "approved.yaml"
DRAFT = DATA / "clean.yaml"  # review.status: draft
TODAY = "2026-03-20"  # before every action of the fixtures is due


# --------------------------------------------------------------------------- open requests


@pytest.mark.parametrize(
    ("sign_offs", "open_"),
    [
        # a request alone is open
        ([("Legal counsel", "2026-03-10", "changes_requested")], [0]),
        # a later approval by the same role closes it (role case does not matter)
        (
            [
                ("Legal counsel", "2026-03-10", "changes_requested"),
                ("legal counsel", "2026-03-11", "approved"),
            ],
            [],
        ),
        # the same day closes it only when listed after
        (
            [
                ("Legal counsel", "2026-03-10", "changes_requested"),
                ("Legal counsel", "2026-03-10", "approved"),
            ],
            [],
        ),
        (
            [
                ("Legal counsel", "2026-03-10", "approved"),
                ("Legal counsel", "2026-03-10", "changes_requested"),
            ],
            [1],
        ),
        # an earlier approval, or another role's approval, does not close it
        (
            [
                ("Legal counsel", "2026-03-09", "approved"),
                ("Legal counsel", "2026-03-10", "changes_requested"),
                ("Head of LER", "2026-03-11", "approved"),
            ],
            [1],
        ),
        # a new request after an approval is open again; the first stays closed
        (
            [
                ("Legal counsel", "2026-03-01", "changes_requested"),
                ("Legal counsel", "2026-03-05", "approved"),
                ("Legal counsel", "2026-03-08", "changes_requested"),
            ],
            [2],
        ),
    ],
)
def test_which_requests_for_changes_are_open(
    sign_offs: list[tuple[str, str, str]], open_: list[int]
) -> None:
    assert open_change_requests(sign_offs) == open_


# --------------------------------------------------------------------------- the refusal


def _render(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["render", *args, "--today", TODAY])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_an_approved_review_with_an_open_request_for_changes_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _render(str(OPEN), "--out", str(out), "--format", "html")
    assert code == 1
    assert output == (
        f"rca: {OPEN}:9:11: review.status: the review is marked approved but does not pass as "
        "approved: changes requested by Legal counsel still open. Nothing was written:\n"
        f"  {OPEN}:13:55: error: RCA504 changes-requested-open: review.sign_offs[1].decision: "
        "the review is approved but Legal counsel requested changes on 2026-03-10 and no later "
        "sign-off by Legal counsel approves; make the changes and add a sign-off by Legal "
        "counsel with decision approved, or return the review to in_review\n"
        "Fix them, or set review.status back to in_review; to circulate it as it is, use "
        "--draft, which marks every output DRAFT.\n"
    )
    assert not (out / "TST-0100").exists()


def test_an_approved_review_with_lint_errors_is_refused_and_earlier_outputs_stay(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    earlier = out / "TST-0100" / "leadership.html"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("earlier", encoding="utf-8")
    code, output = _render(str(UNVERIFIED), "--out", str(out), "--format", "html")
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == (
        f"rca: {UNVERIFIED}:8:11: review.status: the review is marked approved but does not pass "
        "as approved: 2 lint errors under --strict. Nothing was written:"
    )
    assert lines[1].startswith(f"  {UNVERIFIED}:102:13: error: RCA503 unverified-in-approved:")
    assert lines[2].startswith(f"  {UNVERIFIED}:109:33: error: RCA503 unverified-in-approved:")
    assert lines[3].startswith("Fix them, or set review.status back to in_review")
    assert earlier.read_text(encoding="utf-8") == "earlier"


def test_the_near_misses_render_as_approved(tmp_path: Path) -> None:
    # closed request; and an action overdue on the analysis date (RCA406 judges the
    # calendar, not the analysis: it does not unapprove a review)
    for record, today in ((CLOSED, TODAY), (APPROVED, "2026-12-01")):
        out = tmp_path / record.stem
        result = CliRunner().invoke(
            cli,
            ["render", str(record), "--out", str(out), "--format", "html", "--today", today],
        )
        assert result.exit_code == 0, result.output
        html = (out / "TST-0100" / "leadership.html").read_text(encoding="utf-8")
        assert "review approved" in html
        assert "DRAFT" not in html


# --------------------------------------------------------------------------- --draft


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.parts.append(data)


def _html_text(html: bytes) -> tuple[str, str]:
    parser = _Text()
    parser.feed(html.decode("utf-8"))
    return parser.title, " ".join(" ".join(parser.parts).split())


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """OPEN rendered with --draft: both audiences, every format (one build for the module)."""
    out = tmp_path_factory.mktemp("draft")
    code, output = _render(str(OPEN), "--out", str(out), "--draft")
    assert code == 0, output
    return {p.name: p.read_bytes() for p in (out / "TST-0100").iterdir() if p.is_file()}


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_draft_marks_every_slide(drafted: dict[str, bytes], audience: str) -> None:
    deck = Presentation(io.BytesIO(drafted[f"{audience}.pptx"]))
    for n, slide in enumerate(deck.slides, start=1):
        stamps = [s for s in slide.shapes if s.name == "Draft marking"]
        assert [s.text_frame.text for s in stamps] == ["DRAFT · NOT APPROVED"], n
        footer = [s.text_frame.text for s in slide.shapes if s.name == "Footer"]
        assert footer and footer[0].startswith("DRAFT, not approved · "), n
        title = slide.shapes.title
        if title is not None:  # the stamp sits above the title, never on it
            stamp = stamps[0]
            assert stamp.top + stamp.height <= title.top, n
    first = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    notes = deck.slides[0].notes_slide.notes_text_frame.text
    assert "DRAFT, not approved · Confidential" in first
    assert notes.startswith(
        "DRAFT, not approved: the record is marked approved but does not pass as such; "
        "changes requested by Legal counsel on 2026-03-10 are still open.\n"
    )
    assert "review approved" not in first and "review under way" in first


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_draft_marks_every_pdf_page(
    drafted: dict[str, bytes], audience: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{audience}.pdf"
    path.write_bytes(drafted[f"{audience}.pdf"])
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert pages
    for n, page in enumerate(pages, start=1):
        assert "DRAFT, NOT APPROVED" in page, n  # the running header's marking
    assert "review approved" not in text


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_draft_marks_the_html_brief(drafted: dict[str, bytes], audience: str) -> None:
    title, text = _html_text(drafted[f"{audience}.html"])
    assert title.startswith("DRAFT: TST-0100: ")
    assert (
        "DRAFT, not approved: the record is marked approved but does not pass as such; changes "
        "requested by Legal counsel on 2026-03-10 are still open." in text
    )
    assert "review approved" not in text


def test_draft_marks_a_review_not_yet_approved_and_not_an_approvable_one(tmp_path: Path) -> None:
    for record, marked in ((DRAFT, True), (CLOSED, False)):
        out = tmp_path / record.stem
        code, output = _render(str(record), "--out", str(out), "--format", "html", "--draft")
        assert code == 0, output
        _, text = _html_text((out / "TST-0100" / "leadership.html").read_bytes())
        assert ("DRAFT, not approved" in text) is marked, record.name
    _, text = _html_text((tmp_path / "clean" / "TST-0100" / "leadership.html").read_bytes())
    assert "DRAFT, not approved: the review is a draft, not approved." in text


def test_without_draft_a_draft_review_is_not_marked(tmp_path: Path) -> None:
    code, output = _render(str(DRAFT), "--out", str(tmp_path), "--format", "html")
    assert code == 0, output
    _, text = _html_text((tmp_path / "TST-0100" / "leadership.html").read_bytes())
    assert "DRAFT" not in text and "review in draft" in text


def test_build_reports_a_refused_case_and_builds_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(OPEN, folder / "open.yaml")
    shutil.copy(DRAFT, folder / "clean.yaml")
    clean = (folder / "clean.yaml").read_text(encoding="utf-8")
    (folder / "clean.yaml").write_text(clean.replace("TST-0100", "TST-0101"), encoding="utf-8")
    args = ["build", str(folder), "--out", str(tmp_path / "out"), "--format", "html"]
    result = CliRunner().invoke(cli, [*args, "--jobs", "1", "--today", TODAY])
    assert result.exit_code == 1
    assert "does not pass as approved: changes requested by Legal counsel still open" in " ".join(
        result.output.replace("│", " ").split()
    )
    assert (tmp_path / "out" / "TST-0101" / "leadership.html").exists()
    assert not (tmp_path / "out" / "TST-0100").exists()
    result = CliRunner().invoke(cli, [*args, "--jobs", "1", "--today", TODAY, "--draft"])
    assert result.exit_code == 0, result.output
    assert "DRAFT" in (tmp_path / "out" / "TST-0100" / "leadership.html").read_text("utf-8")
