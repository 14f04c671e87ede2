"""Measuring text with real font metrics, so a deck never relies on autofit.

Pure functions over a `Typeface` (a regular and a bold TrueType file): the
width of a string in points, greedy word-wrapping of styled spans to a width,
the height of wrapped paragraphs, and greedy pagination of measured blocks.

Why this is safe in PowerPoint and LibreOffice alike: widths come from the
same metrics the viewer uses (Liberation Sans is metric-compatible with
Arial), without kerning (which only narrows text); line spacing is set as an
exact point value on every paragraph, so a height is lines x spacing; and a
greedy wrap at a slightly narrower width than the box never produces fewer
lines than the viewer's own wrap at the full width.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from PIL import ImageFont

LIBERATION = Path("/usr/share/fonts/truetype/liberation2")
_REFERENCE_SIZE = 1000  # measure at 1000 px/em: advances are then in 1/1000 em

# Characters XML 1.0 cannot carry at all (lxml refuses them); the schema strips
# them already, but a renderer must never fail on hostile text.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Typeface:
    """A font family as the deck names it, with the files that measure it."""

    name: str
    regular: Path
    bold: Path


ARIAL = Typeface(
    "Arial",
    LIBERATION / "LiberationSans-Regular.ttf",
    LIBERATION / "LiberationSans-Bold.ttf",
)


@dataclass(frozen=True)
class Span:
    """A run of text in one style; `tag` is the renderer's own style key (colour etc.)."""

    text: str
    bold: bool = False
    tag: str = ""


Line = tuple[Span, ...]
T = TypeVar("T")


def xml_safe(text: str) -> str:
    """Text with every character XML 1.0 cannot hold removed."""
    return _XML_INVALID.sub("", text)


@lru_cache(maxsize=8)
def _font(path: Path) -> ImageFont.FreeTypeFont:
    # BASIC layout: no kerning or shaping, which can only make real text narrower.
    return ImageFont.truetype(str(path), _REFERENCE_SIZE, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=65536)
def _advance(path: Path, text: str) -> float:
    return float(_font(path).getlength(text))


def text_width(text: str, size_pt: float, face: Typeface = ARIAL, *, bold: bool = False) -> float:
    """The advance width of one line of text in points."""
    if not text:
        return 0.0
    return _advance(face.bold if bold else face.regular, text) * size_pt / _REFERENCE_SIZE


def line_height(size_pt: float, spacing: float = 1.2) -> float:
    """The exact line pitch the deck sets on paragraphs of this size."""
    return round(size_pt * spacing, 2)


def _break_word(word: str, width: float, size: float, face: Typeface, bold: bool) -> list[str]:
    # A word wider than the box is cut where it fills a line (URLs, hashes, ids).
    pieces: list[str] = []
    current = ""
    for ch in word:
        if current and text_width(current + ch, size, face, bold=bold) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    pieces.append(current)
    return pieces


def _tokens(spans: Sequence[Span]) -> list[list[tuple[str, Span]]]:
    """Words as lists of (text, span) pieces; a word can straddle two spans."""
    words: list[list[tuple[str, Span]]] = []
    glued = False  # whether the next piece continues the previous word
    for span in spans:
        parts = re.split(r"( +)", span.text.replace("\t", " "))
        for part in parts:
            if not part:
                continue
            if part.startswith(" "):
                glued = False
                continue
            if glued and words:
                words[-1].append((part, span))
            else:
                words.append([(part, span)])
            glued = True
    return words


def _word_width(word: list[tuple[str, Span]], size: float, face: Typeface) -> float:
    return sum(text_width(t, size, face, bold=s.bold) for t, s in word)


def wrap_spans(
    spans: Sequence[Span], width_pt: float, size_pt: float, face: Typeface = ARIAL
) -> list[Line]:
    """Greedy word wrap of one paragraph (no newlines) to `width_pt`; at least one line."""
    return list(_wrap(tuple(spans), width_pt, size_pt, face))


@lru_cache(maxsize=8192)
def _wrap(
    spans: tuple[Span, ...], width_pt: float, size_pt: float, face: Typeface
) -> tuple[Line, ...]:
    # Pagination measures the same paragraph at the same width more than once.
    lines: list[list[tuple[str, Span]]] = []
    current: list[tuple[str, Span]] = []
    current_width = 0.0
    for word in _tokens(spans):
        width = _word_width(word, size_pt, face)
        if width > width_pt:
            # Too wide for any line: cut it, piece by piece, starting on a fresh line.
            if current:
                lines.append(current)
            current, current_width = [], 0.0
            for text, span in word:
                for piece in _break_word(text, width_pt, size_pt, face, span.bold):
                    piece_width = text_width(piece, size_pt, face, bold=span.bold)
                    if current and current_width + piece_width > width_pt:
                        lines.append(current)
                        current, current_width = [], 0.0
                    current.append((piece, span))
                    current_width += piece_width
            continue
        if current:
            space = text_width(" ", size_pt, face, bold=current[-1][1].bold)
            if current_width + space + width <= width_pt:
                current.append((" ", current[-1][1]))
                current.extend(word)
                current_width += space + width
                continue
            lines.append(current)
        current, current_width = list(word), width
    lines.append(current)
    return tuple(_merge(line) for line in lines)


def _merge(pieces: list[tuple[str, Span]]) -> Line:
    out: list[tuple[str, bool, str]] = []
    for text, span in pieces:
        if out and out[-1][1] == span.bold and out[-1][2] == span.tag:
            out[-1] = (out[-1][0] + text, span.bold, span.tag)
        else:
            out.append((text, span.bold, span.tag))
    return tuple(Span(*piece) for piece in out)


def wrap(
    text: str, width_pt: float, size_pt: float, face: Typeface = ARIAL, *, bold: bool = False
) -> list[str]:
    """Plain text wrapped to `width_pt`: one string per line; newlines start new lines."""
    return [
        "".join(s.text for s in line)
        for para in text.split("\n")
        for line in wrap_spans([Span(para, bold)], width_pt, size_pt, face)
    ]


def line_count(
    text: str, width_pt: float, size_pt: float, face: Typeface = ARIAL, *, bold: bool = False
) -> int:
    """How many lines `text` takes at this width and size."""
    return len(wrap(text, width_pt, size_pt, face, bold=bold))


def paginate(
    heights: Sequence[float], capacity: float, *, first_capacity: float | None = None
) -> list[list[int]]:
    """Greedy pages of item indexes whose heights sum to at most the capacity (items never cut).

    An item taller than a page gets a page of its own. `first_capacity` lets the
    first page be shorter (e.g. below a row of tiles).
    """
    pages = flow(
        range(len(heights)),
        heights.__getitem__,
        lambda i, room: (None, i),
        room_first=capacity if first_capacity is None else first_capacity,
        room_rest=capacity,
        allow_overfull=True,
    )
    return [page for page in pages if page]


def flow(
    items: Iterable[T],
    height: Callable[[T], float],
    split: Callable[[T, float], tuple[T | None, T | None]],
    *,
    room_first: float,
    room_rest: float,
    allow_overfull: bool = False,
) -> list[list[T]]:
    """Items poured into pages in order; what does not fit continues on the next page.

    An item that does not fit the rest of a page moves whole to the next one
    when it fits a fresh page; only an item taller than a page is cut, by
    `split(item, room)` -> (the part that fits `room` or None, the rest or None).
    With `allow_overfull`, an item that cannot be cut gets a page of its own
    instead of raising ValueError.
    """
    pages: list[list[T]] = []
    current: list[T] = []
    used, room = 0.0, room_first
    queue = deque(items)
    while queue:
        item = queue.popleft()
        h = height(item)
        if used + h <= room or (allow_overfull and not current and h > room_rest):
            current.append(item)
            used += h
            continue
        if current and h <= room_rest:  # keep it whole: start the next page with it
            pages.append(current)
            current, used, room = [], 0.0, room_rest
            queue.appendleft(item)
            continue
        head, tail = split(item, room - used)
        if head is not None:
            current.append(head)
        elif not current:
            raise ValueError("the smallest piece of an item is taller than a page")
        else:
            tail = item
        pages.append(current)
        current, used, room = [], 0.0, room_rest
        if tail is not None:
            queue.appendleft(tail)
    if current or not pages:
        pages.append(current)
    return _no_widow(pages, height, room_rest)


def _no_widow(
    pages: list[list[T]], height: Callable[[T], float], room_rest: float
) -> list[list[T]]:
    """No continuation page holding a single item: take items over from the page before it.

    An item moves only while the last page still fits and the page before it
    keeps at least two items, so the fix never overflows or makes a new widow.
    """
    while len(pages) > 1 and len(pages[-1]) == 1 and len(pages[-2]) > 2:
        candidate = [pages[-2][-1], *pages[-1]]
        if sum(height(item) for item in candidate) > room_rest:
            break
        pages[-2], pages[-1] = pages[-2][:-1], candidate
    return pages
