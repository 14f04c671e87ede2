"""Briefs as HTML: one set of templates for the screen and, through WeasyPrint, for print.

The audience's profile names the brief template and its sections; the
template includes one partial per section, so adding a section is adding a
file. Autoescaping is on for every template and record text is only ever
template *data*: it reaches element content and quoted attributes, never a
URL, a style or the template source. Diagrams are inlined as sanitised SVG.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import jinja2
from markupsafe import Markup

from rca.analyse.metrics import format_duration
from rca.errors import RcaError
from rca.render import formatting
from rca.render.brief import brief_view, gist
from rca.render.diagrams import PRINT_AREAS
from rca.render.fetch import asset_url, data_url, fetch
from rca.render.names import cause_title
from rca.render.registry import Diagram, RenderInput
from rca.templating import builtin_template_dir, render_template, template_environment


class HtmlRenderer:
    """The audience's brief as one self-contained HTML file (styles and diagrams inline)."""

    extension = "html"
    media_type = "text/html; charset=utf-8"
    raster_diagrams = False

    def render(self, data: RenderInput) -> bytes:
        """The brief's HTML, UTF-8."""
        return brief_html(data).encode("utf-8")


def brief_html(data: RenderInput) -> str:
    """The brief for one audience, as the HTML both the .html and the .pdf are made from."""
    made = data.made.get("brief_html")
    if made is None:  # rendered once per audience, whichever renderer asks first
        made = data.made["brief_html"] = _brief_html(data)
    return str(made)


def _brief_html(data: RenderInput) -> str:
    dirs = tuple(Path(d) for d in data.template_dirs)
    context = data.context
    name = context["audience"]["brief"]["template"]
    env = brief_environment(dirs)
    return render_template(
        env,
        name,
        {
            **context,
            "brief": brief_view(context),
            "diagrams": {key: diagram_view(d) for key, d in data.diagrams.items()},
        },
        what=f"brief (audience {context['audience']['id']!r})",
        searched=template_roots(dirs),
    )


def template_roots(user_dirs: Sequence[Path]) -> list[Path]:
    """Folders templates and bundled assets come from, in search order."""
    return [*user_dirs, builtin_template_dir()]


@functools.lru_cache(maxsize=16)
def brief_environment(user_dirs: tuple[Path, ...] = ()) -> jinja2.Environment:
    """The jinja environment for briefs: autoescaped, strict, with the brief filters."""
    env = template_environment(user_dirs, html=True)
    if env.autoescape is not True:  # record text must never reach HTML unescaped
        raise RcaError("the brief template environment must autoescape")
    roots = template_roots(user_dirs)
    env.filters.update(
        label=_label,
        day=formatting.day,
        day_month=formatting.day_month,
        gist=gist,
        time=formatting.clock_time,
        weekday=formatting.weekday,
        utc_offset=formatting.utc_offset,
        duration=format_duration,
        letter=lambda n: chr(ord("A") + int(n)),
        review_phrase=formatting.review_phrase,
        severity_scale=_severity_scale,
        cause_title=cause_title,
        counted=_counted,
    )
    env.globals["asset"] = lambda name: data_url(fetch(asset_url(name), roots))
    return env


@jinja2.pass_context
def _severity_scale(ctx: jinja2.runtime.Context, code: str) -> str:
    return formatting.severity_scale(ctx["labels"], code)


@jinja2.pass_context
def _counted(ctx: jinja2.runtime.Context, n: int, code: str) -> str:
    """`549 account IDs`, `1 IP address`: a count of a code's label inside a sentence."""
    return formatting.plural(n, formatting.sentence_case(formatting.label(ctx["labels"], code)))


@jinja2.pass_context
def _label(ctx: jinja2.runtime.Context, code: str | None) -> str:
    return formatting.label(ctx["labels"], code)


# --------------------------------------------------------------------------- diagrams

SVG_NS = "http://www.w3.org/2000/svg"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# What a diagram may contain: shapes, text, groups, gradients. Anything else
# (script, foreignObject, image, use, style, animate, iframe...) is dropped
# with its content; links are unwrapped, keeping what they contain.
SVG_ELEMENTS = {
    "svg",
    "g",
    "title",
    "desc",
    "path",
    "polygon",
    "polyline",
    "line",
    "rect",
    "circle",
    "ellipse",
    "text",
    "tspan",
    "defs",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "marker",
}
SVG_UNWRAP = {"a", "switch"}
# A diagram this much wider than tall is printed on a landscape page of its own.
WIDE = 1.3
_ATTR_NAME = re.compile(r"[A-Za-z_][-A-Za-z0-9_.:]*")
# In any attribute value (style included): external references, script URLs,
# CSS at-rules and escapes that could spell either.
_BAD_VALUES = ("url(", "javascript:", "@", "\\", "expression(", "image-set(", "src(")
_LOCAL_URL = re.compile(r"url\(\s*#([-A-Za-z0-9_.:]+)\s*\)")


def diagram_view(diagram: Diagram) -> dict[str, Any]:
    """A diagram as templates use it: title, alt text, the sanitised inline SVG, orientation."""
    orientation, svg = _inline(diagram.svg, diagram.title, diagram.alt, diagram.name)
    return {
        "name": diagram.name,
        "title": diagram.title,
        "alt": diagram.alt,
        "orientation": orientation,
        "svg": svg,
        "omitted": list(diagram.omitted),
    }


@functools.lru_cache(maxsize=64)
def _inline(svg: str, title: str, alt: str, scope: str) -> tuple[str, Markup]:
    # A pure function of its arguments, and most of a warm brief's time when
    # diagrams repeat (the HTML and the PDF of one audience, every preview refresh).
    root = _parse_svg(svg)
    width, height = svg_size(root)
    orientation = "landscape" if _landscape(width, height) else "portrait"
    return orientation, _sanitised(root, title=title, alt=alt, scope=scope)


def _landscape(width: float, height: float) -> bool:
    """Whether a drawing prints larger on a landscape page than on a portrait one."""
    if width <= 0 or height <= 0:
        return False
    (pw, ph), (lw, lh) = PRINT_AREAS
    landscape, portrait = min(1.0, lw / width, lh / height), min(1.0, pw / width, ph / height)
    return landscape > portrait or width >= WIDE * height


def sanitise_svg(svg: str, *, title: str, alt: str, scope: str = "svg") -> Markup:
    """SVG safe to inline: allow-listed elements, no scripts, handlers, links or external URLs.

    The result is labelled for assistive technology (role="img", aria-label,
    and a <title>/<desc> as its first children). Its ids, and the local
    references to them, are prefixed with `scope`, so that several diagrams
    (graphviz names every graph "graph0") can share one page.
    """
    return _sanitised(_parse_svg(svg), title=title, alt=alt, scope=scope)


def svg_size(root: ET.Element) -> tuple[float, float]:
    """An SVG's width and height in its own units: from the viewBox, else width/height."""
    box = re.split(r"[\s,]+", root.get("viewBox", "").strip())
    try:
        if len(box) == 4:
            return float(box[2]), float(box[3])
        return (
            float(re.sub(r"[a-z%]+$", "", root.get("width", "0"))),
            float(re.sub(r"[a-z%]+$", "", root.get("height", "0"))),
        )
    except ValueError:
        return 0.0, 0.0


def _parse_svg(svg: str) -> ET.Element:
    if "<!ENTITY" in svg:
        raise RcaError("diagram SVG declares XML entities; refusing to parse it")
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise RcaError(f"diagram SVG is not well-formed XML: {exc}") from None
    if _local(root.tag) != "svg":
        raise RcaError(f"diagram SVG has root element <{_local(root.tag)}>, expected <svg>")
    return root


def _sanitised(root: ET.Element, *, title: str, alt: str, scope: str) -> Markup:
    attrs = {
        k: v for k, v in _safe_attributes(root, scope).items() if k not in ("role", "aria-label")
    }
    head = f"<title>{escape(title)}</title>" + (f"<desc>{escape(alt)}</desc>" if alt else "")
    body: list[str] = []
    _write_children(root, scope, body, skip_titles=True)
    opening = "".join(f" {k}={_quoted(v)}" for k, v in attrs.items())
    return Markup(
        f'<svg xmlns="{SVG_NS}" role="img" aria-label={quoteattr(alt or title)}{opening}>'
        f"{head}{''.join(body)}</svg>"
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


# A diagram has thousands of elements and attributes in a small vocabulary: each
# tag's and attribute name's verdict is worked out once, and values and text
# are only run through the slow checks when they hold a character that matters.
@functools.lru_cache(maxsize=1024)
def _element_name(tag: object) -> str:
    """The SVG element name a parsed tag stands for; "" for comments and other vocabularies."""
    text = tag if isinstance(tag, str) else ""
    return _local(text) if not text.startswith("{") or text.startswith("{" + SVG_NS + "}") else ""


@functools.lru_cache(maxsize=1024)
def _attribute_name(key: str) -> str | None:
    """The name an attribute keeps in the output, or None when it is dropped whatever its value."""
    if key.startswith("{"):
        if not key.startswith("{" + XML_NS + "}"):
            return None  # xlink:href and every other namespaced attribute
        key = "xml:" + _local(key)
    lowered = key.lower()
    if (
        not _ATTR_NAME.fullmatch(key)
        or lowered.startswith("on")
        or lowered.endswith("href")
        # class: the page's stylesheet must not restyle a diagram by accident.
        or lowered in ("xmlns", "src", "class")
        or lowered.startswith("xmlns:")
    ):
        return None
    return key


# Every entry of _BAD_VALUES holds one of these; lower() never makes one of them.
_MAYBE_BAD = re.compile(r"[(:@\\]")
_MARKUP = re.compile(r"[&<>]")
_QUOTING = re.compile("[&<>\"'\n\r\t]")


def _text(data: str) -> str:
    """`escape(data)`, without its three replacements when there is nothing to replace."""
    return escape(data) if _MARKUP.search(data) else data


def _quoted(value: str) -> str:
    """`quoteattr(value)`, without its replacements when there is nothing to replace."""
    return quoteattr(value) if _QUOTING.search(value) else f'"{value}"'


def _write_children(
    element: ET.Element, scope: str, out: list[str], *, skip_titles: bool = False
) -> None:
    """Append the sanitised markup of `element`'s children (and their tails) to `out`."""
    for child in element:
        name = _element_name(child.tag)
        if name in SVG_UNWRAP:
            if child.text:
                out.append(_text(child.text))
            _write_children(child, scope, out)
        elif name in SVG_ELEMENTS and not (skip_titles and name in ("title", "desc")):
            out.append(f"<{name}{_attribute_markup(child, scope)}>")
            if child.text and name != "svg":
                out.append(_text(child.text))
            _write_children(child, scope, out)
            out.append(f"</{name}>")
        if child.tail:
            out.append(_text(child.tail))


# A value holding none of these needs no check, no rewriting and no escaping.
_PLAIN_VALUE = re.compile("[(:@\\\\&<>\"'\n\r\t]")


def _attribute_markup(element: ET.Element, scope: str) -> str:
    """`_safe_attributes` written out as ` name="value"` pairs, the common values fast.

    The names of a parsed element's attributes are distinct once kept (only the
    XML namespace's are renamed, to a prefix no other attribute can have), so
    writing them as they come gives what the dict of `_safe_attributes` would.
    """
    return "".join(
        f' {name}="{value}"' if plain else f" {name}={_quoted(value)}"
        for name, value, plain in _kept_attributes(element, scope)
    )


def _safe_attributes(element: ET.Element, scope: str) -> dict[str, str]:
    return {name: value for name, value, _ in _kept_attributes(element, scope)}


def _kept_attributes(element: ET.Element, scope: str) -> Iterator[tuple[str, str, bool]]:
    """Each attribute the sanitiser keeps, as (name, value, plain): the one place that
    decides. `plain`: the value holds nothing to check, rewrite or escape."""
    for key, value in element.attrib.items():
        name = _attribute_name(key)
        if name is None:
            continue
        if name != "id" and not _PLAIN_VALUE.search(value):
            yield name, value, True
            continue
        if _MAYBE_BAD.search(value):
            text = _LOCAL_URL.sub("", value.lower())
            if any(bad in text for bad in _BAD_VALUES):
                continue
        if name == "id":
            value = f"{scope}-{value}"
        if "(" in value:
            value = _LOCAL_URL.sub(lambda m: f"url(#{scope}-{m[1]})", value)
        yield name, value, False
