"""Output formats as a registry: a renderer per extension, built-ins registered like plugins.

A third party adds a format through the `rca.renderers` entry-point group; its
value is a zero-argument factory returning a `Renderer`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol

from rca.errors import UsageError


@dataclass(frozen=True)
class Diagram:
    """One laid-out diagram: its DOT source, SVG (for HTML/PDF) and PNG (for decks)."""

    name: str  # e.g. "fishbone"
    title: str  # human title, also the alt text's first sentence
    alt: str  # alt text describing what the diagram shows
    dot: str
    svg: str
    png: bytes
    width_px: int
    height_px: int


@dataclass(frozen=True)
class RenderInput:
    """What every renderer gets: the audience's context and its diagrams."""

    context: dict[str, Any]
    diagrams: dict[str, Diagram]
    template_dirs: tuple[Any, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # e.g. pptx master, stylesheet


class Renderer(Protocol):
    """Turns one audience's context into the bytes of one output file."""

    extension: str
    media_type: str
    # True when the format embeds diagrams as PNG (decks); SVG-only formats leave
    # it False, and a build of only those skips rasterising altogether.
    raster_diagrams: bool

    def render(self, data: RenderInput) -> bytes:
        """The file's content."""
        ...


# Built-ins, by extension -> "module:factory"; imported only when used, so that
# `rca validate` never pays for WeasyPrint or python-pptx.
_BUILTIN: dict[str, str] = {
    "pptx": "rca.render.pptx:PptxRenderer",
    "html": "rca.render.html:HtmlRenderer",
    "pdf": "rca.render.pdf:PdfRenderer",
}
_CACHE: dict[str, Renderer] = {}


def available_formats() -> list[str]:
    """Every registered extension (built-ins and entry points)."""
    extra = {ep.name for ep in entry_points(group="rca.renderers")}
    return sorted(set(_BUILTIN) | extra)


def get_renderer(extension: str) -> Renderer:
    """The renderer for an extension; created once per process and kept warm."""
    if extension in _CACHE:
        return _CACHE[extension]
    factory: Callable[[], Renderer]
    if extension in _BUILTIN:
        module, _, name = _BUILTIN[extension].partition(":")
        factory = getattr(importlib.import_module(module), name)
    else:
        found = [ep for ep in entry_points(group="rca.renderers") if ep.name == extension]
        if not found:
            raise UsageError(
                f"unknown format '{extension}'; expected one of: {', '.join(available_formats())}"
            )
        factory = found[0].load()
    _CACHE[extension] = factory()
    return _CACHE[extension]
