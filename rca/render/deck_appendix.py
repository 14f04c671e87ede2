"""The deck's appendix, kept within the audience's slide budget.

Appendix sections queue their tables (`DeckBuilder.appendix_table`); once the
presented slides are made, `place_appendix` lays the tables out in the slides
the budget leaves, compacting step by step and only as far as it must:

1. as they are, each table on slides of its own;
2. dense: the deck's smallest table size, tighter cell margins, shorter rows;
3. small tables share a slide, each under its caption;
4. the least important rows fold into one closing line ("And 6 more events,
   in the review"), from the table that loses the fewest rows per slide saved;
5. when even that is too long, the last tables are left out and the notes of
   the last slide say what and where.

Presented slides are never dropped, no text goes below the deck's smallest
table size, and every layout is measured before it is drawn: nothing overflows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rca.render.pptx import TABLE_GAP, Column, DeckBuilder, Row, Style, TablePart, header_row

MARGIN_Y = 1.8  # points above and below a dense cell's text (half the usual)
APPENDIX = "Appendix: "


@dataclass(frozen=True)
class AppendixTable:
    """An appendix table and how it may be compacted to keep the deck within its budget.

    `short` holds the same rows, shorter (a first sentence instead of a
    paragraph); `rank` orders the rows by importance (lower stays longest;
    default: their order); `fold(hidden)` is the closing row that stands for the
    rows left out (their indices, and the `omitted` ones), or None when no row
    may be left out.
    """

    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: str
    name: str = ""  # a word for the title of a slide it shares ("causes"); default: the caption
    short: tuple[Row, ...] = ()
    rank: tuple[int, ...] = ()
    fold: Callable[[Sequence[int]], Row] | None = None
    min_rows: int = 3
    omitted: int = 0  # rows the section left out already: the fold line always shows
    # An audit trail: every row in full, on slides of its own, never left out.
    complete: bool = False
    folded_title: str | None = None  # the title once rows are left out, if it must change

    @property
    def caption(self) -> str:
        """The title without its "Appendix: ", as a caption on a shared slide."""
        name = self.title.removeprefix(APPENDIX)
        return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class _Part:
    table: int
    rows: tuple[Row, ...]
    continued: bool  # not the table's first slide
    whole: bool  # the table's only slide


@dataclass
class _Plan:
    """The tables laid out one way: how dense, whether they share slides, how many rows each keeps."""

    builder: DeckBuilder
    tables: Sequence[AppendixTable]
    dense: bool = False
    merge: bool = False
    kept: list[int] = field(default_factory=list)  # rows kept of each table, by rank
    dropped: set[int] = field(default_factory=set)  # tables left out

    def __post_init__(self) -> None:
        self.kept = self.kept or [len(t.rows) for t in self.tables]

    def source(self, i: int) -> tuple[Row, ...]:
        t = self.tables[i]
        return t.short if self.dense and t.short and not t.complete else t.rows

    def rows(self, i: int, kept: int | None = None) -> tuple[Row, ...]:
        """The rows table `i` shows: its `kept` most important, in order, then the fold line."""
        t, source = self.tables[i], self.source(i)
        k = self.kept[i] if kept is None else kept
        if t.fold is None or t.complete or (k >= len(source) and not t.omitted):
            return source
        order = sorted(range(len(source)), key=lambda j: (t.rank[j] if t.rank else 0, j))
        keep = set(order[:k])
        hidden = [j for j in range(len(source)) if j not in keep]
        return (*(source[j] for j in sorted(keep)), t.fold(hidden))

    def title(self, i: int) -> str:
        t = self.tables[i]
        return t.folded_title if t.folded_title and self.kept[i] < len(t.rows) else t.title

    def size(self, i: int) -> float:
        """The dense size, or the table's usual choice: the smaller size only when it saves a slide."""
        sizes = self.builder.style.table
        if self.dense:
            return min(sizes)
        rows, columns = self.rows(i), self.tables[i].columns
        counts = [len(self.builder.table_pages(columns, rows, s)) for s in sizes]
        return sizes[counts.index(min(counts))]

    def slides(self, override: tuple[int, int] | None = None) -> list[list[_Part]]:
        """The slides of this plan (with table `override[0]` keeping `override[1]` rows)."""
        b = self.builder
        room = b.table_room() - 1  # a point of slack for the rounding to EMU when drawn
        caption = b.caption_height()
        gap = TABLE_GAP
        out: list[list[_Part]] = []
        used = 0.0
        for i, t in enumerate(self.tables):
            if i in self.dropped:
                continue
            k = override[1] if override and override[0] == i else None
            rows, size = self.rows(i, k), self.size(i)
            whole = b.table_row_height(t.columns, _header(t), size) + sum(
                b.table_row_height(t.columns, r, size) for r in rows
            )
            last = out[-1] if out else []
            alone = t.complete or any(self.tables[p.table].complete for p in last)
            if self.merge and last and not alone and all(p.whole for p in last):
                first = caption if len(last) == 1 else 0.0
                if used + first + gap + caption + whole <= room:
                    last.append(_Part(i, rows, False, True))
                    used += first + gap + caption + whole
                    continue
            pages = b.table_pages(t.columns, rows, size)
            out += [[_Part(i, tuple(p), n > 0, len(pages) == 1)] for n, p in enumerate(pages)]
            used = b.table_row_height(t.columns, _header(t), size) + sum(
                b.table_row_height(t.columns, r, size) for r in pages[-1]
            )
        return out


def _header(t: AppendixTable) -> Row:
    return header_row(t.columns)


def _dense(style: Style) -> Style:
    return replace(style, table=(min(style.table),), cell_y=min(style.cell_y, MARGIN_Y))


def place_appendix(b: DeckBuilder, budget: int) -> None:
    """Draw the queued appendix tables in the slides the budget leaves after the presented ones."""
    tables: list[AppendixTable] = b.appendix
    if not tables:
        return
    room = budget - len(b.prs.slides)
    usual = b.style
    plan = _Plan(b, tables)
    if len(plan.slides()) <= room:  # as they are: the slides every deck had before budgets
        for i, t in enumerate(tables):
            b.table_slides(t.title, t.columns, plan.rows(i), t.notes)
        return
    b.style = _dense(usual)
    try:
        plan = _fit(b, tables, room)
        _draw(b, plan)
    finally:
        b.style = usual


def _fit(b: DeckBuilder, tables: Sequence[AppendixTable], room: int) -> _Plan:
    """The least compacted plan that fits `room` slides (steps 2 to 5 of the module's list)."""
    plan = _Plan(b, tables, dense=True)
    if len(plan.slides()) <= room:
        return plan
    plan.merge = True
    count = len(plan.slides())
    while count > room:
        best: tuple[int, int, int] | None = None  # (rows lost, -table, rows kept)
        for i in _foldable(plan):
            n, low = plan.kept[i], min(tables[i].min_rows, plan.kept[i])
            if n <= low or len(plan.slides((i, low))) >= count:
                continue
            while low < n - 1:  # the most rows that still save a slide
                mid = (low + n) // 2
                if len(plan.slides((i, mid))) < count:
                    low = mid
                else:
                    n = mid
            if best is None or (plan.kept[i] - low, -i) < best[:2]:
                best = (plan.kept[i] - low, -i, low)
        if best is not None:
            plan.kept[-best[1]] = best[2]
        elif not _fold_together(plan, room):
            # Step 5: the last table that may go, the audit trail only when nothing else is left.
            left = [i for i in range(len(tables)) if i not in plan.dropped]
            last = [i for i in left if not tables[i].complete] or left
            if not last:
                break
            plan.dropped.add(last[-1])
        count = len(plan.slides())
    return plan


def _foldable(plan: _Plan) -> list[int]:
    return [
        i
        for i, t in enumerate(plan.tables)
        if i not in plan.dropped and t.fold is not None and not t.complete
    ]


def _fold_together(plan: _Plan, room: int) -> bool:
    """Fold every table to its fewest rows, then give rows back, table by table, while it fits."""
    before = list(plan.kept)
    for i in _foldable(plan):
        plan.kept[i] = min(plan.tables[i].min_rows, plan.kept[i])
    if len(plan.slides()) > room:
        plan.kept = before
        return False
    for i in _foldable(plan):
        low, high = plan.kept[i], before[i] + 1  # low fits, high does not (or is past all rows)
        while low < high - 1:
            mid = (low + high) // 2
            if len(plan.slides((i, mid))) <= room:
                low = mid
            else:
                high = mid
        plan.kept[i] = low
    return True


def _draw(b: DeckBuilder, plan: _Plan) -> None:
    tables = plan.tables
    slides = plan.slides()
    left_out = [t.caption.lower() for i, t in enumerate(tables) if i in plan.dropped]
    for n, parts in enumerate(slides):
        named = [tables[p.table] for p in parts]
        if len(parts) == 1:
            title = plan.title(parts[0].table) + (" (continued)" if parts[0].continued else "")
        else:
            names = [t.name or t.caption.lower() for t in named]
            title = APPENDIX + ", ".join(names[:-1]) + " and " + names[-1]
        notes = [
            ("(Continued.) " if p.continued else "") + t.notes
            for p, t in zip(parts, named, strict=True)
        ]
        notes += [r.note for p in parts for r in p.rows if r.note]
        if left_out and n == len(slides) - 1:
            notes.append(_left_out(left_out))
        b.tables_slide(
            title,
            [
                TablePart(
                    t.caption if len(parts) > 1 else None,
                    t.columns,
                    p.rows,
                    min(b.style.table),
                )
                for p, t in zip(parts, named, strict=True)
            ],
            "\n".join(notes),
        )
    if left_out and not slides and len(b.prs.slides):
        frame = b.prs.slides[-1].notes_slide.notes_text_frame
        frame.add_paragraph().text = _left_out(left_out)


def _left_out(names: Sequence[str]) -> str:
    return (
        f"For the deck's slide budget, the appendix leaves out: {'; '.join(names)}. "
        "They are in the review."
    )
