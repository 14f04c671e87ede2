"""The bundled cases and QA data rendered once for every trends output test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from trends_helpers import Rendered, render

from rca.render.registry import pdf_engine, using_pdf_engine
from rca.trends.report import render_trends


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Every trends output of the bundled data (TODAY: 25 Nov 2026)."""
    return render(tmp_path_factory.mktemp("trends"))


@pytest.fixture(scope="session")
def trends_pdf(rendered: Rendered) -> Callable[[str], bytes]:
    """`trends_pdf(engine)`: the trends brief's PDF by that engine, from the same trends and charts.

    The default engine's is the one `rendered` wrote; another engine's is laid
    out once per session.
    """
    built: dict[str, bytes] = {pdf_engine(): rendered.artifacts["trends.pdf"]}

    def get(engine: str) -> bytes:
        if engine not in built:
            with using_pdf_engine(engine):
                made = render_trends(rendered.trends, rendered.charts, ["pdf"])
            built[engine] = next(a.data for a in made if a.name == "trends.pdf")
        return built[engine]

    return get
