"""The trends brief: jinja -> HTML, and the same HTML -> PDF through WeasyPrint.

Reuses the case briefs' machinery: their jinja environment (autoescaped,
strict, user template folders first), their stylesheet, their SVG allow-list
for inline charts, and the deny-by-default URL fetcher for the PDF.
`TrendsHtmlRenderer` and `TrendsPdfRenderer` follow `rca.render.registry`'s
`Renderer` protocol; within one render the PDF is laid out from the HTML the
HTML renderer made (`RenderInput.options["trends_html"]`), not a second one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rca.errors import RcaError
from rca.render.html import brief_environment, diagram_view, template_roots
from rca.render.registry import Diagram, RenderInput
from rca.templating import render_template

TEMPLATE = "trends/trends.html.j2"
HTML_KEY = "trends_html"  # RenderInput.options: the brief's HTML, once made


class TrendsHtmlRenderer:
    """The trends brief as one self-contained HTML file."""

    extension = "html"
    media_type = "text/html; charset=utf-8"
    raster_diagrams = False

    def render(self, data: RenderInput) -> bytes:
        """The brief's HTML, UTF-8 (kept in `data.options` for the PDF of the same render)."""
        return _html(data).encode("utf-8")


class TrendsPdfRenderer:
    """The trends brief as a tagged PDF (PDF/UA), laid out from the HTML brief."""

    extension = "pdf"
    media_type = "application/pdf"
    raster_diagrams = False

    def render(self, data: RenderInput) -> bytes:
        """The PDF bytes; same input, same bytes."""
        return trends_pdf(_html(data), data.template_dirs)


def _html(data: RenderInput) -> str:
    if HTML_KEY not in data.options:
        data.options[HTML_KEY] = trends_html(data.context, data.diagrams, data.template_dirs)
    html: str = data.options[HTML_KEY]
    return html


def trends_html(
    context: dict[str, Any], charts: dict[str, Diagram], template_dirs: Sequence[Path] = ()
) -> str:
    """The trends brief as one self-contained HTML page (styles and charts inline)."""
    dirs = tuple(Path(d) for d in template_dirs)
    return render_template(
        brief_environment(dirs),
        TEMPLATE,
        {**context, "charts": {k: diagram_view(d) for k, d in charts.items()}},
        what="trends",
        searched=template_roots(dirs),
    )


@functools.cache
def _fonts() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def trends_pdf(html: str, template_dirs: Sequence[Path] = ()) -> bytes:
    """The HTML brief laid out as PDF: offline, deterministic (the /ID is a hash of the HTML)."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    from rca.render.fetch import FetchRefused
    from rca.render.pdf import make_fetcher

    roots = template_roots([Path(d) for d in template_dirs])
    try:
        document = weasyprint.HTML(
            string=html, base_url=None, url_fetcher=make_fetcher(roots), media_type="print"
        ).render(font_config=_fonts())
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        raise RcaError(str(cause) if isinstance(cause, FetchRefused) else str(exc)) from None
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    # PDF/UA: tagged structure (headings, lists, tables, figures with their alt text), the
    # document's language and title, so a screen reader can read the brief.
    pdf: bytes = document.write_pdf(pdf_identifier=identifier, pdf_variant="pdf/ua-1")
    return pdf
