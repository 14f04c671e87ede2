"""The rows of an HTML table, read with the standard library's parser (not rca's own)."""

from __future__ import annotations

from collections.abc import Sequence
from html.parser import HTMLParser


def table_rows(html: str, css_class: str, cells: Sequence[str] = ("td", "th")) -> list[list[str]]:
    """Each row of every table whose class holds `css_class`: its `cells`' text, spaces folded.

    A row with none of `cells` (a header row when only "td" is asked for) is an empty list.
    """
    parser = _Rows(css_class, tuple(cells))
    parser.feed(html)
    parser.close()
    return parser.rows


class _Rows(HTMLParser):
    def __init__(self, css_class: str, cells: tuple[str, ...]) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._class = css_class
        self._cells = cells
        self._in = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and self._class in (dict(attrs).get("class") or ""):
            self._in = True
        elif self._in and tag == "tr":
            self.rows.append([])
        elif self._in and tag in self._cells:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in = False
        elif tag in self._cells and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
