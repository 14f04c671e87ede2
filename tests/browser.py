"""A real browser for the tests: Debian's headless Chromium, driven by Playwright.

Outputs are judged the way their readers meet them: an HTML brief or a site
page is opened in Chromium, its console and page errors are collected, and
axe-core (the engine behind most accessibility checkers) is run inside the
page. Playwright's own browser download is not used: `scripts/setup.sh`
installs the `chromium` Debian package and the tests point Playwright at it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

# The flags a closed-network, root, headless machine needs: no sandbox (root),
# no GPU, and none of the background connections Chromium makes at start.
CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
# axe-core impact levels that fail a test: a reader is blocked or badly hindered.
BLOCKING = frozenset({"serious", "critical"})


def chromium_path() -> str:
    """The Chromium executable: $RCA_CHROMIUM, else the Debian package's."""
    path = os.environ.get("RCA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(
            f"no Chromium at {path}: run ./scripts/setup.sh (it installs the chromium package)"
        )
    return path


@functools.cache
def axe_source() -> str:
    """axe-core's browser script, as shipped inside the axe-playwright-python wheel."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


@dataclass
class Page:
    """An open page with every console error and uncaught exception it produced."""

    page: Any  # playwright.sync_api.Page
    errors: list[str] = field(default_factory=list)

    def axe(
        self, *, tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21aa")
    ) -> list[dict[str, Any]]:
        """axe-core's violations on the page (every impact level), for the WCAG tags given."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(content=axe_source())
        result = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            list(tags),
        )
        return list(result["violations"])

    def blocking_violations(self) -> list[str]:
        """One line per serious or critical axe violation: rule, impact, first target."""
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
            for v in self.axe()
            if v.get("impact") in BLOCKING
        ]


class Browser:
    """One Chromium for a test session; `open(url)` gives a fresh page each time."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS)
        )

    def open(self, url: str, *, width: int = 1280, height: int = 900) -> Page:
        """Load `url` in a new page and wait until the network is idle."""
        context = self._browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        opened = Page(page)
        page.on(
            "console",
            lambda msg: (
                opened.errors.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: opened.errors.append(f"page error: {exc}"))
        page.goto(url, wait_until="networkidle")
        return opened

    def close(self) -> None:
        """Close the browser and stop Playwright's driver."""
        with contextlib.suppress(Exception):
            self._browser.close()
        self._pw.stop()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The browser closing a connection early (a PDF it stops reading) is not a failure.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on a free localhost port; yields the base URL (no trailing slash)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
