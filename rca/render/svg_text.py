"""WeasyPrint's SVG <text> drawn as one run of glyphs instead of one letter at a time.

WeasyPrint 70 lays out and draws every character of an SVG `<text>` on its own
(one pango layout per letter, so that per-letter `x`/`dy`/`rotate` lists
work). Graphviz writes one `x` and one `y` per `<text>` and nothing per
letter, so a single layout places the same glyphs, with the font's kerning
that letter-by-letter layout loses. On the specialist brief (≈400 diagram
text elements) the brief drops from 2.52 to 1.81 s of CPU (docs/performance.md).

Only `<text>` elements with a single `x` and `y`, no children and none of the
per-letter or baseline attributes take the fast path; everything else goes to
WeasyPrint's own function. `install` does nothing unless WeasyPrint's
internals are the ones this was measured against (70.x), so an upgrade falls
back to stock behaviour instead of breaking.
"""

from __future__ import annotations

from collections.abc import Callable
from math import inf
from typing import Any, cast

# Attributes that need WeasyPrint's letter-by-letter path.
_PER_LETTER = (
    "dx",
    "dy",
    "rotate",
    "textLength",
    "lengthAdjust",
    "letter-spacing",
    "dominant-baseline",
    "alignment-baseline",
    "display-anchor",
    "direction",
)
_installed: dict[str, Any] = {}


def install() -> bool:
    """Put the fast path in front of WeasyPrint's SVG text function; True if it is in place."""
    if "original" in _installed:
        return True
    import weasyprint
    import weasyprint.svg as svg

    original: Any = getattr(svg, "text", None)
    tags: Any = getattr(svg, "TAGS", None)
    if (
        not weasyprint.__version__.startswith("70.")
        or not callable(original)
        or getattr(original, "__module__", "") != "weasyprint.svg.text"
        or not isinstance(tags, dict)
        or tags.get("text") is not original
    ):
        return False

    stock = cast(Callable[[Any, Any, float], None], original)

    def text(svg_drawing: Any, node: Any, font_size: float) -> None:
        if _simple(node):
            _one_run(svg_drawing, node, font_size)
        else:
            stock(svg_drawing, node, font_size)

    names = [name for name, function in tags.items() if function is original]
    # The drawing code looks the function up in TAGS and also compares with its own global.
    svg.text = text
    tags.update(dict.fromkeys(names, text))
    _installed.update(original=original, names=names)
    return True


def uninstall() -> None:
    """Back to WeasyPrint's own function (tests)."""
    if "original" not in _installed:
        return
    import weasyprint.svg as svg

    svg.text = _installed["original"]
    svg.TAGS.update(dict.fromkeys(_installed["names"], _installed["original"]))
    _installed.clear()


def _simple(node: Any) -> bool:
    from weasyprint.svg.utils import normalize

    attrib = node.attrib
    return bool(
        node.tag == "text"
        and node.text
        and len(node._etree_node) == 0  # no tspan or other child elements
        and "x" in attrib
        and "y" in attrib
        and len(normalize(attrib["x"]).split()) == 1
        and len(normalize(attrib["y"]).split()) == 1
        and not any(name in attrib for name in _PER_LETTER)
    )


def _one_run(svg: Any, node: Any, font_size: float) -> None:
    """WeasyPrint's `svg.text.text` for one positioned run: one layout, one draw."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import normalize, size
    from weasyprint.text.line_break import split_first_line

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [
        f.strip("\"'") for f in node.get("font-family", "sans-serif").split(",")
    ]
    style["font_style"] = node.get("font-style", "normal")
    weight = str(node.get("font-weight", 400))
    style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or (
        int(weight) if weight.isdigit() else 400
    )
    style["font_size"] = font_size
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(normalize(node.attrib["x"]).strip(), font_size, svg.inner_width)
    y = size(normalize(node.attrib["y"]).strip(), font_size, svg.inner_height)
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
