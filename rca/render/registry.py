"""Output formats as a registry: a renderer per extension, built-ins registered like plugins.

A third party adds a format through the `rca.renderers` entry-point group; its
value is a zero-argument factory returning a `Renderer`.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
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
    # Causes a summarised diagram leaves out (a large record's causal graph);
    # a brief lists them beside it.
    omitted: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderInput:
    """What every renderer gets: the audience's context and its diagrams."""

    context: dict[str, Any]
    diagrams: dict[str, Diagram]
    template_dirs: tuple[Any, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # e.g. pptx master, stylesheet
    # What one renderer made from this input that another can reuse (the brief's
    # HTML, which both the PDF and the HTML renderer start from).
    made: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


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


# Optional, read with getattr by rca.pipeline:
# - `uses_diagrams: bool` (default True): False when `render` never reads
#   `data.diagrams`; the build then runs it while graphviz lays them out, and
#   gives it a RenderInput whose `diagrams` may still be empty.
# - `start(data) -> Started`: begin the work and return at once, for a renderer
#   whose work runs outside the interpreter (Typst's child process);
#   `start(data).result()` must equal `render(data)`.


class Started(Protocol):
    """A renderer's work begun by `start`: collect it once, or cancel it."""

    def result(self) -> bytes:
        """The file's content, waiting for it (raises what `render` would)."""
        ...

    def cancel(self) -> None:
        """Give the work up (nothing of it may keep running); no-op once collected."""
        ...


# Built-ins, by extension -> "module:factory"; imported only when used, so that
# `rca validate` never pays for WeasyPrint or python-pptx.
_BUILTIN: dict[str, str] = {
    "pptx": "rca.render.pptx:PptxRenderer",
    "html": "rca.render.html:HtmlRenderer",
}
# The PDF briefs have two engines (docs/pdf-engines.md); `pdf` is whichever
# is chosen: `--pdf-engine`, else RCA_PDF_ENGINE, else the default. The choice
# lives in the environment so that batch workers inherit it.
PDF_ENGINES: dict[str, str] = {
    "weasyprint": "rca.render.pdf:PdfRenderer",
    "typst": "rca.render.typst:TypstRenderer",
}
DEFAULT_PDF_ENGINE = "typst"  # docs/pdf-engines.md: the decision and its figures
PDF_ENGINE_VARIABLE = "RCA_PDF_ENGINE"
_CACHE: dict[str, Renderer] = {}


def pdf_engine() -> str:
    """The PDF engine in use: RCA_PDF_ENGINE if set, else the default."""
    name = os.environ.get(PDF_ENGINE_VARIABLE, "").strip().lower() or DEFAULT_PDF_ENGINE
    if name not in PDF_ENGINES:
        raise UsageError(
            f"unknown PDF engine '{name}' ({PDF_ENGINE_VARIABLE}); "
            f"expected one of: {', '.join(PDF_ENGINES)}"
        )
    return name


@contextlib.contextmanager
def using_pdf_engine(name: str) -> Iterator[None]:
    """Render PDFs with engine `name` inside the block, then restore the choice before it."""
    previous = os.environ.get(PDF_ENGINE_VARIABLE)
    set_pdf_engine(name)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PDF_ENGINE_VARIABLE, None)
        else:
            os.environ[PDF_ENGINE_VARIABLE] = previous


def stylesheet_engine(
    template_dirs: Sequence[Path],
    *,
    stylesheets: Sequence[str] = ("briefs/style.css",),
    typst_folder: str = "briefs/typst",
    nouns: tuple[str, str] = ("brief", "briefs"),
) -> tuple[str | None, str | None]:
    """(The engine to print with, a one-line notice) when an organisation's `briefs/style.css` is in play.

    The stylesheet styles the HTML brief and WeasyPrint's PDF; Typst prints by
    its own template (`briefs/typst/brief.typ`) and reads no CSS. So when the
    organisation overrides the stylesheet but gives no Typst template and no
    engine was chosen, the PDF is printed by WeasyPrint, and the notice says so.
    A chosen engine is kept (Typst with a notice that the stylesheet does not
    reach it); an organisation with its own Typst template has styled both.
    Another document (the trends brief) names its own `stylesheets` (relative
    paths in a template folder), the folder of its Typst templates, and its
    name in the notice (singular, plural).
    """
    css = next(
        (
            Path(d) / name
            for d in template_dirs
            for name in stylesheets
            if (Path(d) / name).is_file()
        ),
        None,
    )
    if css is None or any(any((Path(d) / typst_folder).glob("*.typ")) for d in template_dirs):
        return None, None
    one, many = nouns
    chosen = os.environ.get(PDF_ENGINE_VARIABLE, "").strip().lower()
    if chosen == "weasyprint":
        return None, None
    if chosen:
        return None, (
            f"{css} styles the HTML {one}, not the {chosen} PDF, which keeps rca's look "
            "(--pdf-engine weasyprint prints with your stylesheet; docs/pdf-engines.md)"
        )
    return "weasyprint", (
        f"{css} restyles the {many}: printing the PDF {many} with WeasyPrint, which reads it "
        "(slower; --pdf-engine typst keeps Typst; docs/pdf-engines.md)"
    )


def set_pdf_engine(name: str) -> None:
    """Choose the PDF engine for this process and the workers it starts."""
    if name not in PDF_ENGINES:
        raise UsageError(f"unknown PDF engine '{name}'; expected one of: {', '.join(PDF_ENGINES)}")
    os.environ[PDF_ENGINE_VARIABLE] = name


def available_formats() -> list[str]:
    """Every registered extension (built-ins and entry points)."""
    extra = {ep.name for ep in entry_points(group="rca.renderers")}
    return sorted(set(_BUILTIN) | {"pdf"} | extra)


def get_renderer(extension: str) -> Renderer:
    """The renderer for an extension (`pdf`: the chosen engine's); created once per process."""
    builtin = PDF_ENGINES[pdf_engine()] if extension == "pdf" else _BUILTIN.get(extension)
    key = builtin or extension
    if key in _CACHE:
        return _CACHE[key]
    factory: Callable[[], Renderer]
    if builtin is not None:
        module, _, name = builtin.partition(":")
        factory = getattr(importlib.import_module(module), name)
    else:
        found = [ep for ep in entry_points(group="rca.renderers") if ep.name == extension]
        if not found:
            raise UsageError(
                f"unknown format '{extension}'; expected one of: {', '.join(available_formats())}"
            )
        factory = found[0].load()
    _CACHE[key] = factory()
    return _CACHE[key]
