"""Slide decks: the audience's sections, in the profile's order, on a master with named layouts.

    PptxRenderer().render(RenderInput(context, diagrams))  ->  the .pptx bytes

What each section says lives in `rca.render.deck_sections` (a registry keyed by
the names profiles list); this module is the `DeckBuilder` those sections write
through. The builder measures every text with real font metrics
(`rca.render.textfit`), continues on "... (continued)" slides instead of
overflowing, puts talking points in every slide's notes and alt text on every
picture, and writes byte-identical files for identical input.

Text always enters through python-pptx's run text API (escaped, never parsed);
formatting is written as XML directly, because python-pptx's property setters
cost about a millisecond a paragraph.
"""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE, PP_PLACEHOLDER
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.packuri import PackURI
from pptx.opc.serialized import PackageWriter
from pptx.oxml import oxml_parser, parse_xml
from pptx.oxml.ns import NamespacePrefixedTag, nsdecls, qn
from pptx.oxml.shapes.autoshape import CT_Shape
from pptx.oxml.shapes.connector import CT_Connector
from pptx.oxml.shapes.graphfrm import CT_GraphicalObjectFrame
from pptx.oxml.text import CT_RegularTextRun
from pptx.parts.slide import NotesSlidePart
from pptx.shapes.autoshape import AutoShapeType, Shape
from pptx.shapes.placeholder import (
    ChartPlaceholder,
    NotesSlidePlaceholder,
    PicturePlaceholder,
    PlaceholderGraphicFrame,
    SlidePlaceholder,
    TablePlaceholder,
)
from pptx.shapes.shapetree import SlideShapeFactory
from pptx.text.text import _Paragraph
from pptx.util import Emu

from rca.errors import RcaError
from rca.fs import check_package, read_capped
from rca.render.registry import Diagram, RenderInput
from rca.render.slide_diagrams import INSET as DRAWING_INSET
from rca.render.slide_diagrams import Drawing, Link, Node
from rca.render.textfit import (
    ARIAL,
    Line,
    Span,
    Typeface,
    flow,
    line_height,
    text_width,
    wrap_spans,
    xml_safe,
)
from rca.templating import builtin_template_dir

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
EMU_PER_PT = 12700
DIAGRAM_DPI = 144  # the PNG resolution rca.render.diagrams draws at (its text is legible at 1:1)

# Layout names the renderer looks up; a brand master lacking one of them is
# tried for PowerPoint's own name of a similar layout.
LAYOUTS = ("Title", "Title and Content", "Section", "Two Content", "Picture", "Table")
_FALLBACK = {
    "Title": ("Title Slide",),
    "Section": ("Section Header", "Title Only"),
    "Picture": ("Picture with Caption", "Title Only"),
    "Table": ("Title Only",),
    "Two Content": ("Comparison",),
}

DRAFT_STAMP = "DRAFT · NOT APPROVED"

# Style tags -> theme colour slots (never RGB: a brand master's theme recolours them).
SCHEME = {
    "": "tx1",
    "title": "tx2",
    "muted": "accent3",
    "accent": "accent2",
    "light": "bg1",
    "pale": "accent6",
}
_TITLES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
_FOOTERS = (PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)


@dataclass(frozen=True)
class Style:
    """Sizes in points: body text never below 14 pt, tables never below 11 pt."""

    title: tuple[float, ...] = (28, 26, 24, 22, 20)
    title_slide: tuple[float, ...] = (36, 32, 28, 24)
    subtitle: float = 18
    body: tuple[float, ...] = (18, 16)  # shrink once before continuing on a new slide
    table: tuple[float, ...] = (12, 11)
    footer: float = 10
    tile_value: tuple[float, ...] = (28, 24, 20)
    tile_label: float = 14
    bullet_indent: float = 20  # hanging indent of a bulleted paragraph
    inset_x: float = 7.2  # text frame insets (0.1 in and 0.05 in, PowerPoint's defaults)
    inset_y: float = 3.6
    tile_pad: float = 6  # extra inset inside a tile
    cell_x: float = 5.76  # table cell margins (0.08 in and 0.05 in)
    cell_y: float = 3.6
    fit: float = 0.97  # wrap to 97 % of a box: room for rounding in the viewers
    min_picture_scale: float = 0.45  # below this an optional diagram's text is illegible


STYLE = Style()


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Para:
    """A paragraph: styled spans, an optional one-character bullet, its size and spacing."""

    spans: tuple[Span, ...]
    bullet: str | None = None
    size: float | None = None  # None: the slide's body size
    space_before: float = 6.0
    hanging: bool = False  # indented like a bulleted paragraph, without the bullet
    align: str = "l"


def para(
    text: str,
    *,
    bold: bool = False,
    tag: str = "",
    bullet: str | None = None,
    size: float | None = None,
    space_before: float = 6.0,
) -> Para:
    """A paragraph in one style."""
    return Para((Span(text, bold, tag),), bullet, size, space_before)


def lead(
    label: str, text: str, *, bullet: str | None = None, tag: str = "", space_before: float = 6.0
) -> Para:
    """A paragraph with a bold lead-in: "Label: text"."""
    return Para(
        (Span(label + " ", True, "title"), Span(text, False, tag)), bullet, None, space_before
    )


@dataclass(frozen=True)
class Block:
    """Paragraphs kept on one slide when they fit there; `note` joins that slide's notes."""

    paras: tuple[Para, ...]
    note: str | None = None


def block(*paras: Para, note: str | None = None) -> Block:
    """A block of paragraphs."""
    return Block(tuple(paras), note)


@dataclass(frozen=True)
class Column:
    """A table column: header and relative width."""

    header: str
    weight: float


@dataclass(frozen=True)
class Row:
    """A table row: a tuple of paragraphs per cell; `note` joins the notes of its slide."""

    cells: tuple[tuple[Para, ...], ...]
    note: str | None = None


def cell(*texts: str | Span | Para) -> tuple[Para, ...]:
    """A table cell from strings (plain), spans (styled) or paragraphs, one paragraph each."""
    out: list[Para] = []
    for t in texts:
        if isinstance(t, Para):
            out.append(t)
        elif isinstance(t, Span):
            out.append(Para((t,), space_before=0))
        else:
            out.append(Para((Span(t),), space_before=0))
    return tuple(out)


def header_row(columns: Sequence[Column]) -> Row:
    """A table's header row: the column headers, bold on the header fill."""
    return Row(tuple(cell(Span(c.header, True, "light")) for c in columns))


TABLE_GAP = 10.0  # points between two tables stacked on one slide


@dataclass(frozen=True)
class TablePart:
    """One table on a slide that may hold several: its caption (None: no caption), rows and size."""

    caption: str | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    size: float


@dataclass(frozen=True)
class Tile:
    """A headline figure: a short value over its label."""

    value: str
    label: str
    tag: str = "title"  # "accent" flags a breach or a risk


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Box:
    """A rectangle in EMU."""

    x: int
    y: int
    w: int
    h: int

    @property
    def w_pt(self) -> float:
        return self.w / EMU_PER_PT

    @property
    def h_pt(self) -> float:
        return self.h / EMU_PER_PT


def _emus(box: Box) -> tuple[Emu, Emu, Emu, Emu]:
    return Emu(box.x), Emu(box.y), Emu(box.w), Emu(box.h)


def _box(shape: Any) -> Box:
    return Box(int(shape.left), int(shape.top), int(shape.width), int(shape.height))


def _emu(points: float) -> int:
    return round(points * EMU_PER_PT)


@dataclass(frozen=True)
class _Measured:
    para: Para
    lines: tuple[Line, ...]
    size: float
    # Read many times while a table or a text is paginated: worked out once.
    height: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        height = self.para.space_before + len(self.lines) * line_height(self.size)
        object.__setattr__(self, "height", height)


_Cells = list[list[_Measured]]


@dataclass(frozen=True)
class _LayoutInfo:
    """What the builder needs of a layout, read once per layout."""

    layout: Any
    areas: dict[int, Box]  # placeholder idx -> box
    title: Box | None
    footers: tuple[tuple[PP_PLACEHOLDER, int, Box, str], ...]  # (type, idx, box, sz)
    key: bytes = b""  # the digest of the layout's and its master's XML


# --------------------------------------------------------------------------- builder


@dataclass
class DeckBuilder:
    """Adds measured, paginated slides to a presentation opened on a master."""

    prs: Any
    context: dict[str, Any]
    diagrams: dict[str, Diagram]
    style: Style = STYLE
    face: Typeface = ARIAL
    state: dict[str, Any] = field(default_factory=dict)  # sections' shared flags (e.g. appendix)
    # Appendix tables wait here until the presented slides are made (rca.render.deck_appendix).
    appendix: list[Any] = field(default_factory=list)
    _layouts: dict[str, _LayoutInfo] = field(default_factory=dict)
    _rows: dict[tuple[Any, ...], _Cells] = field(default_factory=dict)  # measured table rows
    _rows_seen: dict[tuple[Any, ...], tuple[Row, Style, _Cells]] = field(default_factory=dict)
    # A new notes page as python-pptx makes it (and its placeholder's index), to copy,
    # and the number of the last one made (see `_notes_frame`).
    _notes: tuple[Any, int | None] | None = None
    _notes_number: int = 0
    # Footer placeholders as the first slide got them, to copy: the same text and
    # size on every slide but for the id and the slide number.
    _footers: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ public API

    def title_slide(self, title: str, subtitle: Sequence[str], notes: str) -> None:
        """The opening slide."""
        info = self._layout("Title")
        slide = self._slide(info)
        self._fill_title(slide, info, title, self.style.title_slide, max_lines=4)
        self._fill_subtitle(slide, info, subtitle)
        self._finish(slide, info, notes)

    def section_slide(self, title: str, subtitle: Sequence[str], notes: str) -> None:
        """A divider slide (e.g. "Appendix")."""
        info = self._layout("Section")
        slide = self._slide(info)
        self._fill_title(slide, info, title, self.style.title_slide, max_lines=2)
        self._fill_subtitle(slide, info, subtitle)
        self._finish(slide, info, notes)

    def text_slides(
        self, title: str, blocks: Sequence[Block], notes: str, *, tiles: Sequence[Tile] = ()
    ) -> None:
        """Blocks of paragraphs (after a row of tiles), continued on further slides when needed."""
        info = self._layout("Title and Content")
        area = self._area(info, 1)
        first = area
        tile_box: Box | None = None
        if tiles:
            tile_box = Box(area.x, area.y, area.w, self._tiles_height(tiles, area))
            gap = _emu(14)
            first = Box(area.x, area.y + tile_box.h + gap, area.w, area.h - tile_box.h - gap)
        size, pages = self._paginate_text(blocks, area, first)
        for n, page in enumerate(pages):
            slide = self._slide(info)
            self._fill_title(slide, info, _page_title(title, n), self.style.title, max_lines=2)
            if n == 0 and tile_box is not None:
                self._add_tiles(slide, tiles, tile_box)
            self._write_body(slide, 1, first if n == 0 else area, page, size)
            self._finish(slide, info, _notes(notes, n, [b.note for b in page]))

    def two_column_slides(
        self,
        title: str,
        left: tuple[str, Sequence[Block]],
        right: tuple[str, Sequence[Block]],
        notes: str,
    ) -> None:
        """Two headed columns side by side; each continues on further slides if needed."""
        info = self._layout("Two Content")
        areas = (self._area(info, 1), self._area(info, 2))
        columns = []
        for (heading, blocks), area in zip((left, right), areas, strict=True):
            head = block(para(heading, bold=True, tag="title", space_before=0))
            columns.append(self._paginate_text([head, *blocks], area, area))
        for n in range(max(len(pages) for _, pages in columns)):
            slide = self._slide(info)
            self._fill_title(slide, info, _page_title(title, n), self.style.title, max_lines=2)
            notes_here: list[str | None] = []
            for idx, ((size, pages), area) in enumerate(zip(columns, areas, strict=True), start=1):
                if n < len(pages):
                    self._write_body(slide, idx, area, pages[n], size)
                    notes_here += [b.note for b in pages[n]]
            self._finish(slide, info, _notes(notes, n, notes_here))

    def table_slides(
        self,
        title: str,
        columns: Sequence[Column],
        rows: Sequence[Row],
        notes: str,
        *,
        intro: Para | None = None,
    ) -> None:
        """A table with its header repeated on every slide, paginated by measured row heights."""
        info = self._layout("Table")
        area = self._area(info, 1)
        widths = _split_width(area.w, [c.weight for c in columns])
        intro_m = self._measure_para(intro, area.w_pt, self.style.body[-1]) if intro else None
        intro_h = _emu(intro_m.height + 2 * self.style.inset_y + 6) if intro_m else 0
        header = header_row(columns)

        def layout(size: float) -> tuple[_Cells, list[list[Row]]]:
            head = self._measure_row(header, widths, size)
            head_h = _row_height(head, size, self.style)
            pages = self._paginate_rows(
                rows,
                widths,
                size,
                room_first=(area.h - intro_h) / EMU_PER_PT - head_h,
                room_rest=area.h_pt - head_h,
            )
            return head, pages

        # The smaller size only when it saves a slide; the larger one on a tie.
        size = self.style.table[0]
        head, pages = layout(size)
        for smaller in self.style.table[1:]:
            trial = layout(smaller)
            if len(trial[1]) < len(pages):
                size, (head, pages) = smaller, trial
        for n, page in enumerate(pages):
            slide = self._slide(info)
            self._fill_title(slide, info, _page_title(title, n), self.style.title, max_lines=2)
            box = area
            if n == 0 and intro_m is not None:
                intro_box = Box(area.x, area.y, area.w, intro_h)
                shape = slide.shapes.add_textbox(*_emus(intro_box))
                _set_name(shape, "Introduction")
                self._write_frame(shape.text_frame, [intro_m])
                box = Box(area.x, area.y + intro_h, area.w, area.h - intro_h)
            self._add_table(slide, box, widths, head, page, size)
            self._finish(slide, info, _notes(notes, n, [r.note for r in page]))

    def appendix_table(self, table: Any) -> None:
        """Queue an appendix table: it is laid out after the presented slides, within the budget."""
        self.appendix.append(table)

    def table_room(self) -> float:
        """Height in points of the area a table may fill."""
        return self._area(self._layout("Table"), 1).h_pt

    def table_row_height(self, columns: Sequence[Column], row: Row, size: float) -> float:
        """Height in points of one row (the header row too) as the table would draw it."""
        widths = _split_width(self._area(self._layout("Table"), 1).w, [c.weight for c in columns])
        return _row_height(self._measure_row(row, widths, size), size, self.style)

    def table_pages(
        self, columns: Sequence[Column], rows: Sequence[Row], size: float
    ) -> list[list[Row]]:
        """The rows poured into table slides, the header repeated on each (no intro)."""
        area = self._area(self._layout("Table"), 1)
        widths = _split_width(area.w, [c.weight for c in columns])
        room = area.h_pt - self.table_row_height(columns, header_row(columns), size)
        return self._paginate_rows(rows, widths, size, room_first=room, room_rest=room)

    def caption_height(self) -> float:
        """Height in points of a table's caption on a slide that holds several tables."""
        size = self.style.body[-1]
        return line_height(size) + 2 * self.style.inset_y

    def tables_slide(self, title: str, parts: Sequence[TablePart], notes: str) -> None:
        """One slide of tables stacked down the area, each under its caption when it has one."""
        info = self._layout("Table")
        area = self._area(info, 1)
        slide = self._slide(info)
        self._fill_title(slide, info, title, self.style.title, max_lines=2)
        y = area.y
        for i, part in enumerate(parts):
            if part.caption:
                size = self.style.body[-1]
                m = self._measure_para(
                    Para((Span(part.caption, True, "title"),), space_before=0), area.w_pt, size
                )
                shape = slide.shapes.add_textbox(
                    *_emus(Box(area.x, y, area.w, _emu(self.caption_height())))
                )
                _set_name(shape, f"Caption {i + 1}")
                self._write_frame(shape.text_frame, [m])
                y += _emu(self.caption_height())
            widths = _split_width(area.w, [c.weight for c in part.columns])
            head = self._measure_row(header_row(part.columns), widths, part.size)
            box = Box(area.x, y, area.w, area.y + area.h - y)
            y += self._add_table(slide, box, widths, head, part.rows, part.size, use_holder=i == 0)
            y += _emu(TABLE_GAP)
        self._finish(slide, info, notes)

    def picture_slide(self, title: str, diagram: Diagram, notes: str) -> None:
        """A diagram scaled to fit the picture area, aspect ratio kept, with its alt text."""
        info = self._layout("Picture")
        area = self._area(info, 1)
        slide = self._slide(info)
        self._fill_title(slide, info, title, self.style.title, max_lines=2)
        scale = min(area.w / max(diagram.width_px, 1), area.h / max(diagram.height_px, 1))
        w, h = int(diagram.width_px * scale), int(diagram.height_px * scale)
        x, y = area.x + (area.w - w) // 2, area.y + (area.h - h) // 2
        _remove_placeholder(slide, 1)
        picture = slide.shapes.add_picture(io.BytesIO(diagram.png), Emu(x), Emu(y), Emu(w), Emu(h))
        picture.name = xml_safe(diagram.title)[:120] or diagram.name
        picture._element.nvPicPr.cNvPr.set("descr", xml_safe(diagram.alt))
        self._finish(slide, info, notes)

    def drawing_area(self, caption: Sequence[Span] = ()) -> tuple[float, float]:
        """Width and height in points a slide diagram may use, room left for its caption."""
        area = self._area(self._layout("Picture"), 1)
        return area.w_pt, area.h_pt - self._caption_height(caption, area)

    def _caption_height(self, caption: Sequence[Span], area: Box) -> float:
        if not caption:
            return 0.0
        m = self._measure_para(Para(tuple(caption), size=14, space_before=0), area.w_pt, 14)
        return m.height + 2 * self.style.inset_y + 4

    def drawing_slide(
        self, title: str, drawing: Drawing, notes: str, caption: Sequence[Span] = ()
    ) -> None:
        """A diagram drawn as native shapes (text stays text), grouped, with alt text and a caption."""
        info = self._layout("Picture")
        area = self._area(info, 1)
        slide = self._slide(info)
        self._fill_title(slide, info, title, self.style.title, max_lines=2)
        _remove_placeholder(slide, 1)
        group = slide.shapes.add_group_shape()
        _set_name(group, xml_safe(title)[:120])
        group._element.nvGrpSpPr.cNvPr.set("descr", xml_safe(drawing.alt))
        ox, oy = area.x, area.y
        # The shapes go straight into the group, made from templates: python-pptx
        # would add each to the slide (searching the whole slide for the next id,
        # wrapping it in a proxy) and recalculate the group's extents each time.
        # Their ids are the next ones python-pptx's search would give, in order.
        ids = itertools.count(slide.shapes._spTree.max_shape_id + 1)
        made = [_link(group._element, link, ox, oy, ids) for link in drawing.links]
        made += [self._node(slide, group._element, node, ox, oy, ids) for node in drawing.nodes]
        _fit_group(group._element, made)
        if caption:
            h = _emu(self._caption_height(caption, area))
            box = Box(area.x, area.y + area.h - h, area.w, h)
            shape = slide.shapes.add_textbox(*_emus(box))
            _set_name(shape, "Caption")
            m = self._measure_para(Para(tuple(caption), size=14, space_before=0), box.w_pt, 14)
            self._write_frame(shape.text_frame, [m], anchor="b")
        self._finish(slide, info, notes)

    def _node(
        self, slide: Any, group: Any, node: Node, ox: int, oy: int, ids: Iterator[int]
    ) -> Any:
        """A node of a slide diagram, added to `group`: what `add_shape` makes, restyled."""
        sp = _placed(
            _shape_template(_SHAPES[node.shape]),
            next(ids),
            xml_safe(node.name)[:120],
            ox + _emu(node.x),
            oy + _emu(node.y),
            _emu(node.w),
            _emu(node.h),
        )
        group.append(sp)
        sp_pr = sp.spPr
        if node.shape == "round":
            geom = sp_pr.find(qn("a:prstGeom"))
            av = geom.find(qn("a:avLst"))
            if av is None:
                av = _sub(geom, "a:avLst")
            _sub(av, "a:gd", name="adj", fmla="val 8000")
        _fill(sp_pr, node.fill)
        line = _sub(sp_pr, "a:ln", w=str(_emu(2.25 if node.bold_line else 1.0)))
        _fill(line, node.line)
        if node.dashed:
            _sub(line, "a:prstDash", val="dash")
        if not node.texts:
            return sp
        measured = [
            self._measure_para(
                Para(t.spans, size=t.size, space_before=0, align=t.align),
                node.w,
                t.size,
                inset_x=DRAWING_INSET,
            )
            for t in node.texts
        ]
        frame = Shape(sp, slide.shapes).text_frame
        self._write_frame(frame, measured, anchor=node.anchor, inset_x=DRAWING_INSET)
        return sp

    def has_diagram(self, name: str) -> bool:
        """Whether the diagram was supplied."""
        diagram = self.diagrams.get(name)
        return diagram is not None and bool(diagram.png)

    def legible(self, name: str) -> bool:
        """Whether the diagram, fitted to the picture area, keeps its text readable."""
        if not self.has_diagram(name):
            return False
        diagram = self.diagrams[name]
        area = self._area(self._layout("Picture"), 1)
        native_w = diagram.width_px / DIAGRAM_DPI * 72 * EMU_PER_PT
        native_h = diagram.height_px / DIAGRAM_DPI * 72 * EMU_PER_PT
        return min(area.w / native_w, area.h / native_h) >= self.style.min_picture_scale

    # ------------------------------------------------------------------ layouts and slides

    def _layout(self, name: str) -> _LayoutInfo:
        if name not in self._layouts:
            layout = get_layout(self.prs, name)
            key = _layout_key(layout)
            self._layouts[name] = _LayoutInfo(layout, *_layout_boxes(layout, key), key=key)
        return self._layouts[name]

    def _area(self, info: _LayoutInfo, idx: int) -> Box:
        if idx in info.areas:
            return info.areas[idx]
        # A layout without this content placeholder: below the title, above the footer.
        width, height = int(self.prs.slide_width), int(self.prs.slide_height)
        title = info.title or Box(width // 20, width // 20, width - width // 10, _emu(72))
        top = title.y + title.h + _emu(12)
        box = Box(title.x, top, title.w, height - _emu(48) - top)
        if idx == 2:  # the right half of a two-column page
            half = (box.w - _emu(24)) // 2
            return Box(box.x + box.w - half, box.y, half, box.h)
        if idx == 1 and "Two" in str(info.layout.name):
            return Box(box.x, box.y, (box.w - _emu(24)) // 2, box.h)
        return box

    def _slide(self, info: _LayoutInfo) -> Any:
        clones = _CLONES.get(info.key)
        if clones is None:
            slide = self.prs.slides.add_slide(info.layout)
            tree = slide.shapes._spTree
            if len(_CLONES) >= 64:  # a process that sees many masters keeps few
                _CLONES.clear()
            _CLONES[info.key] = tuple(copy.deepcopy(sp) for sp in tree.iterchildren(qn("p:sp")))
            return slide
        # What `slides.add_slide` does, with the placeholders copied instead of cloned.
        rid, slide = self.prs.part.add_slide(info.layout)
        tree = slide.shapes._spTree
        for sp in clones:
            tree.append(copy.deepcopy(sp))
        _add_slide_id(self.prs.slides._sldIdLst, rid)
        return slide

    def _notes_frame(self, slide: Any) -> Any:
        """The text frame of a new notes page for `slide` (python-pptx's `notes_slide`, copied)."""
        if self._notes is None:
            master = self.prs.part.notes_master_part  # python-pptx makes one if the deck has none
            key = hashlib.sha256(etree.tostring(master._element)).digest()
            made = _NOTES.get(key)
            if made is None:
                notes = slide.notes_slide
                holder = notes.notes_placeholder
                tree = notes.shapes._spTree
                at = None if holder is None else list(tree).index(holder._element)
                if len(_NOTES) >= 64:  # a process that sees many masters keeps few
                    _NOTES.clear()
                self._notes = _NOTES[key] = (copy.deepcopy(notes.part._element), at)
                self._notes_number = notes.part.partname.idx
                return notes.notes_text_frame
            self._notes = made
            self._notes_number = self.prs.part.package.next_partname(_NOTES_PAGE).idx - 1
        # The name python-pptx would give it: the next number (no page is ever removed).
        self._notes_number += 1
        template, at = self._notes
        partname = PackURI(_NOTES_PAGE % self._notes_number)
        slide_part = slide.part
        part = NotesSlidePart(
            partname, CT.PML_NOTES_SLIDE, slide_part.package, copy.deepcopy(template)
        )
        part.relate_to(self.prs.part.notes_master_part, RT.NOTES_MASTER)
        part.relate_to(slide_part, RT.SLIDE)
        slide_part.relate_to(part, RT.NOTES_SLIDE)
        if at is None:
            return None
        shapes = part.notes_slide.shapes
        return NotesSlidePlaceholder(shapes._spTree[at], shapes).text_frame

    def _finish(self, slide: Any, info: _LayoutInfo, notes: str) -> None:
        self._footer(slide, info)
        if self.context["meta"].get("draft"):  # a trends deck has no review to mark
            self._draft_stamp(slide)
        tree = slide.shapes._spTree
        for sp in tree.findall(qn("p:sp")):
            ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
            if (
                ph is not None
                and ph.get("type") not in ("ftr", "sldNum")
                and not sp.findall(".//" + qn("a:t"))
            ):
                tree.remove(sp)  # an empty placeholder shows "Click to add text" when edited
        frame = self._notes_frame(slide)
        assert frame is not None
        # What `frame.text = ...` makes of each line (xml_safe leaves no vertical tab
        # for python-pptx to turn into a line break), one paragraph a line.
        body = frame._txBody
        for p in body.findall(_PARA):
            body.remove(p)
        for line in notes.strip().split("\n"):
            p = _sub(body, "a:p")
            text = xml_safe(line)
            if text:
                _sub(_sub(p, "a:r"), "a:t").text = CT_RegularTextRun._escape_ctrl_chars(text)

    def _draft_stamp(self, slide: Any) -> None:
        """'DRAFT, not approved' in the top-right corner, above the title: on every slide."""
        width = int(self.prs.slide_width)
        margin, w, h = width // 22, _emu(180), _emu(18)  # in the master's 0.3 in above titles
        shape = slide.shapes.add_textbox(width - margin - w, _emu(2), w, h)
        shape.name = "Draft marking"
        shape.line.color.theme_color = MSO_THEME_COLOR.ACCENT_2  # the theme's, as every colour
        shape.line.width = Emu(_emu(1))
        frame = shape.text_frame
        _frame_setup(frame, self.style, "ctr")
        for inset in ("tIns", "bIns"):  # 18 pt holds one 11 pt line without them
            frame._txBody.bodyPr.set(inset, "0")
        p = frame.paragraphs[0]
        _para_format(p, self.style, self.style.footer + 1, 0, None, False, "ctr")
        _run(p, Span(DRAFT_STAMP, True, "accent"), self.style.footer + 1, self.face, tag="accent")

    def _footer(self, slide: Any, info: _LayoutInfo) -> None:
        meta = self.context["meta"]
        texts = {
            PP_PLACEHOLDER.FOOTER: f"{meta['classification']} · {meta['case_id']}",
            PP_PLACEHOLDER.SLIDE_NUMBER: str(len(self.prs.slides)),
        }
        found = {kind: (idx, box, sz) for kind, idx, box, sz in info.footers}
        tree = slide.shapes._spTree
        for kind, text in texts.items():
            number = kind == PP_PLACEHOLDER.SLIDE_NUMBER
            key = (kind, found.get(kind), self.style, self.face, None if number else text)
            made = self._footers.get(key)
            if made is not None:
                sp = copy.deepcopy(made)
                sp.find(_CNVPR).set("id", str(_next_id(tree)))
                if number:
                    sp.find(_FIELD_TEXT).text = text
                tree.append(sp)
                continue
            if kind in found:
                idx, box, sz = found[kind]
                ph_type = "ftr" if kind == PP_PLACEHOLDER.FOOTER else "sldNum"
                sp = parse_xml(
                    f'<p:sp {nsdecls("a", "p")}><p:nvSpPr><p:cNvPr id="{_next_id(tree)}" '
                    f'name="{"Footer" if ph_type == "ftr" else "Slide Number"}"/><p:cNvSpPr>'
                    f'<a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="{ph_type}" '
                    f'sz="{sz}" idx="{idx}"/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>'
                    "<a:lstStyle/><a:p/></p:txBody></p:sp>"
                )
                tree.append(sp)
                shape: Any = SlideShapeFactory(sp, slide.shapes)
                tag: str | None = None  # the layout's footer style decides the colour
            else:  # a brand master without footer placeholders still carries the marking
                width, height = int(self.prs.slide_width), int(self.prs.slide_height)
                margin, h = width // 20, _emu(20)
                box = (
                    Box(margin, height - h - _emu(6), width - 2 * margin - _emu(60), h)
                    if kind == PP_PLACEHOLDER.FOOTER
                    else Box(width - margin - _emu(60), height - h - _emu(6), _emu(60), h)
                )
                shape = slide.shapes.add_textbox(*_emus(box))
                shape.name = "Footer" if kind == PP_PLACEHOLDER.FOOTER else "Slide Number"
                tag = "muted"
            frame = shape.text_frame
            _frame_setup(frame, self.style, "ctr")
            align = "l" if kind == PP_PLACEHOLDER.FOOTER else "r"
            p = frame.paragraphs[0]
            _para_format(p, self.style, self.style.footer, 0, None, False, align)
            if kind == PP_PLACEHOLDER.SLIDE_NUMBER:
                _slide_number_field(p, text, self.style.footer, self.face, tag)
                if kind in found:
                    self._footers[key] = copy.deepcopy(shape._element)
                continue
            width_pt = (box.w_pt - 2 * self.style.inset_x) * self.style.fit
            line = _truncate(
                wrap_spans([Span(text)], width_pt, self.style.footer, self.face),
                1,
                width_pt,
                self.style.footer,
                self.face,
            )[0]
            for span in line:
                _run(p, span, self.style.footer, self.face, tag=tag)
            if kind in found:
                self._footers[key] = copy.deepcopy(shape._element)

    # ------------------------------------------------------------------ titles

    def _fill_title(
        self, slide: Any, info: _LayoutInfo, title: str, sizes: Sequence[float], *, max_lines: int
    ) -> None:
        shape = _placeholder(slide, 0)
        if shape is None or info.title is None:
            return
        box = info.title  # the slide's title inherits its place from the layout
        spans = (Span(xml_safe(title), True, ""),)
        width = (box.w_pt - 2 * self.style.inset_x) * self.style.fit
        room = box.h_pt - 2 * self.style.inset_y
        for size in sizes:
            lines = wrap_spans(spans, width, size, self.face)
            if len(lines) <= max_lines and len(lines) * line_height(size) <= room:
                break
        else:  # too long at the smallest size: cut, ending in an ellipsis (the notes hold it whole)
            size = sizes[-1]
            keep = max(1, min(max_lines, int(room // line_height(size))))
            lines = _truncate(
                wrap_spans(spans, width, size, self.face), keep, width, size, self.face
            )
        measured = _Measured(Para(_join(lines), space_before=0), tuple(lines), size)
        self._write_frame(shape.text_frame, [measured], anchor=None, inherit_color=True)

    def _fill_subtitle(self, slide: Any, info: _LayoutInfo, lines: Sequence[str]) -> None:
        shape = _placeholder(slide, 1)
        if shape is None or not lines or 1 not in info.areas:
            return
        box = info.areas[1]
        room = box.h_pt - 2 * self.style.inset_y
        measured: list[_Measured] = []
        for text in lines:
            m = self._measure_para(
                Para((Span(text),), space_before=4), box.w_pt, self.style.subtitle
            )
            if sum(x.height for x in measured) + m.height > room:
                break
            measured.append(m)
        self._write_frame(shape.text_frame, measured, anchor=None, inherit_color=True)

    # ------------------------------------------------------------------ text

    def _measure_para(
        self, p: Para, box_w_pt: float, size: float, *, inset_x: float | None = None
    ) -> _Measured:
        size = p.size or size
        indent = self.style.bullet_indent if (p.bullet or p.hanging) else 0.0
        inset = self.style.inset_x if inset_x is None else inset_x
        width = (box_w_pt - 2 * inset - indent) * self.style.fit
        return _Measured(p, tuple(wrap_spans(p.spans, width, size, self.face)), size)

    def _paginate_text(
        self, blocks: Sequence[Block], area: Box, first: Box
    ) -> tuple[float, list[list[Block]]]:
        """The body size and the pages: the size giving the fewest slides, the larger on a tie.

        Shrinking once keeps a slide's text whole, or saves a continuation slide
        that would hold a line or two.
        """
        best: tuple[float, list[list[Block]]] | None = None
        for size in self.style.body:
            pages = self._pages(blocks, area, first, size)
            if best is None or len(pages) < len(best[1]):
                best = (size, pages)
        assert best is not None
        return best

    def _pages(
        self, blocks: Sequence[Block], area: Box, first: Box, size: float
    ) -> list[list[Block]]:
        def measure(b: Block) -> list[_Measured]:
            return [self._measure_para(p, area.w_pt, size) for p in b.paras]

        try:
            return flow(
                blocks,
                lambda b: sum(m.height for m in measure(b)),
                lambda b, room: _split_block(b, measure(b), room),
                room_first=first.h_pt - 2 * self.style.inset_y,
                room_rest=area.h_pt - 2 * self.style.inset_y,
            )
        except ValueError:
            raise RcaError(
                "deck: one line of text is taller than the content area of the master"
            ) from None

    def _write_body(
        self, slide: Any, idx: int, box: Box, page: Sequence[Block], size: float
    ) -> None:
        shape = _placeholder(slide, idx)
        if shape is None:
            shape = slide.shapes.add_textbox(*_emus(box))
            _set_name(shape, f"Content {idx}")
        else:
            shape.left, shape.top, shape.width, shape.height = box.x, box.y, box.w, box.h
        measured = [self._measure_para(p, box.w_pt, size) for b in page for p in b.paras]
        self._write_frame(shape.text_frame, measured)

    def _write_frame(
        self,
        frame: Any,
        measured: Sequence[_Measured],
        *,
        anchor: str | None = "t",
        inherit_color: bool = False,
        inset_x: float | None = None,
    ) -> None:
        _frame_setup(frame, self.style, anchor, inset_x)
        body = frame._txBody
        for i, m in enumerate(measured):
            para = m.para
            if i == 0:  # the frame's own first paragraph (it may carry the layout's pPr)
                p = frame.paragraphs[0]
                _para_format(
                    p, self.style, m.size, para.space_before, para.bullet, para.hanging, para.align
                )
                for span in para.spans:
                    _run(
                        p,
                        span,
                        m.size,
                        self.face,
                        tag=None if inherit_color and not span.tag else span.tag,
                    )
                continue
            # What `frame.add_paragraph()` and `_para_format` make, from a template.
            new = _paragraph(
                self.style.bullet_indent,
                m.size,
                para.space_before,
                para.bullet,
                para.hanging,
                para.align,
            )
            for span in para.spans:
                if span.text:
                    tag = None if inherit_color and not span.tag else span.tag
                    new.append(_run_element(span, m.size, self.face, tag))
            body.append(new)

    # ------------------------------------------------------------------ tiles

    def _tile_inset(self) -> float:
        return self.style.inset_x + self.style.tile_pad

    def _tile_width(self, count: int, area: Box) -> int:
        return (area.w - _emu(12) * (count - 1)) // count

    def _tile_text(self, tile: Tile, w: int) -> tuple[_Measured, _Measured]:
        box_w, inset = w / EMU_PER_PT, self._tile_inset()
        for size in self.style.tile_value:
            value = self._measure_para(
                Para((Span(tile.value, True, tile.tag),), space_before=0),
                box_w,
                size,
                inset_x=inset,
            )
            if len(value.lines) == 1:
                break
        label = self._measure_para(
            Para((Span(tile.label, False, "muted"),), space_before=2),
            box_w,
            self.style.tile_label,
            inset_x=inset,
        )
        return value, label

    def _tiles_height(self, tiles: Sequence[Tile], area: Box) -> int:
        w = self._tile_width(len(tiles), area)
        heights = [sum(m.height for m in self._tile_text(t, w)) for t in tiles]
        return _emu(max(heights) + 2 * self.style.inset_y + 2 * self.style.tile_pad)

    def _add_tiles(self, slide: Any, tiles: Sequence[Tile], box: Box) -> None:
        w = self._tile_width(len(tiles), box)
        for i, tile in enumerate(tiles):
            x = box.x + i * (w + _emu(12))
            shape = _rectangle(slide, Box(x, box.y, w, box.h), "bg2", f"Tile {i + 1}")
            self._write_frame(
                shape.text_frame,
                list(self._tile_text(tile, w)),
                anchor="ctr",
                inset_x=self._tile_inset(),
            )
            if tile.tag == "accent":  # a stripe on the left edge flags a risk
                _rectangle(slide, Box(x, box.y, _emu(4), box.h), "accent2", f"Tile {i + 1} flag")

    # ------------------------------------------------------------------ tables

    def _measure_row(self, row: Row, widths: Sequence[int], size: float) -> _Cells:
        # Tables are measured at each size tried and again when drawn; the appendix's
        # budget (rca.render.deck_appendix) tries several layouts of the same rows.
        # A row object seen before is found by identity first (hashing a row hashes
        # every span in it); its entry holds the row and the style, so their ids stay theirs.
        style, widths = self.style, tuple(widths)
        ident = (id(row), widths, size, id(style))
        seen = self._rows_seen.get(ident)
        if seen is not None and seen[0] is row and seen[1] is style:
            return seen[2]
        key = (row, widths, size, style)
        out = self._rows.get(key)
        if out is None:
            out = [
                [
                    _Measured(
                        p,
                        tuple(wrap_spans(p.spans, inner, p.size or size, self.face)),
                        p.size or size,
                    )
                    for p in paras
                ]
                for paras, inner in zip(
                    row.cells,
                    [(w / EMU_PER_PT - 2 * style.cell_x) * style.fit for w in widths],
                    strict=True,
                )
            ]
            self._rows[key] = out
        self._rows_seen[ident] = (row, style, out)
        return out

    def _paginate_rows(
        self,
        rows: Sequence[Row],
        widths: Sequence[int],
        size: float,
        *,
        room_first: float,
        room_rest: float,
    ) -> list[list[Row]]:
        def height(row: Row) -> float:
            return _row_height(self._measure_row(row, widths, size), size, self.style)

        try:
            return flow(
                rows,
                height,
                lambda row, room: _split_row(
                    row, self._measure_row(row, widths, size), room, size, self.style
                ),
                room_first=room_first,
                room_rest=room_rest,
            )
        except ValueError:
            raise RcaError(
                "deck: one table line is taller than the content area of the master"
            ) from None

    def _add_table(
        self,
        slide: Any,
        box: Box,
        widths: Sequence[int],
        head: _Cells,
        page: Sequence[Row],
        size: float,
        *,
        use_holder: bool = True,
    ) -> int:
        holder = _placeholder(slide, 1) if use_holder else None
        n_cols = len(widths)
        frame: Any
        if holder is not None and hasattr(holder, "insert_table"):
            # `holder.insert_table`, placed at `box` at once: python-pptx would first
            # look the placeholder's position up through the layout, only to be moved.
            element = CT_GraphicalObjectFrame.new_table_graphicFrame(
                holder.shape_id, holder.name, 1, n_cols, box.x, box.y, box.w, 370840
            )
            holder._replace_placeholder_with(element)
            frame = PlaceholderGraphicFrame(element, slide.shapes)
        else:
            if holder is not None:
                _remove_placeholder(slide, 1)
            frame = slide.shapes.add_table(1, n_cols, *_emus(box))
        _set_name(frame, "Table")
        table = frame.table
        table.first_row = True
        table.horz_banding = False
        # What setting each `table.columns[i].width` does (each also sets the frame's
        # width to the sum of the columns', which ends as the sum of `widths`).
        for col, w in zip(table._tbl.tblGrid.findall(_GRID_COL), widths, strict=True):
            col.set("w", str(w))
        frame.width = sum(widths)
        # The rows are built here, not through python-pptx's cell API (its xmlchemy
        # lookups cost a tenth of a millisecond a cell): the same elements, copied
        # from templates made once.
        tbl = table._tbl
        for tr in tbl.findall(_TR):
            tbl.remove(tr)
        total = 0
        for r, cells in enumerate([head, *(self._measure_row(row, widths, size) for row in page)]):
            height = _emu(_row_height(cells, size, self.style))
            total += height
            fill = "accent1" if r == 0 else ("bg2" if r % 2 == 0 else "bg1")
            tr = _sub(tbl, "a:tr", h=str(height))
            for measured in cells:
                tr.append(self._cell(measured, size, fill))
        frame.height = total
        return total

    def _cell(self, measured: Sequence[_Measured], size: float, fill: str) -> Any:
        """One `a:tc`, as python-pptx's new cell with our margins, fill and paragraphs."""
        style = self.style
        tc = copy.deepcopy(_cell_template(_emu(style.cell_x), _emu(style.cell_y), fill))
        body = tc[0]
        if not measured:  # a cell with nothing left after a split: still an exact line pitch
            body.append(_paragraph(style.bullet_indent, size, 0, None, False, "l"))
        for m in measured:
            p = _paragraph(
                style.bullet_indent, m.size, m.para.space_before, None, False, m.para.align
            )
            for span in m.para.spans:
                if span.text:
                    p.append(_run_element(span, m.size, self.face, span.tag))
            body.append(p)
        return tc


# --------------------------------------------------------------------------- helpers


_Boxes = tuple[dict[int, Box], Box | None, tuple[tuple[PP_PLACEHOLDER, int, Box, str], ...]]
# A layout's placeholder boxes, by the layout's and its master's XML: the same master
# gives the same boxes to every deck of a process (python-pptx looks each inherited
# position up through the master's shapes).
_BOXES: dict[bytes, _Boxes] = {}


# A new slide's placeholders, by the same key, as python-pptx cloned them for the
# first slide of the layout: later slides (of any deck on that master) get copies.
# Its own cloning looks each placeholder of the layout up through XPath.
_CLONES: dict[bytes, tuple[Any, ...]] = {}
# A new notes page and its placeholder's index, by the notes master's XML, likewise.
_NOTES: dict[bytes, tuple[Any, int | None]] = {}
_NOTES_PAGE = "/ppt/notesSlides/notesSlide%d.xml"


_SLIDE_ID = qn("p:sldId")


def _add_slide_id(ids: Any, rid: str) -> None:
    """`ids.add_sldId(rid)`: the next id after the largest, found without an XPath query."""
    used = [int(value) for e in ids.iterchildren(_SLIDE_ID) if (value := e.get("id")) is not None]
    next_id = max([255, *used]) + 1
    if next_id > 2147483647:  # python-pptx then looks for a gap: let it
        ids.add_sldId(rid)
        return
    ids._add_sldId(id=next_id, rId=rid)


def _layout_key(layout: Any) -> bytes:
    """The digest of a layout's and its master's XML: what its boxes and clones depend on."""
    digest = hashlib.sha256(etree.tostring(layout._element))
    digest.update(etree.tostring(layout.slide_master._element))
    return digest.digest()


def _layout_boxes(layout: Any, key: bytes) -> _Boxes:
    """Content areas by placeholder idx, the title's box, and the footers (type, idx, box, sz)."""
    if key not in _BOXES:
        areas: dict[int, Box] = {}
        title: Box | None = None
        footers = []
        for shape in layout.placeholders:
            kind, idx = shape.placeholder_format.type, shape.placeholder_format.idx
            if kind in _TITLES:
                title = _box(shape)
            elif kind in _FOOTERS:
                footers.append((kind, idx, _box(shape), shape.element.ph_sz))
            elif kind != PP_PLACEHOLDER.DATE:
                areas[idx] = _box(shape)
        if len(_BOXES) >= 64:  # a process that sees many masters (rca watch) keeps few
            _BOXES.clear()
        _BOXES[key] = (areas, title, tuple(footers))
    cached = _BOXES[key]
    return dict(cached[0]), cached[1], cached[2]


def _page_title(title: str, n: int) -> str:
    return title if n == 0 else f"{title} (continued)"


def _notes(notes: str, n: int, items: Sequence[str | None]) -> str:
    head = notes if n == 0 else f"(Continued.) {notes}"
    return "\n".join([head, *(i for i in items if i)])


def _split_width(total: int, weights: Sequence[float]) -> list[int]:
    scale = total / sum(weights)
    widths = [int(w * scale) for w in weights]
    widths[-1] += total - sum(widths)
    return widths


def _row_height(cells: _Cells, size: float, style: Style) -> float:
    content = max((sum(m.height for m in c) for c in cells), default=0.0)
    return round(max(content, line_height(size)) + 2 * style.cell_y + 1, 2)


def _join(lines: Sequence[Line]) -> tuple[Span, ...]:
    """Wrapped lines back into one paragraph's spans (the viewer re-wraps them identically or wider)."""
    spans: list[Span] = []
    for line in lines:
        if spans:
            spans.append(replace(spans[-1], text=" "))
        spans.extend(line)
    return tuple(spans)


def _truncate(
    lines: list[Line], keep: int, width: float, size: float, face: Typeface
) -> list[Line]:
    """The first `keep` lines, the last one ending in an ellipsis that fits."""
    if len(lines) <= keep:
        return lines
    last = lines[keep - 1]
    text = "".join(s.text for s in last)
    bold, tag = (last[-1].bold, last[-1].tag) if last else (False, "")
    while text and text_width(text + "…", size, face, bold=bold) > width:
        text = text[:-1]
    return [*lines[: keep - 1], (Span(text.rstrip() + "…", bold, tag),)]


def _split_block(
    b: Block, measured: Sequence[_Measured], room: float
) -> tuple[Block | None, Block | None]:
    """Cut a block after the last whole line that fits in `room`."""
    head: list[Para] = []
    used = 0.0
    for i, m in enumerate(measured):
        if used + m.height <= room:
            head.append(m.para)
            used += m.height
            continue
        fit = int((room - used - m.para.space_before + 1e-6) // line_height(m.size))
        tail = list(b.paras[i + 1 :])
        if fit >= 1:
            head.append(replace(m.para, spans=_join(m.lines[:fit])))
            tail.insert(
                0,
                replace(
                    m.para,
                    spans=_join(m.lines[fit:]),
                    bullet=None,
                    hanging=bool(m.para.bullet) or m.para.hanging,
                    space_before=0,
                ),
            )
        else:
            tail.insert(0, m.para)
        return (Block(tuple(head), b.note) if head else None), Block(
            tuple(tail), None if head else b.note
        )
    return b, None


def _split_row(
    row: Row, cells: _Cells, room: float, size: float, style: Style
) -> tuple[Row | None, Row | None]:
    """Cut a row taller than `room`: as many lines of each cell as fit; the rest continues."""
    fit = int((room - 2 * style.cell_y - 1 + 1e-6) // line_height(size))
    if fit < 1:
        return None, row
    heads, tails = [], []
    for measured in cells:
        lines = [(m, line) for m in measured for line in m.lines]
        heads.append(_regroup(lines[:fit]))
        tails.append(_regroup(lines[fit:]))
    if not tails[0]:  # say where the rest of the row comes from
        tails[0] = (Para((Span("(continued)", False, "muted"),), space_before=0),)
    return Row(tuple(heads), row.note), Row(tuple(tails), None)


def _regroup(lines: Sequence[tuple[_Measured, Line]]) -> tuple[Para, ...]:
    out: list[tuple[_Measured, list[Line]]] = []
    for m, line in lines:
        if out and out[-1][0] is m:
            out[-1][1].append(line)
        else:
            out.append((m, [line]))
    return tuple(replace(m.para, spans=_join(ls), space_before=0) for m, ls in out)


_XFRM = f"{qn('p:spPr')}/{qn('a:xfrm')}"


def _fit_group(group: Any, members: Sequence[Any]) -> None:
    """The group's extents around its members: python-pptx's `recalculate_extents`, read directly."""
    boxes = []
    for member in members:
        xfrm = member.find(_XFRM)
        off, ext = xfrm.find(qn("a:off")), xfrm.find(qn("a:ext"))
        x, y = int(off.get("x")), int(off.get("y"))
        boxes.append((x, y, x + int(ext.get("cx")), y + int(ext.get("cy"))))
    if not boxes:
        boxes = [(0, 0, 0, 0)]
    x, y = min(b[0] for b in boxes), min(b[1] for b in boxes)
    cx, cy = max(b[2] for b in boxes) - x, max(b[3] for b in boxes) - y
    xfrm = group.find(f"{qn('p:grpSpPr')}/{qn('a:xfrm')}")
    for tag, a, b in (("a:off", "x", "y"), ("a:chOff", "x", "y")):
        xfrm.find(qn(tag)).set(a, str(x))
        xfrm.find(qn(tag)).set(b, str(y))
    for tag in ("a:ext", "a:chExt"):
        xfrm.find(qn(tag)).set("cx", str(cx))
        xfrm.find(qn(tag)).set("cy", str(cy))


def _next_id(tree: Any) -> int:
    return max((int(e.get("id", "0")) for e in tree.iter(qn("p:cNvPr"))), default=1) + 1


_SP = qn("p:sp")
_PH = f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}"
_CNVPR = f"{qn('p:nvSpPr')}/{qn('p:cNvPr')}"
_FIELD_TEXT = f"{qn('p:txBody')}/{qn('a:p')}/{qn('a:fld')}/{qn('a:t')}"


# The proxy class python-pptx's SlideShapeFactory gives a placeholder `p:sp`, by its type.
_PLACEHOLDERS: dict[str, Any] = {
    PP_PLACEHOLDER.to_xml(PP_PLACEHOLDER.BITMAP): PicturePlaceholder,
    PP_PLACEHOLDER.to_xml(PP_PLACEHOLDER.CHART): ChartPlaceholder,
    PP_PLACEHOLDER.to_xml(PP_PLACEHOLDER.PICTURE): PicturePlaceholder,
    PP_PLACEHOLDER.to_xml(PP_PLACEHOLDER.TABLE): TablePlaceholder,
}


def _placeholder(slide: Any, idx: int) -> Any:
    """The slide's placeholder with this idx (0: the title), found without python-pptx's xpath walk.

    The proxy is the one SlideShapeFactory would make, from the `p:ph` already found.
    """
    for sp in slide.shapes._spTree.iterchildren(_SP):
        ph = sp.find(_PH)
        if ph is not None and int(ph.get("idx", "0")) == idx:
            return _PLACEHOLDERS.get(ph.get("type", ""), SlidePlaceholder)(sp, slide.shapes)
    return None


def _set_name(shape: Any, name: str) -> None:
    """`shape.name = name`: the `name` of the shape's `p:cNvPr` (first child of its first child)."""
    shape._element[0][0].set("name", name)


def _remove_placeholder(slide: Any, idx: int) -> None:
    shape = _placeholder(slide, idx)
    if shape is not None:
        shape._element.getparent().remove(shape._element)


def _rectangle(slide: Any, box: Box, color: str, name: str) -> Any:
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *_emus(box))
    shape.name = name
    sp_pr = shape._element.spPr
    for child in list(sp_pr):
        if child.tag != qn("a:xfrm") and child.tag != qn("a:prstGeom"):
            sp_pr.remove(child)
    solid = _sub(sp_pr, "a:solidFill")
    _sub(solid, "a:schemeClr", val=color)
    line = _sub(sp_pr, "a:ln")
    _sub(line, "a:noFill")
    style = shape._element.find(qn("p:style"))
    if style is not None:  # the theme's shape style adds an outline and shadow
        shape._element.remove(style)
    return shape


_SHAPES = {
    "round": MSO_SHAPE.ROUNDED_RECTANGLE,
    "rect": MSO_SHAPE.RECTANGLE,
    "ellipse": MSO_SHAPE.OVAL,
    "diamond": MSO_SHAPE.DIAMOND,
}
# Fill and line tags of slide diagrams -> a theme colour, with an optional tint.
_FILLS = {
    "light": ("bg1", None),
    "pale": ("bg2", None),
    "pale_accent": ("accent2", (20000, 80000)),
    "title": ("tx2", None),
    "muted": ("accent3", None),
    "accent": ("accent2", None),
    "problem": ("accent2", (75000, None)),
}


def _fill(parent: Any, tag: str) -> None:
    """A solid theme colour (tinted by lumMod/lumOff where given), or no fill for ""."""
    if not tag:
        _sub(parent, "a:noFill")
        return
    slot, tint = _FILLS.get(tag, ("tx1", None))
    colour = _sub(_sub(parent, "a:solidFill"), "a:schemeClr", val=slot)
    if tint is not None:
        mod, off = tint
        _sub(colour, "a:lumMod", val=str(mod))
        if off is not None:
            _sub(colour, "a:lumOff", val=str(off))


def _link(group: Any, link: Link, ox: int, oy: int, ids: Iterator[int]) -> Any:
    """A straight connector (arrow head at its end when asked) in theme colours, added to `group`.

    What python-pptx's `add_connector` makes from its begin and end points, restyled.
    """
    bx, by = ox + _emu(link.x1), oy + _emu(link.y1)
    ex, ey = ox + _emu(link.x2), oy + _emu(link.y2)
    cxn = _placed(
        _connector_template(bx > ex, by > ey),
        next(ids),
        "Link",
        min(bx, ex),
        min(by, ey),
        abs(ex - bx),
        abs(ey - by),
    )
    group.append(cxn)
    line = _sub(cxn.spPr, "a:ln", w=str(_emu(link.width)))
    _fill(line, link.color)
    if link.dashed:
        _sub(line, "a:prstDash", val="dash")
    if link.arrow:
        _sub(line, "a:tailEnd", type="triangle", w="med", len="med")
    return cxn


@lru_cache(maxsize=16)
def _shape_template(kind: MSO_SHAPE) -> Any:
    """python-pptx's new auto shape of this kind, without the theme's shape style."""
    sp = CT_Shape.new_autoshape_sp(0, "", AutoShapeType(kind).prst, 0, 0, 0, 0)
    sp.remove(sp.find(qn("p:style")))  # its outline and shadow
    return sp


@lru_cache(maxsize=4)
def _connector_template(flip_h: bool, flip_v: bool) -> Any:
    """python-pptx's new straight connector, without the theme's shape style."""
    prst = MSO_CONNECTOR.to_xml(MSO_CONNECTOR.STRAIGHT)
    cxn = CT_Connector.new_cxnSp(0, "", prst, 0, 0, 0, 0, flip_h, flip_v)
    cxn.remove(cxn.find(qn("p:style")))
    return cxn


def _placed(template: Any, shape_id: int, name: str, x: int, y: int, cx: int, cy: int) -> Any:
    """A copy of a shape template with its id, name, position and size."""
    element = copy.deepcopy(template)
    names = element[0][0]  # p:nvSpPr or p:nvCxnSpPr, then p:cNvPr
    names.set("id", str(shape_id))
    names.set("name", name)
    off, ext = element.find(_XFRM)
    off.set("x", str(x))
    off.set("y", str(y))
    ext.set("cx", str(cx))
    ext.set("cy", str(cy))
    return element


@cache
def _clark(tag: str) -> tuple[str, dict[str, str]]:
    name = NamespacePrefixedTag(tag)
    return name.clark_name, name.nsmap


def _element(tag: str, **attrs: str) -> Any:
    """python-pptx's `OxmlElement(tag)` with `attrs` set, without parsing the tag each time."""
    clark, nsmap = _clark(tag)
    return oxml_parser.makeelement(clark, attrib=attrs, nsmap=nsmap)


def _sub(parent: Any, tag: str, **attrs: str) -> Any:
    """Append a new child element (python-pptx's own element classes, so its API keeps working)."""
    child = _element(tag, **attrs)
    parent.append(child)
    return child


def _frame_setup(
    frame: Any, style: Style, anchor: str | None, inset_x: float | None = None
) -> None:
    frame.clear()
    body = frame._txBody.bodyPr
    for child in list(body):
        body.remove(child)
    _sub(body, "a:noAutofit")  # the text was measured: no viewer may shrink it
    x, y = str(_emu(style.inset_x if inset_x is None else inset_x)), str(_emu(style.inset_y))
    for name, value in (("wrap", "square"), ("lIns", x), ("rIns", x), ("tIns", y), ("bIns", y)):
        body.set(name, value)
    if anchor is not None:
        body.set("anchor", anchor)


def _para_format(
    p: _Paragraph,
    style: Style,
    size: float,
    space_before: float,
    bullet: str | None,
    hanging: bool,
    align: str,
) -> None:
    ppr = p._p.get_or_add_pPr()
    for child in list(ppr):
        ppr.remove(child)
    indent = _emu(style.bullet_indent) if (bullet or hanging) else 0
    ppr.set("marL", str(indent))
    ppr.set("indent", str(-indent if bullet else 0))
    ppr.set("algn", align)
    ppr.extend(copy.deepcopy(_ppr_children(line_height(size), space_before, bullet)))


@lru_cache(maxsize=512)
def _ppr_children(line: float, space_before: float, bullet: str | None) -> Any:
    """A paragraph's spacing and bullet elements, made once and copied (a deck has ~400 paragraphs)."""
    ppr = _element("a:pPr")
    for tag, value in (("a:lnSpc", line), ("a:spcBef", space_before), ("a:spcAft", 0.0)):
        spacing = _sub(ppr, tag)
        _sub(spacing, "a:spcPts", val=str(round(value * 100)))
    if bullet:
        color = _sub(ppr, "a:buClr")
        _sub(color, "a:schemeClr", val="accent3")
        _sub(ppr, "a:buFont", typeface=ARIAL.name)
        _sub(ppr, "a:buChar", char=bullet)
    else:
        _sub(ppr, "a:buNone")
    return ppr


_TR = qn("a:tr")
_GRID_COL = qn("a:gridCol")


@lru_cache(maxsize=64)
def _cell_template(margin_x: int, margin_y: int, fill: str) -> Any:
    """An empty table cell (text body, margins, fill) to copy: what `_add_table` writes in each."""
    tc = _element("a:tc")
    body = _sub(tc, "a:txBody")
    _sub(body, "a:bodyPr")
    _sub(body, "a:lstStyle")
    x, y = str(margin_x), str(margin_y)
    tcpr = _sub(tc, "a:tcPr", marL=x, marR=x, marT=y, marB=y, anchor="t")
    _sub(_sub(tcpr, "a:solidFill"), "a:schemeClr", val=fill)
    return tc


def _paragraph(
    bullet_indent: float,
    size: float,
    space_before: float,
    bullet: str | None,
    hanging: bool,
    align: str,
) -> Any:
    """A new `a:p` formatted as `_para_format` formats an empty one."""
    return copy.deepcopy(
        _paragraph_template(bullet_indent, size, space_before, bullet, hanging, align)
    )


@lru_cache(maxsize=512)
def _paragraph_template(
    bullet_indent: float,
    size: float,
    space_before: float,
    bullet: str | None,
    hanging: bool,
    align: str,
) -> Any:
    p = _element("a:p")
    indent = _emu(bullet_indent) if (bullet or hanging) else 0
    ppr = _sub(p, "a:pPr", marL=str(indent), indent=str(-indent if bullet else 0), algn=align)
    ppr.extend(copy.deepcopy(_ppr_children(line_height(size), space_before, bullet)))
    return p


def _rpr(parent: Any, size: float, bold: bool, face: Typeface, tag: str | None) -> None:
    parent.set("lang", "en-US")
    parent.set("sz", str(round(size * 100)))
    parent.set("b", "1" if bold else "0")
    parent.extend(copy.deepcopy(_rpr_children(tag, face.name)))


@lru_cache(maxsize=64)
def _rpr_children(tag: str | None, face: str) -> Any:
    """A run's colour and typeface elements, made once and copied."""
    rpr = _element("a:rPr")
    if tag is not None:
        fill = _sub(rpr, "a:solidFill")
        _sub(fill, "a:schemeClr", val=SCHEME.get(tag, "tx1"))
    _sub(rpr, "a:latin", typeface=face)
    _sub(rpr, "a:cs", typeface=face)
    return rpr


_END_PARA = qn("a:endParaRPr")
_PARA = qn("a:p")


def _run(p: _Paragraph, span: Span, size: float, face: Typeface, *, tag: str | None) -> None:
    """`<a:r><a:rPr/><a:t/></a:r>` as python-pptx's `add_run` and `text` make it, built directly."""
    if not span.text:
        return
    r = _run_element(span, size, face, tag)
    end = p._p.find(_END_PARA)
    if end is None:
        p._p.append(r)
    else:
        end.addprevious(r)


def _run_element(span: Span, size: float, face: Typeface, tag: str | None) -> Any:
    """A new `a:r` holding the span's text (python-pptx's escaping; the text is never parsed)."""
    r = copy.deepcopy(_run_template(size, span.bold, face.name, tag))
    r[1].text = CT_RegularTextRun._escape_ctrl_chars(xml_safe(span.text))
    return r


@lru_cache(maxsize=512)
def _run_template(size: float, bold: bool, face: str, tag: str | None) -> Any:
    r = _element("a:r")
    rpr = _sub(r, "a:rPr", lang="en-US", sz=str(round(size * 100)), b="1" if bold else "0")
    rpr.extend(copy.deepcopy(_rpr_children(tag, face)))
    _sub(r, "a:t")
    return r


def _slide_number_field(
    p: _Paragraph, number: str, size: float, face: Typeface, tag: str | None
) -> None:
    end = p._p.find(qn("a:endParaRPr"))
    fld = _element("a:fld", id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}", type="slidenum")
    _rpr(_sub(fld, "a:rPr"), size, False, face, tag)
    _sub(fld, "a:t").text = number
    if end is not None:
        end.addprevious(fld)
    else:
        p._p.append(fld)


# --------------------------------------------------------------------------- master and file


# A brand master is a few MB; these caps refuse a zip bomb before python-pptx inflates it.
MASTER_MAX_BYTES = 64 * 1024 * 1024
MASTER_MAX_UNPACKED = 128 * 1024 * 1024
MASTER_MAX_MEMBERS = 2000


def _master_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
    except OSError as exc:
        raise RcaError(f"{path}: cannot read the deck master: {exc.strerror}") from None
    return _checked_master(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=4)
def _checked_master(path: Path, mtime_ns: int, size: int) -> bytes:
    # Keyed on the file's time and size as well: `rca watch` sees an edited master.
    data = read_capped(path, MASTER_MAX_BYTES, what="a deck master")
    check_package(
        path, data, what="the deck master", unpacked=MASTER_MAX_UNPACKED, members=MASTER_MAX_MEMBERS
    )
    return data


def default_master() -> Path:
    """The deck master rca ships."""
    return builtin_template_dir() / "decks" / "default.pptx"


def open_master(path: Path | None = None) -> Any:
    """A presentation on the master, without any slides the master file itself carries."""
    source = Path(path) if path is not None else default_master()
    try:
        prs = Presentation(io.BytesIO(_master_bytes(source)))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, etree.LxmlError) as exc:
        raise RcaError(f"{source}: not a usable .pptx deck master ({exc})") from None
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)
    return prs


def get_layout(prs: Any, name: str) -> Any:
    """The master's layout with this name (or a PowerPoint-default fallback)."""
    layouts = {layout.name: layout for layout in prs.slide_layouts}
    for candidate in (name, *_FALLBACK.get(name, ())):
        if candidate in layouts:
            return layouts[candidate]
    raise RcaError(
        f"deck master has no layout named '{name}' (it has: {', '.join(layouts)}); "
        f"rca looks layouts up by name: {', '.join(LAYOUTS)}"
    )


def set_core_properties(prs: Any, context: dict[str, Any]) -> None:
    """Document properties from the context only: no user name, no clock."""
    meta = context["meta"]
    when = datetime.combine(date.fromisoformat(meta["as_of"]), datetime.min.time())
    core = prs.core_properties
    core.title = xml_safe(str(meta["title"]))[:255]
    core.subject = meta["case_id"]
    core.author = "rca"
    core.last_modified_by = ""
    core.keywords = "root-cause analysis; case review"
    core.category = xml_safe(str(context["audience"]["title"]))[:255]
    core.comments = xml_safe(str(meta["classification"]))[:255]
    core.content_status = xml_safe(str(meta["classification"]))[:255]
    core.revision = 1
    core.created = core.modified = core.last_printed = when


def fixed_zip(data: bytes) -> bytes:
    """The same package with fixed timestamps and a stable entry order: same input, same bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return _zip_members({name: source.read(name) for name in source.namelist()})


def _zip_members(members: dict[str, bytes]) -> bytes:
    names = sorted(members, key=lambda n: (n != "[Content_Types].xml", n != "_rels/.rels", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 0
            info.external_attr = 0
            # Media are compressed already; deflating them again only costs time.
            stored = name.startswith("ppt/media/") or name.endswith((".jpeg", ".png"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(info, members[name], compresslevel=None if stored else 6)
    return out.getvalue()


class _Members(dict[str, bytes]):
    """Stands in for python-pptx's zip writer: keeps each member's bytes, compresses nothing."""

    def write(self, uri: PackURI, blob: bytes) -> None:
        self[uri.membername] = blob


class PptxRenderer:
    """The audience's slide deck."""

    extension = "pptx"
    media_type = MEDIA_TYPE
    # Slide diagrams are drawn as native shapes (rca.render.slide_diagrams): no PNG needed.
    raster_diagrams = False
    uses_diagrams = False  # nor the laid-out ones: a build draws them beside the decks

    def prepare(self, template_dirs: Sequence[Any]) -> None:
        """Read and check the deck master before any case work, so a bad one fails at once."""
        _master_bytes(user_master(template_dirs) or default_master())

    def render(self, data: RenderInput) -> bytes:
        """The .pptx bytes: the profile's deck sections, in order, on the master."""
        from rca.render.deck_appendix import place_appendix
        from rca.render.deck_sections import SECTIONS

        context = data.context
        names = list(context["audience"]["deck"]["sections"])
        unknown = [n for n in names if n not in SECTIONS]
        if unknown:
            raise RcaError(
                f"audience '{context['audience']['id']}': unknown deck section(s) {', '.join(unknown)}; "
                f"expected any of: {', '.join(sorted(SECTIONS))}"
            )
        master = data.options.get("pptx_master") or user_master(data.template_dirs)
        builder = DeckBuilder(open_master(Path(master) if master else None), context, data.diagrams)
        for name in names:
            SECTIONS[name](builder, context)
        place_appendix(builder, context["audience"]["deck"]["slide_budget"])
        return save(builder)


def user_master(template_dirs: Sequence[Any]) -> Path | None:
    """An organisation's own master, `decks/default.pptx` in the first template folder holding one."""
    for folder in template_dirs:
        candidate = Path(folder) / "decks" / "default.pptx"
        if candidate.is_file():
            return candidate
    return None


def save(builder: DeckBuilder) -> bytes:
    """The finished deck's bytes, with fixed metadata and zip timestamps."""
    set_core_properties(builder.prs, builder.context)
    # What `prs.save` writes, zipped once with fixed metadata (not zipped, read back, zipped).
    package = builder.prs.part.package
    writer: Any = PackageWriter(io.BytesIO(), package._rels, tuple(package.iter_parts()))
    members = _Members()
    writer._write_content_types_stream(members)
    writer._write_pkg_rels(members)
    writer._write_parts(members)
    return _zip_members(members)
