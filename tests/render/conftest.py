"""Render contexts for the renderer tests: a record, analysed, seen by one audience."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent.parent / "data" / "render"
TODAY = date(2026, 3, 10)
DECK_CASE = Path(__file__).parent.parent / "data" / "decks" / "wrong_account.yaml"
DECK_TODAY = date(2026, 5, 11)  # after the deck case's last date: action A1 (due 25 Apr) is overdue

ContextFactory = Callable[..., dict[str, Any]]


def build_render_context(
    path: Path, audience: str = "specialist", today: date = TODAY
) -> dict[str, Any]:
    """The render context of one record file for one audience, analysed on `today`."""
    from rca.analyse import analyse
    from rca.audience import load_profiles
    from rca.load import check_record
    from rca.render.context import build_context

    loaded, problems = check_record(path)
    assert loaded is not None, "\n".join(map(str, problems))
    return build_context(
        loaded, analyse(loaded, today=today), load_profiles()[audience], today=today
    )


@pytest.fixture(scope="session")
def render_context() -> ContextFactory:
    """`render_context("small", "leadership")`: tests/data/render/small.yaml for that
    audience; a Path instead of a name renders that file (the deck case on DECK_TODAY)."""

    def make(
        name: str | Path = "small", audience: str = "specialist", today: date | None = None
    ) -> dict[str, Any]:
        path = name if isinstance(name, Path) else DATA / f"{name}.yaml"
        return build_render_context(
            path, audience, today or (DECK_TODAY if path == DECK_CASE else TODAY)
        )

    return make


# --------------------------------------------------------------------------- decks (test_pptx.py)


def fake_diagram(name: str, width: int, height: int) -> Any:
    """A Diagram with a small deterministic PNG, standing in for graphviz in deck tests."""
    import io

    from PIL import Image, ImageDraw

    from rca.render.registry import Diagram

    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).rectangle([4, 4, width - 5, height - 5], outline="navy", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Diagram(
        name,
        f"{name} title",
        f"Alt text of the {name} diagram.",
        "digraph {}",
        "<svg/>",
        out.getvalue(),
        width,
        height,
    )


@pytest.fixture(scope="session")
def deck_diagrams() -> dict[str, Any]:
    """The four diagrams decks use, as fake PNGs (the timeline too tall to be legible on a slide)."""
    sizes = {
        "fishbone": (1800, 700),
        "causal_graph": (1600, 900),
        "why_chains": (900, 700),
        "timeline": (700, 2400),
    }
    return {name: fake_diagram(name, *size) for name, size in sizes.items()}


# --------------------------------------------------------------------------- briefs (test_html.py, test_pdf.py)

# A tiny hand-written diagram: shapes, text, and nothing the sanitiser must remove.
TINY_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}">'
    '<g id="graph0"><rect x="4" y="4" width="{rw}" height="30" fill="#eef2f7" stroke="#14233c"/>'
    '<text x="12" y="24" font-family="Liberation Sans" font-size="12">{name}</text></g></svg>'
)


def tiny_diagram(name: str, width: int = 300, height: int = 120) -> Any:
    """A Diagram with a small hand-written SVG (no graphviz), for the brief tests."""
    from rca.render.registry import Diagram

    svg = TINY_SVG.format(w=width, h=height, rw=width - 8, name=name)
    return Diagram(
        name,
        f"{name.replace('_', ' ').capitalize()}",
        f"The {name} of the case.",
        "digraph {}",
        svg,
        b"",
        width,
        height,
    )


@pytest.fixture(scope="session")
def tiny_diagrams() -> dict[str, Any]:
    """The four diagram names briefs show, as tiny SVGs (wide ones print landscape)."""
    sizes = {
        "fishbone": (420, 160),
        "causal_graph": (260, 220),
        "why_chains": (240, 200),
        "timeline": (200, 320),
    }
    return {name: tiny_diagram(name, *size) for name, size in sizes.items()}


@pytest.fixture(scope="session")
def brief_input(
    render_context: ContextFactory, tiny_diagrams: dict[str, Any]
) -> Callable[..., Any]:
    """`brief_input("brief_small", "leadership")`: a RenderInput with the tiny diagrams."""
    from rca.render.registry import RenderInput

    def make(
        name: str | Path = "brief_small",
        audience: str = "specialist",
        diagrams: dict[str, Any] | None = None,
        template_dirs: tuple[Path, ...] = (),
    ) -> Any:
        return RenderInput(
            render_context(name, audience),
            tiny_diagrams if diagrams is None else diagrams,
            template_dirs,
        )

    return make


@pytest.fixture(scope="session")
def pdf_renderer() -> Any:
    """One warm PdfRenderer for the session, as the pipeline keeps one per process."""
    from rca.render.pdf import PdfRenderer

    return PdfRenderer()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def weasyprint_logs() -> Iterator[list[logging.LogRecord]]:
    """Every record WeasyPrint logs during the test (WeasyPrint's own assert_no_logs idea)."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in ("weasyprint", "weasyprint.progress")]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        for lg, (level, _) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
