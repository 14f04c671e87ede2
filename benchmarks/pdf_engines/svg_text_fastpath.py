"""An experiment, not shipped: WeasyPrint's SVG <text> drawn as one run instead of letter by letter.

WeasyPrint 70 lays out and draws every character of an SVG <text> element on
its own (`weasyprint/svg/text.py`: one pango layout per letter, to honour
per-letter x/y/dx/dy/rotate lists). Graphviz writes one x and one y per
<text>, no letter spacing and no textLength, so one layout per element gives
the same placement (with the font's kerning, which per-letter layout loses).
`patched()` swaps that in for a measurement of what an upstream fast path
would save; the figures are in docs/pdf-engines.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from math import inf
from typing import Any


@contextlib.contextmanager
def patched() -> Iterator[None]:
    """WeasyPrint's SVG text function replaced by one with a single-run fast path."""
    import weasyprint.svg as svg_package

    original = svg_package.text
    names = [k for k, v in svg_package.TAGS.items() if v is original]

    def text(svg: Any, node: Any, font_size: float) -> None:
        attrib = node.attrib
        simple = (
            node.text
            and not any(k in attrib for k in ("dx", "dy", "rotate", "textLength", "letter-spacing"))
            and len(str(attrib.get("x", "0")).split()) == 1
            and len(str(attrib.get("y", "0")).split()) == 1
            and not node.get("dominant-baseline")
            and not node.get("alignment-baseline")
            and not node.get("display-anchor")
        )
        if not simple:
            return original(svg, node, font_size)
        return _one_run(svg, node, font_size)

    # The drawing code both looks text up in TAGS and compares with its own global.
    svg_package.text = text
    svg_package.TAGS.update(dict.fromkeys(names, text))
    try:
        yield
    finally:
        svg_package.text = original
        svg_package.TAGS.update(dict.fromkeys(names, original))


def _one_run(svg: Any, node: Any, font_size: float) -> None:
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [
        f.strip("\"'") for f in node.get("font-family", "sans-serif").split(",")
    ]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or (
        int(weight) if str(weight).isdigit() else 400
    )
    style["font_size"] = font_size
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(node.attrib["x"], font_size, svg.inner_width) if "x" in node.attrib else None
    y = size(node.attrib["y"], font_size, svg.inner_height) if "y" in node.attrib else None
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_d_position[0] = svg.cursor_d_position[1] = 0
    svg.cursor_position = x + width, y
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box, ((x, y - baseline), (x + width, y - baseline + height))
    )
    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    box = TextBox(layout, style)
    box.baseline = baseline
    emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(a=1, d=-1, e=x, f=y))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
