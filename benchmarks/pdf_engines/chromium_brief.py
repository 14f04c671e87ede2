"""A prototype: the same HTML brief printed to PDF by headless Chromium (Playwright).

No second template set: Chromium lays out the very HTML WeasyPrint gets. What
Chromium does not support of CSS paged media (string-set running strings,
leader() and target-counter() in the contents) is replaced by Chromium's own
header and footer templates, filled with the same context values, escaped.
JavaScript is off and every request but data: URLs is refused, as the
WeasyPrint fetcher refuses them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from html import escape
from typing import Any

from rca.render.html import brief_html
from rca.render.registry import RenderInput
from tests.browser import CHROMIUM_ARGS, chromium_path

_STYLE = "font-family:'Liberation Sans',sans-serif;width:100%;margin:0 16mm;display:flex;justify-content:space-between;"


_NO_MARGIN_BOXES = (
    "@page { "
    + " ".join(
        f"@{box} {{ content: none }}"
        for box in ("top-left", "top-right", "bottom-left", "bottom-right")
    )
    + " }"
)


@contextlib.contextmanager
def chromium(path: str | None = None) -> Iterator[Any]:
    """A warm headless Chromium page, offline, JavaScript off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=path or chromium_path(), args=list(CHROMIUM_ARGS), headless=True
        )
        context = browser.new_context(java_script_enabled=False, offline=True)
        page = context.new_page()
        page.route(
            "**/*",
            lambda route: (
                route.abort() if not route.request.url.startswith("data:") else route.continue_()
            ),
        )
        try:
            yield page
        finally:
            browser.close()


def render_chromium(page: Any, data: RenderInput) -> bytes:
    """The audience's HTML brief as a tagged PDF, with running header and footer."""
    meta, audience = data.context["meta"], data.context["audience"]
    # Chromium draws @page margin boxes but not string(): the templates below
    # replace them, so the stylesheet's own are switched off.
    html = brief_html(data).replace("</head>", f"<style>{_NO_MARGIN_BOXES}</style></head>", 1)
    page.set_content(html, wait_until="load")
    header = (
        f'<div style="{_STYLE}font-size:7.5pt;color:#5b6b80;">'
        f"<span>{escape(meta['case_id'])} \u2502 {escape(audience['title'])}</span>"
        f'<span style="color:#c2410c;font-weight:bold;text-transform:uppercase;letter-spacing:.06em">'
        f"{escape(meta['classification'])}</span></div>"
    )
    footer = (
        f'<div style="{_STYLE}font-size:6.5pt;color:#5b6b80;">'
        f'<span style="width:75%">{escape(meta["generated"])}</span>'
        '<span style="font-size:7.5pt;color:#14233c">Page <span class="pageNumber"></span> of '
        '<span class="totalPages"></span></span></div>'
    )
    pdf: bytes = page.pdf(
        prefer_css_page_size=True,
        print_background=True,
        display_header_footer=True,
        header_template=header,
        footer_template=footer,
        tagged=True,
        outline=True,
    )
    return pdf
