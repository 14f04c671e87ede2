"""Briefs as PDF: the HTML brief laid out by WeasyPrint, deterministic and offline.

The only module that imports WeasyPrint (0.4 s), and only when a PDF is asked
for. One renderer lives per process (see `registry.get_renderer`) and keeps
its font configuration warm across documents. The HTML goes in as a string
with no base URL, and every resource request goes through a deny-by-default
fetcher (`rca.render.fetch`): bundled assets and data: URLs only.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rca import limits
from rca.errors import RcaError
from rca.render.fetch import FetchRefused, fetch
from rca.render.html import brief_html, template_roots
from rca.render.registry import RenderInput

log = logging.getLogger(__name__)


class PdfRenderer:
    """The audience's brief as a PDF; same input, byte-identical output."""

    extension = "pdf"
    media_type = "application/pdf"
    raster_diagrams = False

    def __init__(self) -> None:
        from weasyprint.text.fonts import FontConfiguration

        from rca.render import html_tokens, svg_text

        self._fonts = FontConfiguration()
        svg_text.install()  # diagram text as one run a <text>, not letter by letter
        html_tokens.install()  # the HTML parser's pattern cache, keyed as meant

    def render(self, data: RenderInput) -> bytes:
        """Lay out the HTML brief and write the PDF."""
        import weasyprint
        from weasyprint.urls import FatalURLFetchingError

        html = brief_html(data)
        roots = template_roots([Path(d) for d in data.template_dirs])
        meta, audience = data.context["meta"], data.context["audience"]
        try:
            with time_limit(RENDER_SECONDS, f"laying out the {audience['id']} brief"):
                document = weasyprint.HTML(
                    string=html, base_url=None, url_fetcher=make_fetcher(roots), media_type="print"
                ).render(font_config=self._fonts)
            # The appendix (the audit trail) starts on a page of its own, anchored "appendix".
            read = next(
                (i for i, page in enumerate(document.pages) if "appendix" in page.anchors),
                len(document.pages),
            )
            warn_over_budget(meta, audience, read)
            # Tagged (PDF/UA-1): structure, reading order, the document's language
            # and title, so a screen reader can follow the brief.
            pdf: bytes = document.write_pdf(
                pdf_identifier=pdf_identifier(data.context), pdf_variant="pdf/ua-1"
            )
        except FatalURLFetchingError as exc:
            cause = exc.__cause__
            raise RcaError(str(cause) if isinstance(cause, FetchRefused) else str(exc)) from None
        return pdf


# A brief takes seconds; a record that makes WeasyPrint take minutes (huge
# tables, pathological text) is refused with a clear error instead of hanging a
# worker. RCA_RENDER_SECONDS overrides it.
def warn_over_budget(meta: dict[str, Any], audience: dict[str, Any], read: int) -> None:
    """Warn when a brief has more pages before its appendix than its audience's budget.

    The budget is for what is read: the appendix (the audit trail) is not counted.
    Both PDF engines report through this one warning.
    """
    budget = audience["brief"]["max_pages"]
    if budget is not None and read > budget:
        log.warning(
            "%s: the %s brief has %d pages before its appendix, over its budget of %d",
            meta["case_id"],
            audience["id"],
            read,
            budget,
        )


RENDER_SECONDS = float(os.environ.get("RCA_RENDER_SECONDS", "120"))


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise RcaError if the block runs longer than `seconds` (nests in the per-case limit)."""
    message = (
        f"{what} took longer than {seconds:g} s; the record may hold too much text "
        "for one brief (raise RCA_RENDER_SECONDS to allow more)"
    )
    with limits.time_limit(seconds, message):
        yield


def pdf_identifier(context: dict[str, Any]) -> bytes:
    """The PDF's permanent /ID: the same for every rendering of one record version and audience."""
    meta = context["meta"]
    key = "\0".join(
        (meta["case_id"], meta["version"], meta["source_sha"], context["audience"]["id"])
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32].encode("ascii")


def make_fetcher(roots: Sequence[Path]) -> Any:
    """A WeasyPrint URL fetcher applying `rca.render.fetch`; a refusal stops the rendering."""
    return _fetcher_class()(tuple(roots))


@functools.cache
def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DenyByDefaultFetcher(URLFetcher):  # type: ignore[misc]  # untyped base
        def __init__(self, roots: tuple[Path, ...]) -> None:
            # fail_on_errors: a refused resource aborts the brief, never leaves a silent gap.
            super().__init__(fail_on_errors=True)
            self._roots = roots

        def fetch(self, url: str, headers: Any = None) -> Any:
            got = fetch(url, self._roots)
            return URLFetcherResponse(got.url, got.data, {"Content-Type": got.media_type})

    return DenyByDefaultFetcher
