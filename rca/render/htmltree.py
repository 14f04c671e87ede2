"""The HTML brief as a plain tree of elements and strings, for a layout engine that is not a browser.

The Typst engine (`rca.render.typst`) prints the very HTML the `.html` brief
is, so that both carry the same content by construction and a template
override changes both. This module reads that HTML into JSON-ready data:
an element is `{"t": tag, "c": classes, "k": [children]}` (plus `id`, `span`
and friends where present), text is a `str` with HTML's whitespace rules
already applied. Nothing is evaluated: record text stays a string from the
jinja output to Typst, which sets a string as text and never as markup.

Inline SVG (the diagrams) is lifted out before parsing: each becomes
`{"t": "svg", "i": n}` and its markup the n-th entry of the `svgs` list, so
the HTML parser never walks path data (most of a brief's bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

# Elements whose content is never printed.
_SKIP = {"head", "script", "style", "template", "noscript", "title"}
# Elements that hold no content and have no end tag.
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"}
# Block-level elements: whitespace at their edges does not print.
BLOCKS = {
    "html",
    "body",
    "header",
    "footer",
    "main",
    "nav",
    "section",
    "article",
    "aside",
    "div",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "figure",
    "figcaption",
    "blockquote",
    "pre",
    "hr",
}
# Attributes a layout needs; everything else (style, on*, aria-*) is dropped.
_KEEP = {
    "id": "id",
    "href": "href",
    "colspan": "cs",
    "rowspan": "rs",
    "scope": "scope",
    "src": "src",
}
_ALT = {"alt", "aria-label"}
_SVG = re.compile(r"<svg\b.*?</svg\s*>", re.DOTALL | re.IGNORECASE)
_SPACE = re.compile(r"[ \t\n\r\f]+")


@dataclass
class Tree:
    """A parsed brief: its body element, the lifted SVGs, the document's title and language."""

    body: dict[str, Any]
    svgs: list[str] = field(default_factory=list)
    title: str = ""
    lang: str = ""


def html_tree(html: str) -> Tree:
    """Read an HTML document into a `Tree`, whitespace collapsed as a browser would."""
    svgs: list[str] = []

    def lift(match: re.Match[str]) -> str:
        svgs.append(match.group(0))
        return f'<rca-svg data-i="{len(svgs) - 1}"></rca-svg>'

    parser = _Parser()
    parser.feed(_SVG.sub(lift, html))
    parser.close()
    body = parser.body or {"t": "body", "c": "", "k": []}
    _collapse(body)
    return Tree(body, svgs, _SPACE.sub(" ", parser.title).strip(), parser.lang)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, Any]] = [{"t": "#root", "c": "", "k": []}]
        self.skip = 0
        self.body: dict[str, Any] | None = None
        self.title = ""
        self.in_title = False
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        if tag == "title":
            self.in_title = True
        if self.skip or tag in _SKIP:
            if tag not in _VOID:
                self.skip += 1
            return
        node: dict[str, Any] = {"t": tag, "c": values.get("class", ""), "k": []}
        for key, short in _KEEP.items():
            if key in values:
                node[short] = values[key]
        for key in _ALT:
            if values.get(key):
                node["alt"] = values[key]
        if values.get("aria-hidden") == "true":
            node["hidden"] = True
        if tag == "rca-svg":  # a lifted diagram: a leaf; its end tag closes nothing
            self.stack[-1]["k"].append({"t": "svg", "i": int(values["data-i"]), "c": "", "k": []})
            return
        self.stack[-1]["k"].append(node)
        if tag == "body":
            self.body = node
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and not self.skip and self.stack[-1]["t"] == tag:
            self.stack.pop()
        elif tag not in _VOID and self.skip and tag in _SKIP:
            self.skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skip:
            if tag not in _VOID:
                self.skip -= 1
            return
        # Close up to the matching element (HTML lets some end tags be implied).
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth]["t"] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if not self.skip:
            self.stack[-1]["k"].append(data)


def _collapse(root: dict[str, Any]) -> None:
    """HTML's white-space rules: runs collapse to one space, none at a block's edges.

    One pass in document order, as a browser lays out a line: a space prints
    only after something that is not a space, on the same line box.
    """
    _runs(root, False)
    state = {"space": True}  # True: at a line's start, or just after a space
    _spaces(root, state)


def _runs(node: dict[str, Any], pre: bool) -> None:
    pre = pre or node["t"] == "pre"
    kids: list[Any] = []
    for kid in node["k"]:
        if isinstance(kid, str):
            text = kid if pre else _SPACE.sub(" ", kid)
            if kids and isinstance(kids[-1], str):
                kids[-1] += text
            elif text:
                kids.append(text)
        else:
            _runs(kid, pre)
            kids.append(kid)
    node["k"] = kids
    if pre:
        node["pre"] = True


def _spaces(node: dict[str, Any], state: dict[str, bool]) -> None:
    block = _is_block(node)
    if block:
        state["space"] = True
    kids: list[Any] = []
    for kid in node["k"]:
        if isinstance(kid, str):
            if not node.get("pre"):
                if state["space"]:
                    kid = kid.lstrip(" ")
                if kid:
                    state["space"] = kid.endswith(" ")
            elif kid:
                state["space"] = False
            if kid:
                kids.append(kid)
        else:
            _spaces(kid, state)
            kids.append(kid)
            if kid["t"] == "br":
                state["space"] = True
    node["k"] = kids
    if block:
        _strip_end(node)
        state["space"] = True


def _strip_end(node: dict[str, Any]) -> None:
    # The space before a block's end (or before a block child) never prints.
    kids = node["k"]
    for i in range(len(kids)):
        nxt = kids[i + 1] if i + 1 < len(kids) else None
        if nxt is None or (isinstance(nxt, dict) and _is_block(nxt)):
            _rstrip_last(kids, i)
    node["k"] = [k for k in kids if k != ""]


def _rstrip_last(kids: list[Any], i: int) -> None:
    kid = kids[i]
    if isinstance(kid, str):
        kids[i] = kid.rstrip(" ")
    elif not _is_block(kid) and kid["k"]:
        _rstrip_last(kid["k"], len(kid["k"]) - 1)
        kid["k"] = [k for k in kid["k"] if k != ""]


def _is_block(node: dict[str, Any]) -> bool:
    return node["t"] in BLOCKS or node["t"] == "svg"


def text_of(node: dict[str, Any] | str) -> str:
    """All the text under a node, as the tree holds it."""
    if isinstance(node, str):
        return node
    return "".join(text_of(k) for k in node.get("k", ()))
