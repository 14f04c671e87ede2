"""The case's diagrams for one audience: fishbone, causal graph, why-chain ladders, timeline.

Each is written as DOT from the render context (already redacted for the
audience), then laid out once by graphviz into SVG (briefs) and PNG (decks).
The fishbone and the timeline are placed here, point by point, and drawn with
`neato -n2`: dot's ranking cannot draw a spine with slanted bones, nor a time
axis. The causal graph and the ladders are left to dot's layered layout.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rca.analyse.metrics import CLOCK_MILESTONES, format_duration
from rca.render import dot as d
from rca.render import formatting
from rca.render.dot import DotGraph, font, lines_html, point, text_width, wrap
from rca.render.formatting import plural
from rca.render.names import cause_title
from rca.render.registry import Diagram
from rca.render.slide_diagrams import shortest_path

PROBLEM_ID = "problem"
ROLE_NAMES = {
    "root": "Root cause",
    "contributing": "Contributing cause",
    "condition": "Condition",
    "external": "Outside our control",
    "unconnected": "Not connected",
}
ROLE_COUNTS = {  # role -> (one, many), for alt text
    "root": ("root cause", "root causes"),
    "contributing": ("contributing cause", "contributing causes"),
    "condition": ("condition", "conditions"),
    "external": ("cause outside our control", "causes outside our control"),
    "unconnected": ("cause not connected to the problem", "causes not connected to the problem"),
}
# role -> (fill, border, node style)
ROLE_STYLE = {
    "root": (d.ROOT_FILL, d.ROOT, "rounded,filled,bold"),
    "contributing": (d.CONTRIB_FILL, d.CONTRIB, "rounded,filled"),
    "condition": (d.CONDITION_FILL, d.CONDITION, "rounded,filled"),
    "external": (d.WHITE, d.EXTERNAL, "rounded,filled,dashed"),
    "unconnected": (d.WHITE, d.FAINT, "rounded,filled,dotted"),
}
EDGE_STYLE = {"verified": "solid", "hypothesis": "dashed", "unknown": "dotted"}
MAX_CHAINS = 6
BIG_GRAPH = 24  # causes; beyond this the causal graph's boxes get shorter
GRAPH_CARD_W = 130  # the causal graph's boxes: narrow, so five ranks print at >= 7 pt
CARD_TEXT_W = 160  # points: every cause and action box is this wide, text left-aligned
# The smallest text in a diagram a brief prints: at the scale a landscape page
# gives the causal graph and the fishbone (about 0.7), still 7 pt on paper.
LABEL_MIN = 11.0


@dataclass(frozen=True)
class Spec:
    """A diagram before layout: its DOT source and the words around it."""

    name: str
    title: str
    alt: str
    dot: str
    engine: str  # "dot", or "neato-n2" for drawings placed point by point
    omitted: tuple[str, ...] = ()  # causes a summary leaves out


def render_diagrams(context: dict[str, Any], *, raster: bool = True) -> dict[str, Diagram]:
    """Every diagram of one audience's context, by name, each laid out once (and cached).

    `raster=False` skips the PNGs (empty bytes): HTML and PDF use the SVG only.
    """
    specs = [fishbone(context), causal_graph(context), why_chains(context), timeline(context)]
    drawings = d.draw_all(((s.dot, s.engine, s.name) for s in specs), raster=raster)
    return {
        s.name: Diagram(
            s.name, s.title, s.alt, s.dot, w.svg, w.png, w.width_px, w.height_px, s.omitted
        )
        for s, w in zip(specs, drawings, strict=True)
    }


# --------------------------------------------------------------------------- shared


def _short(text: object, limit: int = 90) -> str:
    return d.truncate(d.clean(text), limit)


def _sentence(text: object, limit: int = 160) -> str:
    """Text shortened for alt text, ending in exactly one full stop or ellipsis."""
    short = _short(text, limit).rstrip()
    return short if short.endswith((".", "?", "!", d.ELLIPSIS)) else short + "."


def _causes(context: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in context["findings"]["causes"]}


def _legend(items: Sequence[tuple[str, str, str]], note: str = "") -> str:
    """A legend for a graph label: a row of (fill, border, text) swatches, then a note.

    The note is wrapped to the swatch row's width: a wider row below would make
    graphviz spread the swatches apart.
    """
    cells = "".join(
        f'<TD WIDTH="16" HEIGHT="11" FIXEDSIZE="TRUE" BGCOLOR="{fill}" COLOR="{border}" '
        f'BORDER="1"></TD><TD ALIGN="LEFT">{font(text, LABEL_MIN, d.MUTED)}</TD><TD WIDTH="10"></TD>'
        for fill, border, text in items
    )
    rows = f"<TR>{cells}</TR>"
    if note:
        row_w = sum(16 + 10 + 9 + text_width(text, LABEL_MIN) for _, _, text in items)
        chars = max(30, int(len(note) * (row_w - 40) / text_width(note, LABEL_MIN)))
        note_html = lines_html(wrap(note, chars, 4), LABEL_MIN, d.MUTED)
        rows += (
            f'<TR><TD COLSPAN="{3 * len(items)}" ALIGN="LEFT" BALIGN="LEFT">{note_html}</TD></TR>'
        )
    return f'<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0">{rows}</TABLE>'


def _card(
    header: str, body: Sequence[str], size: float = 11, footer: str = "", width: float = CARD_TEXT_W
) -> str:
    """A node label: a small header line over wrapped body lines (header, footer: HTML)."""
    rows = [header, lines_html(body, size), *([footer] if footer else [])]
    cells = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{r}</TD></TR>' for r in rows)
    return f'<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0" WIDTH="{width:g}">{cells}</TABLE>'


def _cause_header(cause: dict[str, Any], context: dict[str, Any], prefix: str = "") -> str:
    role = cause.get("role", "contributing")
    border = ROLE_STYLE.get(role, ROLE_STYLE["contributing"])[1]
    status = cause.get("status")
    # The status only when it is not settled: most causes are verified.
    shown = formatting.label(context["labels"], status) if status != "verified" else ""
    text = " \u00b7 ".join(p for p in (prefix, cause["id"], ROLE_NAMES.get(role, ""), shown) if p)
    return font(text, LABEL_MIN, border, bold=True)


def _cause_node(
    graph: DotGraph,
    cause: dict[str, Any],
    context: dict[str, Any],
    prefix: str = "",
    lines: int = 4,
    *,
    fixes: Sequence[str] = (),
    width: float = CARD_TEXT_W,
    compact: bool = False,
) -> str:
    fill, border, style = ROLE_STYLE.get(cause.get("role", ""), ROLE_STYLE["contributing"])
    chars = int(width / 6.2)  # about 6 pt a character at 11 pt
    footer = font("Fixed by " + ", ".join(fixes), LABEL_MIN, d.ACTION, bold=True) if fixes else ""
    if compact:  # the id leads the title; the role shows in the box's colour and border
        status = cause.get("status")
        tag = cause["id"] + (
            f" ({formatting.label(context['labels'], status).lower()})"
            if status != "verified"
            else ""
        )
        lines_ = wrap(f"{tag} {cause_title(cause)}", chars, lines)
        first = lines_[0][len(tag) :].strip() if lines_ and lines_[0].startswith(tag) else ""
        # graphviz drops a leading space inside a FONT element: a no-break space holds it
        head = font(tag, LABEL_MIN, border, bold=True) + (
            font("\u00a0" + first, LABEL_MIN) if first else ""
        )
        body = lines_html(lines_[1:] if first or lines_[0] == tag else lines_, LABEL_MIN)
        rows = [head + ("<BR/>" + body if body else ""), *([footer] if footer else [])]
        cells = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{r}</TD></TR>' for r in rows)
        label = (
            f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0" WIDTH="{width:g}">{cells}</TABLE>'
        )
    else:
        label = _card(
            _cause_header(cause, context, prefix),
            wrap(cause_title(cause), chars, lines),
            footer=footer,
            width=width,
        )
    return graph.node(
        label,
        shape="box",
        style=style,
        fillcolor=fill,
        color=border,
        penwidth=2.0 if cause.get("role") == "root" else 1.2,
    )


def _problem_text(context: dict[str, Any]) -> str:
    """The problem as a diagram shows it: its first sentence, whole (the rest is in the text)."""
    found = formatting.sentences(context["findings"]["problem"])
    return found[0] if found else ""


def _problem_node(graph: DotGraph, context: dict[str, Any], width: int = 30) -> str:
    lines = wrap(_problem_text(context), width, 16)  # whole: a cut problem reads as a bug
    label = (
        '<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0">'
        f'<TR><TD ALIGN="LEFT">{font("PROBLEM", LABEL_MIN, "#F6D5D5", bold=True)}</TD></TR>'
        f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{lines_html(lines, 12, d.WHITE, bold=True)}</TD></TR>'
        "</TABLE>"
    )
    return graph.node(
        label,
        shape="box",
        style="rounded,filled",
        fillcolor=d.PROBLEM,
        color=d.PROBLEM,
        margin="0.14,0.1",
    )


# --------------------------------------------------------------------------- fishbone

SLOPE = 0.5  # horizontal run of a bone per point of rise (about 63 degrees)
CAUSE_PT = 11.0
CAUSE_WRAP = 22
INDENT = 30.0  # how far a sub-cause's twig sits from its parent's attachment
ROW_GAP = 9.0
LABEL_GAP = 8.0
CLEAR = 16.0  # nothing closer to the spine than this
MARGIN = 18.0
MAX_ROWS = 5  # per bone; the rest is summarised as "+ n more" (keeps the print scale up)


@dataclass
class _Row:
    lines: list[str]
    prefix: str  # cause id, shown bold
    depth: int
    role: str
    width: float = 0.0
    height: float = 0.0
    rib_y: float = 0.0  # signed distance from the spine (negative below it)
    shift: float = 0.0  # extra room above the spine, where the bone leans over the text

    def measure(self) -> None:
        first = text_width(self.prefix + "  ", CAUSE_PT, bold=True)
        widths = [text_width(line, CAUSE_PT) for line in self.lines]
        self.width = max([first + widths[0], *widths[1:]] if widths else [first]) * 1.04 + 2
        self.height = len(self.lines) * d.line_height(CAUSE_PT) + 2

    @property
    def u_end(self) -> float:  # where the rib meets its bone (0) or its parent's twig
        return self.depth * INDENT

    @property
    def u_text(self) -> float:  # right edge of the text, measured leftwards from the bone
        return self.u_end + self.shift + 6

    @property
    def u_left(self) -> float:
        return self.u_text + 4 + self.width


def _bone_rows(ids: list[str], causes: dict[str, dict[str, Any]]) -> list[_Row]:
    """A category's causes as rows: each top-level cause followed by its sub-causes, indented."""
    members = set(ids)
    parent: dict[str, str] = {}
    for cid in ids:
        target = next((e for e in causes[cid]["effects"] if e in members and e != cid), None)
        if target is not None:
            parent[cid] = target
    # Break cycles: a cause whose ancestry runs into a cycle is made top level.
    # A cause found to reach the top stays so (breaking a link only shortens
    # ancestries), so each walk stops there: a chain of 1,000 sub-causes is
    # walked once, not once a cause.
    tops: set[str] = set()
    for cid in ids:
        walked, node = [cid], parent.get(cid)
        seen = {cid}
        while node is not None and node not in seen and node not in tops:
            seen.add(node)
            walked.append(node)
            node = parent.get(node)
        if node is not None and node not in tops:
            parent.pop(cid, None)
            tops.add(cid)
        else:
            tops.update(walked)
    children: dict[str | None, list[str]] = {}
    for cid in ids:
        children.setdefault(parent.get(cid), []).append(cid)
    order: list[tuple[str, int]] = []
    # Depth-first, parents before children, with a stack of our own: a chain of
    # sub-causes as long as the record allows must not exhaust Python's stack.
    stack = [(cid, 0) for cid in reversed(children.get(None, []))]
    while stack:
        cid, depth = stack.pop()
        order.append((cid, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(cid, [])))
    kept = order if len(order) <= MAX_ROWS else order[: MAX_ROWS - 1]
    rows = [
        _Row(wrap(cause_title(causes[cid]), CAUSE_WRAP, 3), cid, min(depth, 3), causes[cid]["role"])
        for cid, depth in kept
    ]
    if len(order) > MAX_ROWS:
        rest = len(order) - (MAX_ROWS - 1)
        rows.append(_Row([f"+ {rest} more in this category"], "", 0, "more"))
    for row in rows:
        row.measure()
    return rows


def _stack(rows: list[_Row], top: float) -> None:
    """Place rows downwards from `top` (distance from the spine of the first row's text top)."""
    cursor = top
    for row in rows:
        row.rib_y = cursor - row.height - 2
        # Above the spine the bone leans left over the text: measure at the text's top.
        row.shift = SLOPE * (row.height + 2) if row.rib_y > 0 else 0.0
        cursor = row.rib_y - ROW_GAP


def _block_height(rows: list[_Row]) -> float:
    return sum(r.height + 2 for r in rows) + ROW_GAP * max(0, len(rows) - 1)


@dataclass
class _Bone:
    cat: str
    title: str
    side: int  # 1 above the spine, -1 below
    slot: int  # spine point, counted from the tail; a pair of bones shares one
    rows: list[_Row]
    count: int
    label: list[str] = field(default_factory=list)
    label_w: float = 0.0
    label_h: float = 0.0

    def __post_init__(self) -> None:
        self.label = wrap(f"{self.title} ({self.count})", 22, 3)
        self.label_w = max(text_width(x, 12, bold=True) for x in self.label) + 20
        self.label_h = len(self.label) * d.line_height(12) + 12


def _bones(context: dict[str, Any]) -> list[_Bone]:
    """A bone per category in taxonomy order, alternating above and below the spine."""
    findings = context["findings"]
    causes = _causes(context)
    members: dict[str, list[str]] = {k: [] for k in findings["categories"]}
    for cause in findings["causes"]:
        members.setdefault(cause["category"], []).append(cause["id"])
    titles = {c["category"]: c["category_label"] for c in findings["causes"]}
    return [
        _Bone(
            cat,
            d.clean(titles.get(cat) or formatting.label(context["labels"], cat)),
            1 if i % 2 == 0 else -1,
            i // 2,
            _bone_rows(ids, causes),
            len(ids),
        )
        for i, (cat, ids) in enumerate(members.items())
    ]


def _spine_points(bones: list[_Bone], reach: float) -> list[float]:
    """x of each slot's spine point: wide enough for its ribs' text and its labels."""
    points: list[float] = []
    x = 0.0
    for k in range((len(bones) + 1) // 2):
        need = 0.0
        for bone in (b for b in bones if b.slot == k):
            widest = max([r.u_left for r in bone.rows] + [0.0])
            prev = next((p for p in bones if p.slot == k - 1 and p.side == bone.side), bone)
            # Bones are parallel, so a rib's text only has to clear the next bone to the left.
            need = max(need, widest + MARGIN, (bone.label_w + prev.label_w) / 2 + MARGIN)
        x += need if k else need + SLOPE * reach
        points.append(x)
    return points


def fishbone(context: dict[str, Any]) -> Spec:
    """An Ishikawa diagram: the problem at the head, a bone per category, causes as ribs.

    Placed here point by point and drawn with `neato -n2`. Bones lean back from
    the spine at one slope, so each rib's text only has to clear the next bone;
    bones on one side share a length, so their labels line up. Rows read top to
    bottom on both sides, each block against its bone's label. A sub-cause (a
    cause leading to another of the same category) hangs off a twig parallel to
    the bone, under its parent. Empty categories are drawn as faint bones: what
    was considered and found clean is part of the analysis.
    """
    every = _bones(context)
    # Categories without causes are named in the legend, not drawn: an empty bone
    # costs a slot of width, and width is what makes a fishbone print small.
    bones = [b for b in every if b.count] or every
    for i, bone in enumerate(bones):
        bone.side, bone.slot = (1 if i % 2 == 0 else -1), i // 2
    length = {
        side: max(
            [70.0] + [_block_height(b.rows) + LABEL_GAP + CLEAR for b in bones if b.side == side]
        )
        for side in (1, -1)
    }
    for bone in bones:
        top = (
            length[1] - LABEL_GAP
            if bone.side == 1
            else -length[-1] + LABEL_GAP + _block_height(bone.rows)
        )
        _stack(bone.rows, top)
    spine = _spine_points(bones, max(length.values()))

    g = DotGraph(
        graph={"splines": "line", "outputorder": "edgesfirst"},
        node={"shape": "plain", "fontsize": CAUSE_PT},
        edge={"dir": "none", "headclip": "false", "tailclip": "false", "color": d.NAVY},
    )
    for bone in bones:
        _draw_bone(g, bone, spine[bone.slot], length[bone.side])

    head_x = (spine[-1] if spine else 0.0) + 40
    head_lines = wrap(_problem_text(context), 20, 16)
    head_w = max([text_width(x, 13, bold=True) for x in head_lines] + [60]) + 28
    head = g.node(
        '<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0">'
        f'<TR><TD ALIGN="LEFT">{font("PROBLEM", LABEL_MIN, "#F6D5D5", bold=True)}</TD></TR>'
        f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{lines_html(head_lines, 13, d.WHITE, bold=True)}</TD></TR>'
        "</TABLE>",
        shape="box",
        style="rounded,filled",
        fillcolor=d.PROBLEM,
        color=d.PROBLEM,
        margin="0.16,0.12",
        pos=point(head_x + head_w / 2, 0),
    )
    tail = _pin(g, (spine[0] - 30 if spine else 0.0), 0)
    g.edge(
        tail,
        head,
        color=d.NAVY,
        penwidth=4.0,
        dir="forward",
        headclip="true",
        arrowhead="normal",
        arrowsize=1.2,
    )
    notes = [
        font("Red rib: root cause", LABEL_MIN, d.ROOT, bold=True),
        font("Italic: condition or outside our control", LABEL_MIN, d.MUTED, italic=True),
        font("Twig under a rib: a cause of that cause", LABEL_MIN, d.MUTED),
    ]
    clean = [b.title for b in every if not b.count]
    if clean and len(clean) < len(every):
        notes += [
            font(line, LABEL_MIN, d.MUTED)
            for line in wrap("No causes found in: " + ", ".join(clean) + ".", 40, 3)
        ]
    legend_y = -(len(head_lines) * d.line_height(13) / 2 + 48)
    g.node(
        '<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0">'
        + "".join(f'<TR><TD ALIGN="LEFT">{n}</TD></TR>' for n in notes)
        + "</TABLE>",
        pos=point(head_x + 110, legend_y),
    )
    return Spec(
        "fishbone",
        "Fishbone: causes by category",
        _fishbone_alt(context, every),
        g.source(),
        "neato-n2",
    )


def _pin(g: DotGraph, x: float, y: float) -> str:
    """An invisible point: one end of a line drawn as an edge."""
    return g.node(None, shape="point", width=0.01, height=0.01, style="invis", pos=point(x, y))


def _line(
    g: DotGraph,
    a: tuple[float, float],
    b: tuple[float, float],
    color: str,
    width: float,
    **extra: str,
) -> None:
    g.edge(_pin(g, *a), _pin(g, *b), color=color, penwidth=width, **extra)


def _draw_bone(g: DotGraph, bone: _Bone, base: float, reach: float) -> None:
    """One category: its bone from the spine, its label at the far end, its ribs and twigs."""

    def bx(y: float) -> float:  # the bone's x at signed height y
        return base - SLOPE * abs(y)

    empty = not bone.rows
    _line(
        g,
        (base, 0),
        (bx(reach), bone.side * reach),
        d.FAINT if empty else d.NAVY,
        1.2 if empty else 2.2,
    )
    fill, ink = (d.STRIPE, d.MUTED) if empty else (d.NAVY, d.WHITE)
    g.node(
        lines_html(bone.label, 12, ink, bold=True),
        shape="box",
        style="rounded,filled",
        fillcolor=fill,
        color=d.FAINT if empty else d.NAVY,
        margin="0.1,0.06",
        pos=point(bx(reach), bone.side * (reach + 6 + bone.label_h / 2)),
    )
    for i, row in enumerate(bone.rows):
        y = row.rib_y
        is_root = row.role == "root"
        _line(
            g,
            (bx(y) - row.u_end, y),
            (bx(y) - row.u_left, y),
            d.ROOT if is_root else d.LINE,
            1.8 if is_root else 1.0,
        )
        kids = [r for r in _subtree(bone.rows, i) if r.depth == row.depth + 1]
        if kids:
            twig = (row.depth + 1) * INDENT
            _line(g, (bx(y) - twig, y), (bx(kids[-1].rib_y) - twig, kids[-1].rib_y), d.LINE, 1.2)
        right = bx(y) - row.u_text
        cell = (
            f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"><TR><TD WIDTH="{row.width:.0f}" '
            f'HEIGHT="{row.height:.0f}" ALIGN="RIGHT" BALIGN="RIGHT" VALIGN="BOTTOM">'
            f"{_rib_text(row)}</TD></TR></TABLE>"
        )
        g.node(cell, pos=point(right - row.width / 2, y + 2 + row.height / 2))


def _subtree(rows: list[_Row], i: int) -> list[_Row]:
    """The rows under row i: those after it, up to the next one no deeper than it."""
    below = []
    for row in rows[i + 1 :]:
        if row.depth <= rows[i].depth:
            break
        below.append(row)
    return below


def _rib_text(row: _Row) -> str:
    if row.role == "more":
        return lines_html(row.lines, LABEL_MIN, d.MUTED, italic=True)
    soft = row.role in ("condition", "external", "unconnected")
    color = d.MUTED if soft else d.INK
    parts = []
    for i, text in enumerate(row.lines):
        body = font(text, CAUSE_PT, color, italic=soft)
        if i == 0:
            tag = font(
                row.prefix + "  ", CAUSE_PT, d.ROOT if row.role == "root" else d.NAVY, bold=True
            )
            body = tag + body
        parts.append(body)
    return "<BR/>".join(parts)


def _fishbone_alt(context: dict[str, Any], bones: list[_Bone]) -> str:
    total = sum(b.count for b in bones)
    used = [b for b in bones if b.count]
    problem = _sentence(context["findings"]["problem"])
    if not used:
        return f"Fishbone diagram with no causes recorded yet. The problem: {problem}"
    ranked = sorted(used, key=lambda b: -b.count)
    counts = ", ".join(f"{b.title} {b.count}" for b in ranked)
    empty = [b.title for b in bones if not b.count]
    root_cats = {c["category"] for c in context["findings"]["causes"] if c["role"] == "root"}
    roots = [b.title for b in bones if b.cat in root_cats]
    text = (
        f"Fishbone diagram of {plural(total, 'cause', 'causes')} in {len(used)} of "
        f"{len(bones)} categories. The problem: {problem} Largest category: "
        f"{ranked[0].title} ({ranked[0].count}). By category: {counts}."
    )
    if roots:
        text += f" Root causes lie in: {', '.join(roots)}."
    if empty:
        text += f" No causes found in: {', '.join(empty)}."
    return text


# --------------------------------------------------------------------------- causal graph


# The printable area a brief gives a figure, in points: (width, height) on a
# portrait and on a landscape Letter page (templates/briefs/style.css).
PRINT_AREAS = ((521.0, 539.0), (734.0, 453.0))


def print_scale(svg: str) -> float:
    """The largest scale at which a drawing fits a brief's page, either way round."""
    found = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if not found:
        return 1.0
    w, h = float(found[1]), float(found[2])
    return max(min(1.0, pw / w, ph / h) for pw, ph in PRINT_AREAS)


def causal_graph(context: dict[str, Any]) -> Spec:
    """The causal graph laid out both ways (left to right, bottom to top); the one printing larger.

    A brief prints it at that scale, so its smallest text stays at or above 7 pt
    for every bundled case; both layouts are cached, so the choice costs one
    extra SVG layout.
    """
    drawn, omitted = _summary(context)
    specs = [_causal_graph(drawn, rankdir) for rankdir in ("LR", "BT")]
    preferred = _rankdir(drawn["findings"])
    scales = [print_scale(d.draw(s.dot, "dot", s.name, raster=False).svg) for s in specs]
    best = max(range(2), key=lambda i: (round(scales[i], 2), specs[i].dot.count(preferred)))
    if not omitted:
        return specs[best]
    shown = len(drawn["findings"]["causes"])
    total = shown + len(omitted)
    return dataclasses.replace(
        specs[best],
        title=f"Causal graph, summarised: {shown} of {total} causes",
        alt=f"Summary of a causal graph of {total} causes: the top root causes and the causes on "
        f"their shortest paths to the problem. {plural(len(omitted), 'more cause is', 'more causes are')} "
        f"listed beside the figure. {specs[best].alt}",
        omitted=omitted,
    )


SUMMARY_ABOVE = 40  # causes: a larger causal graph is drawn as a summary
SUMMARY_ROOTS = 6  # root causes a summary starts from, the top-ranked ones
SUMMARY_CAUSES = 30  # boxes in a summary at most, roots included


def _summary(context: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The context with only what a summary draws, and the ids it leaves out (none: as it is).

    Above SUMMARY_ABOVE causes no drawing of every cause prints legibly on a
    page (nor lays out in time: dot grows about as n² here): the summary keeps
    the top-ranked root causes and the causes on their shortest paths to the
    problem, like the slides' causal summary, with room for more boxes.
    """
    findings = context["findings"]
    if len(findings["causes"]) <= SUMMARY_ABOVE:
        return context, ()
    effects: dict[str, list[str]] = {}
    for edge in findings["edges"]:
        if edge["kind"] == "causes":
            effects.setdefault(edge["source"], []).append(edge["target"])
    roots = [r["id"] for r in findings["root_causes"]][:SUMMARY_ROOTS]
    keep: dict[str, None] = dict.fromkeys(roots)
    for root in roots:
        keep.update(dict.fromkeys(n for n in shortest_path(root, effects) if n != PROBLEM_ID))
    shown = set(list(keep)[:SUMMARY_CAUSES])
    ends = shown | {PROBLEM_ID}
    edges = [  # causal links between drawn boxes; an action named on the cause it fixes
        e
        for e in findings["edges"]
        if (
            (e["source"] in shown and e["target"] in ends)
            if e["kind"] == "causes"
            else e["target"] in shown
        )
    ]
    drawn = {
        **findings,
        "causes": [c for c in findings["causes"] if c["id"] in shown],
        "edges": edges,
        "root_causes": [r for r in findings["root_causes"] if r["id"] in shown],
    }
    omitted = tuple(c["id"] for c in findings["causes"] if c["id"] not in shown)
    return {**context, "findings": drawn}, omitted


def _causal_graph(context: dict[str, Any], rankdir: str) -> Spec:
    """Causes flowing into the problem; AND-groups through a junction; actions named on the causes."""
    findings = context["findings"]
    causes = _causes(context)
    # A large graph keeps its text size and gives up words: two lines a cause, not four.
    lines = 2 if len(findings["causes"]) > BIG_GRAPH else 4
    g = DotGraph(
        graph={
            "rankdir": rankdir,
            "nodesep": "0.15",
            "ranksep": "0.4",
            "newrank": "true",
            "labelloc": "b",
            "labeljust": "l",
            "fontsize": 10,
        },
        node={"fontsize": 11, "margin": "0.08,0.05"},
        edge={"color": d.LINE, "arrowsize": 0.7, "penwidth": 1.2},
    )
    ids = {PROBLEM_ID: _problem_node(g, context, 22)}
    g.raw(f"{{ rank=sink; {ids[PROBLEM_ID]}; }}")
    # Actions are named on the cause they fix, not drawn as boxes of their own:
    # a rank of action boxes would make the graph too wide to print legibly.
    fixes: dict[str, list[str]] = {}
    action_ids: list[str] = []
    for edge in findings["edges"]:
        if edge["kind"] == "addresses":
            fixes.setdefault(edge["target"], []).append(edge["source"])
            if edge["source"] not in action_ids:
                action_ids.append(edge["source"])
    for cause in findings["causes"]:
        ids[cause["id"]] = _cause_node(
            g,
            cause,
            context,
            lines=lines,
            fixes=fixes.get(cause["id"], ()),
            width=GRAPH_CARD_W,
            compact=True,
        )

    groups: dict[str, list[dict[str, Any]]] = {}
    hypotheses = 0
    for edge in findings["edges"]:
        if edge["kind"] != "causes" or edge["source"] not in ids or edge["target"] not in ids:
            continue
        hypotheses += edge["status"] != "verified"
        if edge["group"]:
            groups.setdefault(edge["group"], []).append(edge)
        else:
            g.edge(ids[edge["source"]], ids[edge["target"]], style=EDGE_STYLE[edge["status"]])
    for members in groups.values():
        junction = g.node(
            font("AND", LABEL_MIN, d.WHITE, bold=True),
            shape="circle",
            style="filled",
            fillcolor=d.NAVY,
            color=d.NAVY,
            width=0.36,
            fixedsize="true",
            margin="0",
        )
        for edge in members:
            g.edge(
                ids[edge["source"]], junction, style=EDGE_STYLE[edge["status"]], arrowhead="none"
            )
        statuses = {e["status"] for e in members}
        g.edge(
            junction,
            ids[members[0]["target"]],
            style="solid" if statuses == {"verified"} else "dashed",
        )

    g.raw(
        "graph "
        + d.attrs(
            _legend(
                [
                    (d.ROOT_FILL, d.ROOT, "Root cause"),
                    (d.CONTRIB_FILL, d.CONTRIB, "Contributing"),
                    (d.CONDITION_FILL, d.CONDITION, "Condition"),
                    (d.WHITE, d.EXTERNAL, "Outside our control"),
                ],
                "Arrows run from cause to effect. Fixed by: the corrective actions for that cause. "
                "Dashed: link not verified. AND: the causes act only together.",
            )
        )
        + ";"
    )
    roots = [causes[r["id"]] for r in findings["root_causes"] if r["id"] in causes]
    counts = {role: sum(1 for c in findings["causes"] if c["role"] == role) for role in ROLE_NAMES}
    parts = [
        plural(counts[role], *ROLE_COUNTS[role])
        for role in ROLE_COUNTS
        if counts[role] or role == "root"
    ]
    alt = (
        f"Causal graph of {plural(len(findings['causes']), 'cause', 'causes')} and "
        f"{plural(len(action_ids), 'corrective action', 'corrective actions')} leading to the "
        f"problem: {_sentence(findings['problem'])} {', '.join(parts).capitalize()}."
    )
    if roots:
        alt += " Root causes: " + " ".join(
            f"{c['id']}: {_sentence(c['statement'], 80)}" for c in roots
        )
    if groups:
        alt += (
            f" {plural(len(groups), 'AND-group', 'AND-groups')} of causes that act only together."
        )
    if hypotheses:
        alt += f" {plural(hypotheses, 'link is', 'links are')} not verified (dashed)."
    return Spec(
        "causal_graph", "Causal graph: how the causes led to the problem", alt, g.source(), "dot"
    )


def _rankdir(findings: dict[str, Any]) -> str:
    """LR or BT, whichever gives a drawing nearer a landscape page's shape (3:2).

    Layers are counted as dot will rank them: the longest path of causes (and an
    AND junction, and an action) into the problem; breadth is the fullest layer.
    """
    layer = {PROBLEM_ID: 0}
    edges = [(e["source"], e["target"]) for e in findings["edges"] if e["kind"] == "causes"]
    for _ in range(len(findings["causes"]) + 2):  # Bellman-Ford passes; a cycle just stops
        changed = False
        for source, target in edges:
            if target in layer and layer.get(source, -1) < layer[target] + 1 <= len(edges):
                layer[source] = layer[target] + 1
                changed = True
        if not changed:
            break
    depth = max(layer.values()) + 1 + (1 if any(e["group"] for e in findings["edges"]) else 0)
    breadth = max(sum(1 for v in layer.values() if v == n) for n in set(layer.values()))
    box_w, box_h = GRAPH_CARD_W + 16, (56 if len(findings["causes"]) <= BIG_GRAPH else 36)
    wide = (depth * (box_w + 29)) / (breadth * (box_h + 11))
    tall = (breadth * (box_w + 11)) / (depth * (box_h + 29))
    page = 1.5  # a landscape page's printable area
    return "LR" if abs(math.log(wide / page)) <= abs(math.log(tall / page)) else "BT"


# --------------------------------------------------------------------------- why-chains


def why_chains(context: dict[str, Any]) -> Spec:
    """Each why-chain as a ladder: the problem at the top, "Why?" steps down to the root cause."""
    causes = _causes(context)
    depth = (context["audience"].get("detail") or {}).get("why_chain_depth")
    # The view's chains, already selected and cut to the audience's depth: the deck
    # and the brief read the same ones. Only the number of ladders drawn is capped.
    chains: list[dict[str, Any]] = context["view"]["chains"]
    shown = chains[:MAX_CHAINS]
    g = DotGraph(
        graph={"rankdir": "TB", "nodesep": "0.3", "ranksep": "0.3", "fontsize": 11},
        node={"fontsize": 11, "margin": "0.12,0.07"},
        edge={"color": d.LINE, "arrowsize": 0.7, "penwidth": 1.2, "fontsize": 10},
    )
    why = font("Why?", 10, d.MUTED, italic=True)
    problem = (
        _problem_node(g, context, 40) if any(c["starts_at"] == PROBLEM_ID for c in shown) else None
    )
    summaries = []
    for k, chain in enumerate(shown):
        cut = chain["truncated"]  # whys the view left out before the root: one ellipsis
        steps = [s for s in chain["steps"] if s in causes]
        if cut and steps:
            steps.insert(len(steps) - 1, "")
        if chain["declared"]:
            title = chain["question"] or f"Why-chain {chain['id']}"
        else:
            title = f"Traced back from root cause {chain['root'] or ''}"
        g.raw(f"subgraph cluster_{k} {{")
        g.raw(f"  graph {d.attrs(style='rounded', color=d.FAINT, margin='12')};")
        g.raw(f"  graph {d.attrs(lines_html(wrap(title, 40, 2), 11, d.NAVY, bold=True))};")
        if problem is not None and chain["starts_at"] == PROBLEM_ID:
            previous = problem
        else:
            start = causes.get(chain["starts_at"])
            previous = (
                _cause_node(g, start, context, "Starts at")
                if start
                else g.node(font("(start not shown)", 10, d.MUTED), shape="plain")
            )
        number = 0
        links: list[
            tuple[str, str, bool]
        ] = []  # drawn after the cluster, or it would adopt the problem
        for step in steps:
            if step == "":
                node = g.node(
                    font(
                        f"\u2026 {cut} more why{'s' if cut != 1 else ''} \u2026",
                        10,
                        d.MUTED,
                        italic=True,
                    ),
                    shape="plain",
                    width="0",
                )
                number += cut
            else:
                number += 1
                node = _cause_node(g, causes[step], context, f"Why {number}")
            links.append((previous, node, step == ""))
            previous = node
        g.raw("}")
        for source, target, elided in links:
            if elided:
                g.edge(source, target, style="dotted", arrowhead="none")
            else:
                g.edge(source, target, label=why)
        last = causes.get(chain["root"]) if chain["root"] else None
        length = len(chain["steps"]) + cut  # the whole chain, before the view's cut
        summary = f"{chain['id']} ({_short(title, 70)}): {plural(length, 'step', 'steps')}"
        if last is not None:
            role = ROLE_COUNTS.get(last["role"], ("cause", ""))[0]
            summary += f", ending at {role} {last['id']}: {_sentence(last['statement'], 80)}"
        summaries.append(summary if summary.endswith((".", d.ELLIPSIS)) else summary + ".")
    if not shown:
        g.node(font("No why-chains recorded", 12, d.MUTED, italic=True), shape="plain")
        alt = "Why-chain ladders: none recorded for this case."
    else:
        cut_note = (
            f", longer chains cut to {plural(depth or 0, 'step', 'steps')}"
            if any(c["truncated"] for c in shown)
            else ""
        )
        more = f" ({len(shown)} of {len(chains)} shown)" if len(chains) > len(shown) else ""
        alt = (
            f"Why-chain ladders: {plural(len(shown), 'chain', 'chains')}{more}, each asking why "
            f"from the problem down to a root cause{cut_note}. " + " ".join(summaries)
        )
    return Spec(
        "why_chains", "Why-chains: from the problem to its root causes", alt, g.source(), "dot"
    )


# --------------------------------------------------------------------------- timeline

TIME_W = 104.0
LANE_W = 56.0
CARD_W = 340.0
CARD_WRAP = 60
HEADER_H = 52.0
ROW_PAD = 12.0
BAR_W = 14.0
DEADLINE_GAP = 30.0  # room for a deadline's label above its line


def _shown_events(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The events the audience's timeline detail asks for, in time order.

    full: every event; milestones: milestones and deviations; deviations:
    deviations and the milestones that start or stop a clock with a target.
    """
    events = sorted(enumerate(context["case"]["timeline"]), key=lambda p: (_when(p[1]["at"]), p[0]))
    detail = (context["audience"].get("detail") or {}).get("timeline", "full")
    anchors = {
        m
        for c in context["findings"]["clocks"]
        if c["target_seconds"] is not None
        for m in CLOCK_MILESTONES.get(c["metric"], ())
    }
    keep: Callable[[dict[str, Any]], bool] = {
        "milestones": lambda e: bool(e.get("milestone")) or bool(e.get("deviation")),
        "deviations": lambda e: bool(e.get("deviation")) or e.get("milestone") in anchors,
    }.get(detail, lambda e: True)
    return [e for _, e in events if keep(e)]


def _when(at: str) -> datetime:
    return datetime.fromisoformat(at)


def _stamp(at: datetime) -> tuple[str, str]:
    return formatting.day_month(at), formatting.clock_time(at)


def _zone(at: datetime) -> str:
    minutes = formatting.offset_minutes(at)
    sign = "+" if minutes >= 0 else formatting.MINUS
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def timeline(context: dict[str, Any]) -> Spec:
    """Events top to bottom, a lane per workflow step; deviations and service-level windows marked."""
    events = _shown_events(context)
    all_times = [_when(e["at"]) for e in context["case"]["timeline"]]
    origin = min(all_times) if all_times else None
    zone_of = origin.tzinfo if origin else None
    steps = [
        s for s in context["findings"]["deviations_by_step"] if any(e["step"] == s for e in events)
    ]
    steps += sorted({e["step"] for e in events} - set(steps))
    clocks = [c for c in context["findings"]["clocks"] if c["target_seconds"] and c["start"]]
    times = [_when(e["at"]).astimezone(zone_of) for e in events]

    # Each clock's deadline sits in the gap after the last event before it.
    deadlines: list[tuple[int, datetime, dict[str, Any]]] = []
    for clock in clocks:
        due = _when(clock["start"]) + timedelta(seconds=clock["target_seconds"])
        after = sum(1 for t in times if t <= due)  # the gap index: 0 = before the first event
        deadlines.append((after, due, clock))
    deadlines.sort(key=lambda x: (x[0], x[1]))

    bar_x0 = TIME_W + 14
    lane_x0 = bar_x0 + BAR_W * len(clocks) + (14 if clocks else 0)
    card_x = lane_x0 + LANE_W * len(steps) + 18
    rows: list[tuple[float, float]] = []  # (centre y, height) downwards from the top
    gap_y: dict[int, list[float]] = {}
    y = HEADER_H
    for i in range(len(events) + 1):
        for _ in (x for x in deadlines if x[0] == i):
            y += DEADLINE_GAP - 6
            gap_y.setdefault(i, []).append(y)  # the line; its label sits just above it
            y += 6
        if i == len(events):
            break
        height = _card_height(events[i])
        rows.append((y + height / 2, height))
        y += height + ROW_PAD
    bottom = y + 4

    g = DotGraph(
        graph={
            "splines": "line",
            "outputorder": "nodesfirst",
            "labelloc": "b",
            "labeljust": "l",
            "fontsize": 10,
        },
        node={"shape": "plain", "fontsize": 10},
        edge={"dir": "none", "headclip": "false", "tailclip": "false", "color": d.FAINT},
    )

    def pin(px: float, py: float) -> str:
        return g.node(
            None, shape="point", width=0.01, height=0.01, style="invis", pos=point(px, -py)
        )

    def bar(x0: float, y0: float, y1: float, fill: str, color: str) -> None:
        if y1 - y0 >= 1:
            g.node(
                None,
                shape="box",
                style="filled",
                fillcolor=fill,
                color=color,
                penwidth=0.8,
                width=f"{(BAR_W - 4) / 72:.3f}",
                height=f"{(y1 - y0) / 72:.3f}",
                fixedsize="true",
                pos=point(x0 + BAR_W / 2 - 2, -(y0 + y1) / 2),
            )

    # Lanes: alternating stripes under everything, headed by the step's name.
    for k, step in enumerate(steps):
        cx = lane_x0 + LANE_W * (k + 0.5)
        if k % 2 == 0:
            g.node(
                None,
                shape="box",
                style="filled",
                fillcolor=d.STRIPE,
                color=d.STRIPE,
                width=f"{LANE_W / 72:.3f}",
                height=f"{(bottom - HEADER_H + 8) / 72:.3f}",
                fixedsize="true",
                pos=point(cx, -(HEADER_H - 8 + bottom) / 2),
            )
        g.node(
            lines_html(
                wrap(formatting.label(context["labels"], step), 12, 3, break_words=False),
                8,
                d.NAVY,
                bold=True,
            ),
            pos=point(cx, -HEADER_H / 2 + 4),
        )
    zone = _zone(origin) if origin else ""
    g.node(
        f"{font('Time', 9, d.NAVY, bold=True)}<BR/>{font(zone, 8, d.MUTED)}",
        pos=point(TIME_W / 2 + 8, -HEADER_H / 2 + 4),
    )

    def y_of(at: datetime) -> float:
        """The row of the event at this moment, else the top of the first row after it."""
        for t, (cy, _) in zip(times, rows, strict=True):
            if t == at:
                return cy
        later = sum(1 for t in times if t <= at)
        return rows[later][0] - rows[later][1] / 2 if later < len(rows) else bottom

    # Service-level windows: a bar from the clock's start to its deadline, a dashed
    # line across at the deadline, and in red the overrun when the clock was breached.
    used_gaps: dict[int, int] = {}
    for k, (gap, due, clock) in enumerate(deadlines):
        x0 = bar_x0 + BAR_W * k
        start_y = y_of(_when(clock["start"]).astimezone(zone_of))
        slot = used_gaps.get(gap, 0)
        used_gaps[gap] = slot + 1
        due_y = gap_y[gap][slot]
        bar(x0, start_y, due_y, d.WINDOW_FILL, d.NAVY)
        breached = bool(clock["breached"])
        if breached and clock["end"]:
            bar(x0, due_y, y_of(_when(clock["end"]).astimezone(zone_of)), d.BREACH_FILL, d.ROOT)
        color = d.ROOT if breached else d.NAVY
        g.edge(
            pin(x0 + BAR_W / 2 - 2, due_y),
            pin(card_x + CARD_W, due_y),
            color=color,
            style="dashed",
            penwidth=1.2,
        )
        metric = formatting.label(context["labels"], clock["metric"])
        target = format_duration(clock["target_seconds"])
        if clock["elapsed_seconds"] is None:
            verdict = "not yet stopped"
        elif breached:
            verdict = (
                f"missed by {format_duration(clock['elapsed_seconds'] - clock['target_seconds'])}"
            )
        else:
            verdict = f"met in {format_duration(clock['elapsed_seconds'])}"
        day, hour = _stamp(due.astimezone(zone_of))
        text = f"{metric} target {target} (due {day} {hour}): {verdict}"
        label = (
            f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"><TR><TD WIDTH="{CARD_W:.0f}" '
            f'ALIGN="LEFT">{font(d.truncate(text, 80), 9.5, color, bold=True)}</TD></TR></TABLE>'
        )
        g.node(label, pos=point(card_x + CARD_W / 2, -(due_y - 9)))

    previous_day = ""
    for event, at, (cy, _) in zip(events, times, rows, strict=True):
        day, hour = _stamp(at)
        when = font(hour, 10.5, d.INK, bold=True)
        if day != previous_day:
            when = font(day, 9, d.MUTED) + "<BR/>" + when
            previous_day = day
        elapsed = (at - origin).total_seconds() if origin else 0
        when += "<BR/>" + font(f"T+{format_duration(elapsed)}" if elapsed else "T0", 8.5, d.MUTED)
        g.node(
            f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"><TR><TD WIDTH="{TIME_W - 8:.0f}" '
            f'ALIGN="RIGHT" BALIGN="RIGHT">{when}</TD></TR></TABLE>',
            pos=point(TIME_W / 2, -cy),
        )
        lane = steps.index(event["step"])
        mx = lane_x0 + LANE_W * (lane + 0.5)
        marker = _marker(g, event, mx, cy)
        card = _event_card(g, event, context, card_x + CARD_W / 2, cy)
        g.edge(
            marker,
            card,
            color=d.ROOT if event.get("deviation") else d.FAINT,
            style="dotted",
            headclip="true",
            tailclip="true",
        )

    g.raw(
        "graph "
        + d.attrs(
            _legend(
                [
                    (d.WHITE, d.LINE, "Event"),
                    (d.NAVY, d.NAVY, "Milestone"),
                    (d.ROOT, d.ROOT, "Deviation from procedure"),
                    (d.WINDOW_FILL, d.NAVY, "Service-level window"),
                    (d.BREACH_FILL, d.ROOT, "Overrun"),
                ]
            )
        )
        + ";"
    )
    return Spec(
        "timeline",
        "Timeline: events by workflow step, with service-level windows",
        _timeline_alt(context, events, times, steps, clocks, zone),
        g.source(),
        "neato-n2",
    )


def _card_height(event: dict[str, Any]) -> float:
    lines = 1 + len(wrap(event["what"], CARD_WRAP, 2))
    lines += (
        len(wrap("Expected: " + str(event.get("expected") or ""), CARD_WRAP, 2))
        if event.get("deviation")
        else 0
    )
    return lines * 11.2 + 12  # graphviz: about 11 pt a line at these sizes, plus margins


def _marker(g: DotGraph, event: dict[str, Any], x: float, y: float) -> str:
    where = point(x, -y)
    if event.get("deviation"):
        return g.node(
            None,
            shape="diamond",
            style="filled",
            fillcolor=d.ROOT,
            color=d.NAVY if event.get("milestone") else d.ROOT,
            penwidth=2.0 if event.get("milestone") else 1.0,
            width=0.24,
            height=0.24,
            fixedsize="true",
            pos=where,
        )
    if event.get("milestone"):
        return g.node(
            None,
            shape="circle",
            style="filled",
            fillcolor=d.NAVY,
            color=d.NAVY,
            width=0.18,
            fixedsize="true",
            pos=where,
        )
    return g.node(
        None,
        shape="circle",
        style="filled",
        fillcolor=d.WHITE,
        color=d.LINE,
        penwidth=1.4,
        width=0.14,
        fixedsize="true",
        pos=where,
    )


def _event_card(
    g: DotGraph, event: dict[str, Any], context: dict[str, Any], x: float, y: float
) -> str:
    deviation = bool(event.get("deviation"))
    head = [formatting.label(context["labels"], event["step"]), d.clean(event.get("actor") or "")]
    header = font(_short(" \u00b7 ".join(h for h in head if h), 60), 9, d.MUTED)
    if event.get("milestone"):
        header = (
            font(
                formatting.label(context["labels"], event["milestone"]).upper() + "  ",
                9,
                d.NAVY,
                bold=True,
            )
            + header
        )
    if deviation:
        header = font("DEVIATION  ", 9, d.ROOT, bold=True) + header
    rows = [header, lines_html(wrap(event["what"], CARD_WRAP, 2), 10.5)]
    if deviation:
        rows.append(
            lines_html(
                wrap("Expected: " + str(event.get("expected") or ""), CARD_WRAP, 2),
                10,
                d.ROOT,
                italic=True,
            )
        )
    body = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{r}</TD></TR>' for r in rows)
    label = (
        f'<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0" WIDTH="{CARD_W - 16:.0f}">'
        f"{body}</TABLE>"
    )
    return g.node(
        label,
        shape="box",
        style="rounded,filled",
        fillcolor=d.ROOT_FILL if deviation else d.WHITE,
        color=d.ROOT if deviation else d.FAINT,
        width=f"{CARD_W / 72:.3f}",
        margin="0.1,0.06",
        pos=point(x, -y),
    )


def _timeline_alt(
    context: dict[str, Any],
    events: list[dict[str, Any]],
    times: list[datetime],
    steps: list[str],
    clocks: list[dict[str, Any]],
    zone: str,
) -> str:
    if not events:
        return "Timeline: no events to show for this audience."
    first, last = (f"{' '.join(_stamp(t))}" for t in (times[0], times[-1]))
    deviations = [e for e in events if e.get("deviation")]
    text = (
        f"Timeline of {len(events)} event{'s' if len(events) != 1 else ''} from {first} to {last} "
        f"({zone}), across {len(steps)} workflow step{'s' if len(steps) != 1 else ''}; "
        f"{len(deviations)} deviation{'s' if len(deviations) != 1 else ''} from procedure"
    )
    if deviations:
        where = sorted({formatting.label(context["labels"], e["step"]) for e in deviations})
        text += f" (at {', '.join(where)})"
    text += "."
    for clock in clocks:
        metric = formatting.label(context["labels"], clock["metric"])
        target = format_duration(clock["target_seconds"])
        if clock["elapsed_seconds"] is None:
            text += f" {metric} target {target}: clock not stopped."
        elif clock["breached"]:
            over = format_duration(clock["elapsed_seconds"] - clock["target_seconds"])
            text += f" {metric} target {target}: missed by {over}."
        else:
            text += (
                f" {metric} target {target}: met in {format_duration(clock['elapsed_seconds'])}."
            )
    return text
