"""Diagrams drawn for a slide: native shapes, laid out here for the place they sit.

A picture of the full graphviz diagram, shrunk onto a slide, prints its text at
4-6 pt. These are summaries drawn to the slide's content area instead, as
PowerPoint shapes and connectors: every label is real text at 14 pt (badges at
12 pt) that the viewer renders, the audience can edit, and nothing is
rasterised. Each function returns a `Drawing`, plain data in points from the
content area's top left, which `DeckBuilder.drawing_slide` places; the same
content always gives the same drawing.

- `causal_summary`: the root causes and the few causes between them and the
  problem, at most `MAX_BOXES` boxes, left to right into the problem.
- `fishbone_summary`: the categories as bones, each naming its causes by title.
- `timeline_strip`: the milestones and deviations along one line, on the
  case's reference clock, with the service-level clocks beneath.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rca.analyse.metrics import format_duration
from rca.render.formatting import MONTHS, WEEKDAYS, label, sentence_case
from rca.render.names import cause_title
from rca.render.textfit import ARIAL, Span, line_height, wrap_spans

TEXT_PT = 14.0  # every label
BADGE_PT = 12.0  # ids, roles, times: the smallest text on a slide diagram
MAX_BOXES = 7  # the problem included
INSET = 6.0  # text inside a box, each side
PROBLEM_ID = "problem"


@dataclass(frozen=True)
class Text:
    """One paragraph of a box: styled spans at one size."""

    spans: tuple[Span, ...]
    size: float = TEXT_PT
    align: str = "l"


@dataclass(frozen=True)
class Node:
    """A box (or marker) with text; colours are the deck's style tags, `""` for none."""

    name: str
    x: float
    y: float
    w: float
    h: float
    texts: tuple[Text, ...] = ()
    fill: str = "light"
    line: str = "muted"
    shape: str = "round"  # round, rect, ellipse, diamond
    dashed: bool = False
    anchor: str = "ctr"
    bold_line: bool = False


@dataclass(frozen=True)
class Link:
    """A straight line, with an arrow head at its end when `arrow`."""

    x1: float
    y1: float
    x2: float
    y2: float
    color: str = "muted"
    width: float = 1.5
    arrow: bool = True
    dashed: bool = False


@dataclass(frozen=True)
class Drawing:
    """What one slide diagram holds, and its alt text."""

    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    alt: str
    width: float
    height: float


def text_height(texts: Sequence[Text], width: float) -> float:
    """The height of a box's paragraphs wrapped to `width` points (insets included)."""
    inner = width - 2 * INSET
    lines = sum(
        len(wrap_spans(t.spans, inner * 0.97, t.size, ARIAL)) * line_height(t.size) for t in texts
    )
    return lines + 2 * INSET


def _role_tags(role: str) -> tuple[str, str, bool]:
    """(fill, line, dashed) of a cause box by its role."""
    return {
        "root": ("pale_accent", "accent", False),
        "external": ("light", "muted", True),
        "condition": ("pale", "muted", False),
    }.get(role, ("pale", "title", False))


def _badge(cause: dict[str, Any], labels: dict[str, str]) -> Text:
    role = {"root": "root cause", "external": "outside our control", "condition": "condition"}.get(
        cause.get("role", ""), "cause"
    )
    status = cause.get("status")
    bits = [Span(cause["id"], True, "accent" if cause.get("role") == "root" else "title")]
    bits.append(Span(f" \u00b7 {role}", False, "muted"))
    if status and status != "verified":
        bits.append(Span(f" \u00b7 {sentence_case(label(labels, status))}", True, "accent"))
    return Text(tuple(bits), BADGE_PT)


# --------------------------------------------------------------------------- causal summary


def summary_nodes(findings: dict[str, Any], roots: Sequence[str]) -> tuple[list[str], int]:
    """The causes a summary shows: the roots, then the causes most of their paths share.

    Returns the ids (roots first, at most MAX_BOXES - 1 in all) and how many
    root causes did not fit.
    """
    effects: dict[str, list[str]] = {}
    for edge in findings["edges"]:
        if edge["kind"] == "causes":
            effects.setdefault(edge["source"], []).append(edge["target"])
    shown_roots = list(roots[: min(len(roots), 4)])
    counts: dict[str, int] = {}
    order: list[str] = []
    for root in shown_roots:
        for node in shortest_path(root, effects)[1:-1]:
            if node not in counts:
                order.append(node)
            counts[node] = counts.get(node, 0) + 1
    room = MAX_BOXES - 1 - len(shown_roots)
    middle = sorted(order, key=lambda n: (-counts[n], order.index(n)))[: max(room, 0)]
    return [*shown_roots, *[n for n in order if n in middle]], len(roots) - len(shown_roots)


def shortest_path(start: str, effects: dict[str, list[str]]) -> list[str]:
    """The shortest path of causes from `start` to the problem (just `start` when none)."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == PROBLEM_ID:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in effects.get(node, []):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return [start]


def causal_summary(
    findings: dict[str, Any],
    roots: Sequence[str],
    labels: dict[str, str],
    problem: str,
    width: float,
    height: float,
) -> Drawing:
    """The root causes and the causes between them and the problem, left to right."""
    causes = {c["id"]: c for c in findings["causes"]}
    roots = [r for r in roots if r in causes]
    ids, left_out = summary_nodes(findings, roots)
    effects: dict[str, list[str]] = {}
    for edge in findings["edges"]:
        if edge["kind"] == "causes":
            effects.setdefault(edge["source"], []).append(edge["target"])
    shown = set(ids) | {PROBLEM_ID}
    # Collapsed links: from each shown cause to the next shown node on its path.
    links: set[tuple[str, str]] = set()
    for cid in ids:
        path = shortest_path(cid, effects)
        nxt = next((n for n in path[1:] if n in shown), None)
        if nxt is not None:
            links.add((cid, nxt))
    column: dict[str, int] = {PROBLEM_ID: 0}
    for _ in range(len(ids) + 1):
        for source, target in links:
            if target in column and column.get(source, -1) < column[target] + 1:
                column[source] = column[target] + 1
    for cid in ids:
        column.setdefault(cid, 1)
    deepest = max(column.values())
    for root in roots:
        if root in column:
            column[root] = deepest  # root causes line up on the left
    columns = deepest + 1
    gap = 36.0
    box_w = min(250.0, (width - gap * (columns - 1)) / columns)
    nodes: list[Node] = []
    where: dict[str, tuple[float, float, float, float]] = {}
    for col in range(columns):
        members = [n for n in [*ids, PROBLEM_ID] if column[n] == col]
        x = width - (col + 1) * box_w - col * gap
        blocks = []
        for n in members:
            if n == PROBLEM_ID:
                texts: tuple[Text, ...] = (
                    Text((Span("The problem", True, "pale"),), BADGE_PT),
                    Text((Span(problem, True, "light"),), TEXT_PT),
                )
            else:
                texts = (_badge(causes[n], labels), Text((Span(cause_title(causes[n])),), TEXT_PT))
            blocks.append((n, texts, text_height(texts, box_w)))
        used = sum(h for _, _, h in blocks)
        space = max(10.0, (height - used) / (len(blocks) + 1))
        y = space if used + space * (len(blocks) + 1) <= height else 0.0
        for n, texts, h in blocks:
            if n == PROBLEM_ID:
                fill, line, dashed = "problem", "problem", False
            else:
                fill, line, dashed = _role_tags(causes[n].get("role", ""))
            nodes.append(
                Node(
                    n,
                    x,
                    y,
                    box_w,
                    h,
                    texts,
                    fill,
                    line,
                    dashed=dashed,
                    bold_line=n in roots,
                )
            )
            where[n] = (x, y, box_w, h)
            y += h + space
    drawn = []
    for source, target in sorted(links):
        sx, sy, sw, sh = where[source]
        tx, ty, _, th = where[target]
        drawn.append(Link(sx + sw, sy + sh / 2, tx, ty + th / 2, "title", 1.75))
    named = "; ".join(f"{r} {cause_title(causes[r])}" for r in roots[:4])
    alt = (
        f"Summary of how {len(roots[:4])} root cause{'s' if len(roots[:4]) != 1 else ''} led to "
        f"the problem, through {len(ids) - len(roots[:4])} of the causes between them: {named}."
    )
    if left_out:
        alt += f" {left_out} further root cause{'s' if left_out != 1 else ''} not shown."
    return Drawing(tuple(nodes), tuple(drawn), alt, width, height)


# --------------------------------------------------------------------------- fishbone


def fishbone_summary(
    findings: dict[str, Any], labels: dict[str, str], problem: str, width: float, height: float
) -> Drawing:
    """A bone per category that holds causes (most first, at most six), each naming its causes."""
    causes = findings["causes"]
    members: dict[str, list[dict[str, Any]]] = {}
    for cause in causes:
        members.setdefault(cause["category"], []).append(cause)
    rank = {"root": 0, "contributing": 1, "condition": 2, "external": 3}
    cats = sorted(members, key=lambda c: (-len(members[c]), list(members).index(c)))
    shown, hidden = cats[:6], cats[6:]
    head_w = 190.0
    head_texts = (
        Text((Span("The problem", True, "pale"),), BADGE_PT),
        Text((Span(problem, True, "light"),), TEXT_PT),
    )
    head_h = min(height, text_height(head_texts, head_w))
    spine_y = height / 2
    nodes = [
        Node(
            "problem",
            width - head_w,
            spine_y - head_h / 2,
            head_w,
            head_h,
            head_texts,
            "problem",
            "problem",
        )
    ]
    links = [Link(0, spine_y, width - head_w, spine_y, "title", 3.0)]
    slots = (len(shown) + 1) // 2
    slot_w = (width - head_w - 16) / max(slots, 1)
    for i, cat in enumerate(shown):
        above = i % 2 == 0
        slot = i // 2
        base_x = (slot + 1) * slot_w  # where the bone meets the spine
        title = (
            f"{members[cat][0].get('category_label') or label(labels, cat)} ({len(members[cat])})"
        )
        label_texts = (Text((Span(title, True, "light"),), TEXT_PT),)
        label_w = slot_w - 16
        label_h = text_height(label_texts, label_w)
        half = spine_y - 6
        top = 0.0 if above else height - label_h
        nodes.append(
            Node(
                f"bone {cat}",
                base_x - label_w,
                top,
                label_w,
                label_h,
                label_texts,
                "title",
                "title",
                "rect",
            )
        )
        bone_end_y = top + label_h if above else top
        links.append(Link(base_x - 30, bone_end_y, base_x, spine_y, "title", 2.0, arrow=False))
        room = half - label_h - 10
        items = sorted(members[cat], key=lambda c: rank.get(c.get("role", ""), 4))
        texts: list[Text] = []
        for k, cause in enumerate(items):
            line = Text(
                (
                    Span(
                        cause["id"] + " ",
                        True,
                        "accent" if cause.get("role") == "root" else "title",
                    ),
                    Span(cause_title(cause), cause.get("role") == "root", ""),
                ),
                TEXT_PT,
            )
            rest = len(items) - k - 1
            more = Text((Span(f"+ {rest} more", False, "muted"),), BADGE_PT)
            trial = [*texts, line] + ([more] if rest else [])
            if text_height(trial, label_w - 30) > room:
                texts.append(Text((Span(f"+ {len(items) - k} more", False, "muted"),), BADGE_PT))
                break
            texts.append(line)
        h = text_height(texts, label_w - 30)
        y = top + label_h + 4 if above else top - 4 - h
        nodes.append(
            Node(
                f"causes {cat}",
                base_x - label_w - 6,
                y,
                label_w - 30,
                h,
                tuple(texts),
                "",
                "",
                "rect",
                anchor="t",
            )
        )
    cats_text = ", ".join(
        f"{members[c][0].get('category_label') or label(labels, c)} {len(members[c])}" for c in cats
    )
    alt = f"Fishbone summary of {len(causes)} causes by category: {cats_text}."
    if hidden:
        alt += f" {len(hidden)} smaller categor{'ies' if len(hidden) != 1 else 'y'} not drawn."
    return Drawing(tuple(nodes), tuple(links), alt, width, height)


# --------------------------------------------------------------------------- timeline strip


def _stamp(at: datetime, previous: datetime | None) -> str:
    clock = f"{at:%H:%M}"
    if previous is None or previous.date() != at.date():
        return f"{WEEKDAYS[at.weekday()]} {at.day} {MONTHS[at.month - 1]}, {clock}"
    return clock


def timeline_strip(
    events: Sequence[dict[str, Any]],
    clocks: Sequence[dict[str, Any]],
    labels: dict[str, str],
    zone: str,
    width: float,
    height: float,
    *,
    start: datetime | None = None,
) -> Drawing:
    """Milestones and deviations as stops on one line, labels alternating above and below it."""
    stops = [e for e in events if e.get("milestone") or e.get("deviation")][:12]
    axis_y = height * 0.42
    n = max(len(stops), 1)
    pitch = width / n
    label_w = min(2 * pitch - 8, 200.0)
    nodes: list[Node] = []
    links = [Link(0, axis_y, width, axis_y, "title", 3.0, arrow=True)]
    origin = start or (datetime.fromisoformat(stops[0]["at"]) if stops else None)
    previous: datetime | None = None
    for i, e in enumerate(stops):
        at = datetime.fromisoformat(e["at"])
        x = pitch * (i + 0.5)
        deviation = bool(e.get("deviation"))
        name = label(labels, e["milestone"]) if e.get("milestone") else ""
        if deviation:
            head = Span(
                ("Deviation: " if not name else f"{name}, deviation: ")
                + sentence_case(label(labels, e["step"])),
                True,
                "accent",
            )
        else:
            head = Span(name, True, "title")
        elapsed = (at - origin).total_seconds() if origin else 0.0
        when = _stamp(at, previous)
        previous = at
        t_plus = (
            "T0"
            if not elapsed
            else ("T+" if elapsed > 0 else "T\u2212") + format_duration(abs(elapsed))
        )
        texts = (
            Text((head,), TEXT_PT, "ctr"),
            Text((Span(when, False, ""), Span(f"  {t_plus}", False, "muted")), BADGE_PT, "ctr"),
        )
        h = text_height(texts, label_w)
        above = i % 2 == 0
        y = axis_y - 14 - h if above else axis_y + 14
        x0 = min(max(x - label_w / 2, 0.0), width - label_w)
        nodes.append(
            Node(
                f"stop {i + 1}",
                x0,
                y,
                label_w,
                h,
                texts,
                "",
                "",
                "rect",
                anchor="b" if above else "t",
            )
        )
        links.append(Link(x, axis_y + (-14 if above else 14), x, axis_y, "muted", 1.0, arrow=False))
        r = 8.0 if deviation else 7.0
        nodes.append(
            Node(
                f"marker {i + 1}",
                x - r,
                axis_y - r,
                2 * r,
                2 * r,
                (),
                "accent" if deviation else "title",
                "accent" if deviation else "title",
                "diamond" if deviation else "ellipse",
            )
        )
    # The clocks, as one row of boxes under the strip.
    shown = [
        c
        for c in clocks
        if c.get("target_seconds") is not None or c.get("elapsed_seconds") is not None
    ]
    if shown:
        gap = 10.0
        w = (width - gap * (len(shown) - 1)) / len(shown)
        boxes = []
        for c in shown:
            metric = f"Time to {sentence_case(label(labels, c['metric']))}"
            if c.get("request_label"):  # several requests: whose clock it is
                metric = f"{c['request']}: time to {sentence_case(label(labels, c['metric']))}"
            if c.get("elapsed_seconds") is None:
                verdict = Span("not measured", True, "muted")
            elif c.get("breached"):
                verdict = Span(f"{format_duration(c['elapsed_seconds'])}, missed", True, "accent")
            else:
                verdict = Span(
                    format_duration(c["elapsed_seconds"])
                    + (", met" if c.get("target_seconds") else ""),
                    True,
                    "title",
                )
            target = (
                f"target {format_duration(c['target_seconds'])}"
                if c.get("target_seconds")
                else "no target"
            )
            tile = (
                Text((Span(metric, False, "muted"),), BADGE_PT),
                Text((verdict,), TEXT_PT),
                Text((Span(target, False, "muted"),), BADGE_PT),
            )
            boxes.append((tile, text_height(tile, w), c))
        h = max(b[1] for b in boxes)
        for k, (tile, _, c) in enumerate(boxes):
            nodes.append(
                Node(
                    f"clock {c['metric']}",
                    k * (w + gap),
                    height - h,
                    w,
                    h,
                    tile,
                    "light",
                    "accent" if c.get("breached") else "pale",
                    "rect",
                    anchor="t",
                )
            )
    deviations = sum(1 for e in stops if e.get("deviation"))
    alt = (
        f"Timeline strip of {len(stops)} stops on one clock ({zone}): "
        + "; ".join(
            f"{label(labels, e['milestone']) if e.get('milestone') else 'deviation at ' + sentence_case(label(labels, e['step']))}"
            f" {_stamp(datetime.fromisoformat(e['at']), None)}"
            for e in stops
        )
        + f". {deviations} deviation{'s' if deviations != 1 else ''} from procedure."
    )
    return Drawing(tuple(nodes), tuple(links), alt, width, height)
