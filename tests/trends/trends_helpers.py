"""The bundled trends outputs, rendered once: what the output tests read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rca.render.registry import Diagram
from rca.trends.queries import Scope
from rca.trends.report import (
    Trends,
    build_trends,
    check_trends,
    draw_charts,
    load_inputs,
    render_trends,
    write_trends,
)

CASES = Path(__file__).parent.parent.parent / "case_reviews"
TODAY = date(2026, 11, 25)  # the QA data ends 31 Mar 2026: 7 months before


@dataclass(frozen=True)
class Rendered:
    trends: Trends
    charts: dict[str, Diagram]
    artifacts: dict[str, bytes]
    folder: Path


def render(folder: Path, today: date = TODAY, scope: Scope | None = None) -> Rendered:
    """Every trends output of the bundled data, in memory and written to `folder`."""
    records, qa = load_inputs(CASES, CASES / "qa")
    trends = build_trends(records, qa, scope or Scope(), today)
    charts = draw_charts(trends)
    artifacts = render_trends(trends, charts, ["pptx", "pdf", "html", "csv", "json"])
    check_trends(records, artifacts, trends)
    write_trends(artifacts, folder)
    return Rendered(trends, charts, {a.name: a.data for a in artifacts}, folder)
