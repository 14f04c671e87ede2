"""Decks: sections from the profile, notes and alt text everywhere, nothing overflows, same bytes.

Every assertion reopens the saved .pptx with python-pptx, as a user's viewer
would, and looks at what is there. The outline goldens (tests/golden/decks/)
are regenerated with `RCA_UPDATE_GOLDEN=1 scripts/test.sh`.
"""

from __future__ import annotations

import copy
import io
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Emu

from rca.errors import RcaError
from rca.render.deck_sections import SECTIONS
from rca.render.make_master import build as build_master
from rca.render.pptx import LAYOUTS, MEDIA_TYPE, PptxRenderer, default_master
from rca.render.registry import RenderInput, get_renderer
from rca.render.textfit import Span, wrap_spans

Golden = Callable[[str, str], None]
ContextFactory = Callable[..., dict[str, Any]]
DECK_CASE = Path(__file__).parent.parent / "data" / "decks" / "wrong_account.yaml"
EMU_PT = 12700

LEADERSHIP_TITLES = [
    "Session logs of the wrong account produced after a time-zone conversion error",
    "Bottom line up front",
    "Impact and legal risk",
    "Timeline at a glance",
    "Why it happened: root causes",
    "How the root causes led to the problem",
    "Causes by category (fishbone)",
    "Corrective actions",
    "Decisions needed",
    "Appendix: every cause and what it leads to",
    "Appendix: timeline",
    "Appendix: metrics",
    "Appendix: review history and sign-offs",
]
SPECIALIST_TITLES = [
    "Session logs of the wrong account produced after a time-zone conversion error",
    "What you will be able to do after this session",
    "The scenario",
    "The case at a glance",
    "What would you do? Deviation 1 of 2: account identification",
    "What happened at account identification, and what the procedure expects",
    "What would you do? Deviation 2 of 2: second review / QA",
    "What happened at second review / QA, and what the procedure expects",
    "The correct procedure",
    "Red flags to notice next time",
    "Why-chain 1: Why was the wrong account produced?",
    # derived: no declared chain reaches C3; named by its title, not its id
    "Why-chain 2: How \u201cSecond review checks the data scope but never repeats the account "
    "lookup\u201d leads to the problem",
    "How the root causes led to the problem",
    "Causes by category (fishbone)",
    "Lessons",
    "Knowledge check",
    "Appendix: timeline",
    "Appendix: review history and sign-offs",
]


# --------------------------------------------------------------------------- helpers


def render(context: dict[str, Any], diagrams: dict[str, Any], **options: Any) -> bytes:
    return PptxRenderer().render(RenderInput(context, diagrams, options=options))


def reopen(data: bytes) -> Any:
    return Presentation(io.BytesIO(data))


def titles(prs: Any) -> list[str]:
    return [
        s.shapes.title.text_frame.text if s.shapes.title is not None else "" for s in prs.slides
    ]


def distinct_titles(prs: Any) -> list[str]:
    out: list[str] = []
    for title in titles(prs):
        base = title.removesuffix(" (continued)")
        if not out or out[-1] != base:
            out.append(base)
    return out


def notes(slide: Any) -> str:
    return str(slide.notes_slide.notes_text_frame.text) if slide.has_notes_slide else ""


def slide_text(slide: Any) -> str:
    """Every visible text on a slide: text frames and table cells (not the notes)."""
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def outline(data: bytes) -> str:
    """The deck as text after save and reopen: layouts, titles, text, tables, pictures, notes."""
    prs = reopen(data)
    out = []
    for n, slide in enumerate(prs.slides, start=1):
        out.append(f"## {n} [{slide.slide_layout.name}]")
        for shape in slide.shapes:
            if shape.is_placeholder and shape.placeholder_format.idx == 0:
                out.append(f"title: {shape.text_frame.text}")
            elif getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    out.append(
                        "| " + " | ".join(c.text.replace("\n", " / ") for c in row.cells) + " |"
                    )
            elif shape.shape_type is not None and shape.shape_type == 13:  # picture
                descr = shape._element.nvPicPr.cNvPr.get("descr")
                out.append(f"picture: {shape.name} — alt: {descr}")
            elif shape.shape_type is not None and shape.shape_type == 6:  # a slide diagram
                descr = shape._element.nvGrpSpPr.cNvPr.get("descr")
                out.append(f"diagram: {shape.name} — alt: {descr}")
                out += [
                    f"  box: {' / '.join(p.text for p in child.text_frame.paragraphs if p.text)}"
                    for child in shape.shapes
                    if child.has_text_frame and child.text_frame.text
                ]
            elif shape.has_text_frame and shape.text_frame.text:
                kind = shape.placeholder_format.type if shape.is_placeholder else None
                label = {15: "footer", 13: "number"}.get(
                    int(kind) if kind is not None else 0, "text"
                )
                out += [f"{label}: {p.text}" for p in shape.text_frame.paragraphs if p.text]
        out += [f"notes: {line}" for line in notes(slide).split("\n")]
        out.append("")
    return "\n".join(out)


def paragraphs_height(paragraphs: Any, width_pt: float) -> float:
    """Measure written paragraphs again, from their XML, at the full box width."""
    total = 0.0
    for p in paragraphs:
        ppr = p._p.pPr
        margin = int(ppr.get("marL", "0")) / EMU_PT if ppr is not None else 0.0
        spacing = p._p.find(f"{qn('a:pPr')}/{qn('a:lnSpc')}/{qn('a:spcPts')}")
        before = p._p.find(f"{qn('a:pPr')}/{qn('a:spcBef')}/{qn('a:spcPts')}")
        assert spacing is not None or not p.text, (
            f"paragraph without exact line spacing: {p.text!r}"
        )
        if spacing is None:
            continue
        spans, sizes = [], []
        for r in p._p.iterchildren(qn("a:r"), qn("a:fld")):
            rpr = r.find(qn("a:rPr"))
            sizes.append(int(rpr.get("sz")) / 100)
            spans.append(Span(r.findtext(qn("a:t")) or "", rpr.get("b") == "1"))
        size = max(sizes, default=12.0)
        lines = len(wrap_spans(spans, width_pt - margin, size))
        total += int(before.get("val")) / 100 if before is not None else 0.0
        total += lines * int(spacing.get("val")) / 100
    return total


def text_boxes(prs: Any) -> Iterator[tuple[int, Any]]:
    for n, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text:
                yield n, shape


def all_shapes(shapes: Any) -> Iterator[Any]:
    """Every shape, those inside groups (slide diagrams) too."""
    for shape in shapes:
        yield shape
        if shape.shape_type == 6:  # a group
            yield from all_shapes(shape.shapes)


def assert_nothing_overflows(data: bytes) -> None:
    """Every text frame and table cell holds its text (measured again from the file), on the slide."""
    prs = reopen(data)
    width, height = prs.slide_width, prs.slide_height
    for n, slide in enumerate(prs.slides, start=1):
        for shape in all_shapes(slide.shapes):
            where = f"slide {n} ({titles(prs)[n - 1]!r}), shape {shape.name!r}"
            assert shape.left >= 0 and shape.top >= 0, where
            assert shape.left + shape.width <= width and shape.top + shape.height <= height, where
            if shape.has_text_frame and shape.text_frame.text:
                body = shape.text_frame._txBody.bodyPr
                ins = {
                    k: int(body.get(k, d)) / EMU_PT
                    for k, d in (("lIns", 91440), ("rIns", 91440), ("tIns", 45720), ("bIns", 45720))
                }
                inner_w = shape.width / EMU_PT - ins["lIns"] - ins["rIns"]
                used = paragraphs_height(shape.text_frame.paragraphs, inner_w)
                room = shape.height / EMU_PT - ins["tIns"] - ins["bIns"]
                assert used <= room + 0.01, (
                    f"{where}: text needs {used:.1f} pt, box holds {room:.1f} pt"
                )
            if getattr(shape, "has_table", False) and shape.has_table:
                table = shape.table
                total = sum(r.height for r in table.rows)
                area = [p for p in slide.slide_layout.placeholders if p.placeholder_format.idx == 1]
                bottom = (
                    area[0].top + area[0].height if area else height - 48 * EMU_PT
                )  # above the footer
                assert shape.top + total <= bottom, f"{where}: table runs past its area"
                for r, row in enumerate(table.rows):
                    for c, tcell in enumerate(row.cells):
                        inner_w = (
                            table.columns[c].width - tcell.margin_left - tcell.margin_right
                        ) / EMU_PT
                        used = paragraphs_height(tcell.text_frame.paragraphs, inner_w)
                        room = (row.height - tcell.margin_top - tcell.margin_bottom) / EMU_PT
                        assert used <= room + 0.01, (
                            f"{where}: cell ({r}, {c}) needs {used:.1f} pt of {room:.1f}"
                        )


@pytest.fixture(scope="module")
def leadership(render_context: ContextFactory) -> dict[str, Any]:
    return render_context(DECK_CASE, "leadership")


@pytest.fixture(scope="module")
def specialist(render_context: ContextFactory) -> dict[str, Any]:
    return render_context(DECK_CASE, "specialist")


@pytest.fixture(scope="module")
def leadership_deck(leadership: dict[str, Any], deck_diagrams: dict[str, Any]) -> bytes:
    return render(leadership, deck_diagrams)


@pytest.fixture(scope="module")
def specialist_deck(specialist: dict[str, Any], deck_diagrams: dict[str, Any]) -> bytes:
    return render(specialist, deck_diagrams)


@pytest.fixture(scope="module")
def long_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test case grown to 40 timeline events and 15 actions, with a few very long texts."""
    record = yaml.safe_load(DECK_CASE.read_text(encoding="utf-8"))
    record["title"] = (
        "A very long review title that goes on to test how titles shrink and then wrap "
        "onto a second line, and finally get cut with an ellipsis when even that is not "
        "enough room for all of it"
    )[:200]
    base = record["timeline"][1]
    for i in range(32):
        event = dict(
            base,
            at=f"2026-04-21T10:{10 + i // 2:02d}:{i % 2 * 30:02d}-07:00",
            what=f"Step {i}: "
            + "the specialist records what the order asks for and why. " * (1 + i % 4),
        )
        record["timeline"].insert(2, event)
    record["timeline"][3]["what"] = "A very long account of one step. " * 90  # taller than a slide
    for i in range(11):
        record["actions"].append(
            {
                "id": f"B{i}",
                "title": f"Follow-up action {i} with a title long enough to wrap in its cell",
                "addresses": ["C1"],
                "type": "prevent",
                "mechanism": "checklist",
                "owner": "LER Operations",
                "due": "2026-12-31",
                "status": "planned",
            }
        )
    record["lessons"].append("A lesson so long it cannot fit on one slide at all. " * 60)
    path = tmp_path_factory.mktemp("decks") / "long_case.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- structure


def test_the_renderer_is_registered_for_pptx() -> None:
    renderer = get_renderer("pptx")
    assert isinstance(renderer, PptxRenderer)
    assert renderer.extension == "pptx"
    assert renderer.media_type == MEDIA_TYPE


def test_leadership_sections_come_in_profile_order(leadership_deck: bytes) -> None:
    assert distinct_titles(reopen(leadership_deck)) == LEADERSHIP_TITLES


def test_specialist_sections_come_in_profile_order(specialist_deck: bytes) -> None:
    assert distinct_titles(reopen(specialist_deck)) == SPECIALIST_TITLES


def test_the_profile_alone_decides_sections_and_order(
    leadership: dict[str, Any], deck_diagrams: dict[str, Any]
) -> None:
    context = copy.deepcopy(leadership)
    context["audience"]["deck"]["sections"] = ["decisions", "lessons", "title"]
    prs = reopen(render(context, deck_diagrams))
    assert distinct_titles(prs) == ["Decisions needed", "Lessons", LEADERSHIP_TITLES[0]]


def test_every_profile_section_is_registered() -> None:
    from rca.audience import load_profiles

    for profile in load_profiles().values():
        assert set(profile.deck.sections) <= set(SECTIONS), profile.id


def test_an_unknown_section_is_an_error(leadership: dict[str, Any]) -> None:
    context = copy.deepcopy(leadership)
    context["audience"]["deck"]["sections"] = ["title", "horoscope"]
    with pytest.raises(RcaError, match=r"unknown deck section.*horoscope"):
        render(context, {})


def test_slides_use_the_masters_named_layouts(
    leadership_deck: bytes, specialist_deck: bytes
) -> None:
    for data in (leadership_deck, specialist_deck):
        assert {s.slide_layout.name for s in reopen(data).slides} <= set(LAYOUTS)


def test_leadership_deck_stays_within_its_slide_budget(
    leadership: dict[str, Any], leadership_deck: bytes
) -> None:
    assert len(reopen(leadership_deck).slides) <= leadership["audience"]["deck"]["slide_budget"]


# --------------------------------------------------------------------------- notes, alt text, footers


def test_every_slide_has_talking_points(leadership_deck: bytes, specialist_deck: bytes) -> None:
    for data in (leadership_deck, specialist_deck):
        for n, slide in enumerate(reopen(data).slides, start=1):
            assert len(notes(slide)) > 20, f"slide {n} has no talking points"


def test_every_slide_diagram_is_native_shapes_with_alt_text(
    leadership_deck: bytes, specialist_deck: bytes
) -> None:
    # Diagrams are drawn as grouped shapes (text stays text), never as pictures.
    groups = []
    for data in (leadership_deck, specialist_deck):
        for slide in reopen(data).slides:
            assert not [sh for sh in slide.shapes if sh.shape_type == 13]
            groups += [sh for sh in slide.shapes if sh.shape_type == 6]  # group
    # leadership: timeline, causal summary, fishbone; specialist: timeline, summary, fishbone
    assert len(groups) == 6
    for group in groups:
        alt = group._element.nvGrpSpPr.cNvPr.get("descr")
        assert alt and len(alt) > 40, group.name
        assert any(sh.has_text_frame and sh.text_frame.text for sh in group.shapes)


def test_every_slide_carries_the_marking_case_id_and_number(
    leadership: dict[str, Any], leadership_deck: bytes
) -> None:
    marking = f"{leadership['meta']['classification']} · TST-0420"
    for n, slide in enumerate(reopen(leadership_deck).slides, start=1):
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert marking in texts and str(n) in texts, f"slide {n}"


def test_knowledge_check_answers_are_in_the_notes_only(
    specialist: dict[str, Any], specialist_deck: bytes
) -> None:
    prs = reopen(specialist_deck)
    visible = "\n".join(slide_text(s) for s in prs.slides)
    spoken = "\n".join(notes(s) for s in prs.slides)
    for n, q in enumerate(specialist["case"]["training"]["knowledge_check"], start=1):
        assert q["question"] in visible
        letter = (
            f"{'ABCDEFGH'[q['options'].index(q['answer'])]}. "
            if q["answer"] in q["options"]
            else ""
        )
        assert f"Answer {n}: {letter}{q['answer']}" in spoken
        if q["answer"] not in q["options"]:
            assert q["answer"] not in visible
    assert "Answer" not in visible


# --------------------------------------------------------------------------- layout never breaks


def test_nothing_overflows_in_either_deck(leadership_deck: bytes, specialist_deck: bytes) -> None:
    assert_nothing_overflows(leadership_deck)
    assert_nothing_overflows(specialist_deck)


def test_long_content_continues_on_new_slides(
    render_context: ContextFactory, long_case: Path, deck_diagrams: dict[str, Any]
) -> None:
    for audience, expected in (
        ("specialist", ["Appendix: timeline (continued)", "Lessons (continued)"]),
        ("leadership", []),
    ):
        data = render(render_context(long_case, audience), deck_diagrams)
        shown = titles(reopen(data))
        for title in expected:
            assert title in shown, (audience, title)
        assert_nothing_overflows(data)
    # Leadership sees the most pressing actions and how many more (rca.render.context
    # MAX_ACTIONS), on one slide, rather than a table continued over several.
    deck = reopen(render(render_context(long_case, "leadership"), deck_diagrams))
    actions = [s for s in deck.slides if s.shapes.title.text.startswith("Corrective actions")]
    assert len(actions) == 1 and "more actions in the review" in slide_text(actions[0])


def test_a_row_taller_than_a_slide_is_split_across_slides(
    render_context: ContextFactory, long_case: Path, deck_diagrams: dict[str, Any]
) -> None:
    prs = reopen(render(render_context(long_case, "specialist"), deck_diagrams))
    pieces = [s for s in prs.slides if "A very long account of one step." in slide_text(s)]
    assert len(pieces) >= 2


def test_a_long_title_shrinks_wraps_and_is_cut_whole_in_the_notes(
    render_context: ContextFactory, long_case: Path, deck_diagrams: dict[str, Any]
) -> None:
    context = render_context(long_case, "leadership")
    first = reopen(render(context, deck_diagrams)).slides[0]
    assert first.shapes.title.text_frame.text.startswith("A very long review title")
    assert context["meta"]["title"] in notes(first)


def test_bundled_cases_render_without_overflow(
    render_context: ContextFactory, bundled_cases: list[Path], deck_diagrams: dict[str, Any]
) -> None:
    assert bundled_cases
    for path in bundled_cases:
        for audience in ("leadership", "specialist"):
            assert_nothing_overflows(render(render_context(path, audience), deck_diagrams))


def test_a_bare_record_still_makes_complete_decks(render_context: ContextFactory) -> None:
    # No causes, actions, lessons or training: every section says so instead of failing.
    bare = Path(__file__).parent.parent / "data" / "load" / "valid.yaml"
    for audience in ("leadership", "specialist"):
        data = render(render_context(bare, audience), {})
        prs = reopen(data)
        assert all(len(notes(s)) > 20 for s in prs.slides)
        assert_nothing_overflows(data)


def test_text_sizes_stay_readable(leadership_deck: bytes, specialist_deck: bytes) -> None:
    for data in (leadership_deck, specialist_deck):
        for slide in reopen(data).slides:
            for shape in slide.shapes:
                footer = shape.is_placeholder and int(shape.placeholder_format.type) in (13, 15)
                if getattr(shape, "has_table", False) and shape.has_table:
                    sizes = [int(r.get("sz")) for r in shape._element.iter(qn("a:rPr"))]
                    assert min(sizes) >= 1100
                elif shape.has_text_frame and not footer:
                    sizes = [int(r.get("sz")) for r in shape._element.iter(qn("a:rPr"))]
                    assert not sizes or min(sizes) >= 1400, shape.name


def test_without_graphviz_diagrams_the_deck_draws_its_own(leadership: dict[str, Any]) -> None:
    data = render(leadership, {})
    prs = reopen(data)
    assert not [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]
    assert "Causes by category (fishbone)" in titles(prs)
    assert_nothing_overflows(data)


# --------------------------------------------------------------------------- determinism and metadata


def test_the_same_input_gives_the_same_bytes(
    render_context: ContextFactory, leadership_deck: bytes, deck_diagrams: dict[str, Any]
) -> None:
    again = render(render_context(DECK_CASE, "leadership"), deck_diagrams)
    assert again == leadership_deck
    with zipfile.ZipFile(io.BytesIO(again)) as package:
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert package.namelist()[0] == "[Content_Types].xml"


def test_properties_come_from_the_record_not_the_machine(
    leadership: dict[str, Any], leadership_deck: bytes
) -> None:
    core = reopen(leadership_deck).core_properties
    assert core.title == leadership["meta"]["title"]
    assert core.subject == "TST-0420"
    assert core.author == "rca"
    assert core.last_modified_by == ""
    assert core.revision == 1
    as_of = leadership["meta"]["as_of"]
    for stamp in (core.created, core.modified, core.last_printed):
        assert stamp.date().isoformat() == as_of


# --------------------------------------------------------------------------- hostile text


def test_record_text_is_text_never_markup_or_links(
    render_context: ContextFactory, specialist_deck: bytes, deck_diagrams: dict[str, Any]
) -> None:
    prs = reopen(specialist_deck)
    shown = "\n".join(slide_text(s) for s in prs.slides)
    assert "<two days later> & called us" in shown
    assert "https://lookup.example.invalid/q?ip=[IP address]" in shown or "https://lookup" in shown
    with zipfile.ZipFile(io.BytesIO(specialist_deck)) as package:
        for name in package.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                content = package.read(name).decode("utf-8")
                assert "hlinkClick" not in content, name
                assert 'TargetMode="External"' not in content, name


# --------------------------------------------------------------------------- the master


def test_the_shipped_master_is_what_make_master_builds() -> None:
    assert build_master() == default_master().read_bytes(), (
        "templates/decks/default.pptx is stale: run .venv/bin/python -m rca.render.make_master"
    )


def test_the_master_has_every_named_layout() -> None:
    names = [layout.name for layout in Presentation(str(default_master())).slide_layouts]
    assert sorted(names) == sorted(LAYOUTS)


def test_an_organisations_master_is_used_by_layout_name(
    leadership: dict[str, Any], deck_diagrams: dict[str, Any]
) -> None:
    # python-pptx's own 4:3 default names its layouts the PowerPoint way: the fallbacks find them.
    import pptx

    master = Path(pptx.__file__).parent / "templates" / "default.pptx"
    data = render(leadership, deck_diagrams, pptx_master=master)
    prs = reopen(data)
    assert prs.slide_width == Emu(9144000)
    assert {s.slide_layout.name for s in prs.slides} <= {
        "Title Slide",
        "Title and Content",
        "Section Header",
        "Two Content",
        "Title Only",
        "Picture with Caption",
    }
    assert_nothing_overflows(data)


def test_a_master_in_a_template_folder_is_found(
    tmp_path: Path, leadership: dict[str, Any], deck_diagrams: dict[str, Any]
) -> None:
    # `--templates DIR` with DIR/decks/default.pptx: the organisation's master wins.
    import shutil

    import pptx

    (tmp_path / "decks").mkdir()
    shutil.copy(Path(pptx.__file__).parent / "templates" / "default.pptx", tmp_path / "decks")
    data = PptxRenderer().render(RenderInput(leadership, deck_diagrams, (tmp_path,)))
    assert reopen(data).slide_width == Emu(9144000)  # the 4:3 master, not rca's 16:9


def test_a_master_without_the_layouts_is_an_error(
    tmp_path: Path, leadership: dict[str, Any]
) -> None:
    prs = Presentation()
    for layout in list(prs.slide_layouts):
        if layout.name != "Blank":
            prs.slide_layouts.remove(layout)
    path = tmp_path / "bare.pptx"
    prs.save(str(path))
    with pytest.raises(RcaError, match="no layout named 'Title'"):
        render(leadership, {}, pptx_master=path)


def test_validate_does_not_import_python_pptx() -> None:
    code = "import sys, rca.cli, rca.pipeline, rca.render.registry; sys.exit('pptx' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --------------------------------------------------------------------------- goldens


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_deck_outline_golden(
    audience: str, leadership_deck: bytes, specialist_deck: bytes, golden: Golden
) -> None:
    data = leadership_deck if audience == "leadership" else specialist_deck
    golden(f"decks/wrong_account-{audience}.txt", outline(data))
