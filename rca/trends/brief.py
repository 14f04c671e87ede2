"""The trends brief: jinja -> HTML, and the same HTML -> PDF through Typst or WeasyPrint.

Reuses the case briefs' machinery: their jinja environment (autoescaped,
strict, user template folders first), their stylesheet, their SVG allow-list
for inline charts, and their two PDF engines with the same choice
(`--pdf-engine`, RCA_PDF_ENGINE, else Typst; docs/pdf-engines.md). Typst
prints the HTML read as a tree (`rca.render.typst`) through
`trends/typst/trends.typ`, in a child process; WeasyPrint lays out the HTML
itself, with the deny-by-default URL fetcher. `TrendsHtmlRenderer` and
`TrendsPdfRenderer` follow `rca.render.registry`'s `Renderer` protocol;
within one render the PDF is laid out from the HTML the HTML renderer made
(`RenderInput.options["trends_html"]`), not a second one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rca.errors import RcaError
from rca.render.html import brief_environment, diagram_view, template_roots
from rca.render.registry import Diagram, RenderInput, pdf_engine
from rca.templating import render_template

if TYPE_CHECKING:
    from rca.render.typst import TypstWorker

TEMPLATE = "trends/trends.html.j2"
TYPST_TEMPLATE = "trends/typst/trends.typ"
HTML_KEY = "trends_html"  # RenderInput.options: the brief's HTML, once made
# What restyles the trends brief (the HTML includes both), and where its Typst
# template lives: an organisation's stylesheet without a Typst template of its own
# sends the PDF to WeasyPrint (rca.render.registry.stylesheet_engine).
STYLESHEETS = ("briefs/style.css", "trends/trends.css")
TYPST_FOLDER = "trends/typst"


class TrendsHtmlRenderer:
    """The trends brief as one self-contained HTML file."""

    extension = "html"
    media_type = "text/html; charset=utf-8"
    raster_diagrams = False

    def render(self, data: RenderInput) -> bytes:
        """The brief's HTML, UTF-8 (kept in `data.options` for the PDF of the same render)."""
        return _html(data).encode("utf-8")


class TrendsPdfRenderer:
    """The trends brief as a tagged PDF (PDF/UA), laid out from the HTML brief.

    By the PDF engine chosen when the renderer is made (`rca.render.registry.pdf_engine`).
    """

    extension = "pdf"
    media_type = "application/pdf"
    raster_diagrams = False

    def __init__(self) -> None:
        self.engine = pdf_engine()
        if self.engine == "typst":
            _typst_worker()  # its start-up overlaps the charts and the deck

    def render(self, data: RenderInput) -> bytes:
        """The PDF bytes; same input, same bytes."""
        if self.engine == "typst":
            return trends_typst_pdf(_html(data), data)
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

    from rca.render import svg_text
    from rca.render.fetch import FetchRefused
    from rca.render.pdf import make_fetcher

    # The charts' text as one run a <text>, as for the case briefs: faster, and the
    # same bytes whether or not a case brief was printed earlier in this process.
    svg_text.install()
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


def stylesheet_engine(template_dirs: Sequence[Path]) -> tuple[str | None, str | None]:
    """The case briefs' rule for an organisation's stylesheet, for the trends brief.

    A `briefs/style.css` or `trends/trends.css` override without a Typst trends
    template of its own (`trends/typst/*.typ`) and no engine chosen: WeasyPrint,
    with a notice (`rca.render.registry.stylesheet_engine`).
    """
    from rca.render.registry import stylesheet_engine as rule

    return rule(
        template_dirs,
        stylesheets=STYLESHEETS,
        typst_folder=TYPST_FOLDER,
        nouns=("trends brief", "trends brief"),
    )


@functools.cache
def _typst_worker() -> TypstWorker:
    """One Typst child process for the trends briefs of this process, started once."""
    from rca.render.typst import TypstWorker

    worker = TypstWorker()
    worker.start()
    return worker


def find_typst_template(template_dirs: Sequence[Path]) -> Path:
    """`trends/typst/trends.typ`: the first in the template search path (user folders first)."""
    from rca.render.typst import first_template

    return first_template(
        [Path(d) for d in template_dirs], (TYPST_TEMPLATE,), "Typst trends template"
    )


def trends_typst_pdf(html: str, data: RenderInput) -> bytes:
    """The HTML brief read as a tree and printed by the Typst trends template.

    Offline and deterministic (`date: none`; Typst derives the /ID from the
    title and author); its folder is Typst's root, and a link out of it is refused.
    """
    from rca.render.typst import submit_template, typst_input

    template = find_typst_template(data.template_dirs)
    meta, audience = data.context["meta"], data.context["audience"]
    description = f"{audience['title']}, {meta['range']} ({meta['classification']})"
    inputs = typst_input(html, data, description=description)
    pdf: bytes = submit_template(
        _typst_worker(), template, inputs, what="laying out the trends brief"
    ).result()
    return pdf
