"""`rca serve`: the case library on a local web server, rebuilt when a record changes.

The site is built once, then served from its folder by Python's own HTTP
server (localhost by default: the site holds confidential case reviews).
Records, QA data and template folders are polled for changes; a change
rebuilds the site in this process, reusing the build cache and the warm
renderers, so an edit costs its own case and the site's pages. A rebuild that
fails (an invalid save, a leak) prints why and keeps serving the last good
site. Ctrl-C stops the server cleanly.
"""

from __future__ import annotations

import functools
import http.server
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rca.errors import RcaError, UsageError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, never cached by the browser, nothing hidden (no dot-files)."""

    def __init__(self, *args: Any, log: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        self._log = log
        super().__init__(*args, **kwargs)

    def send_head(self) -> Any:
        # Caches and manifests (.rca-site.json, cases/.rca-cache.json) are not part of the site.
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if any(part.startswith(".") for part in path.split("/") if part):
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        # Requests served fine are not worth a line; a 404 (a broken link) is.
        if self._log is not None and not (len(args) == 3 and str(args[1]) in ("200", "304")):
            self._log(format % args)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that closes a connection early is not an error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def __init__(self, address: tuple[str, int], handler: Any) -> None:
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


def snapshot(paths: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    """Every file under `paths` with its modification time and size: what a change changes."""
    out = []
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def start_server(
    folder: Path, host: str, port: int, log: Callable[[str], None] | None = None
) -> tuple[_Server, str]:
    """An HTTP server for `folder` running in a thread; returns it and its base URL."""
    handler = functools.partial(_Handler, directory=str(folder), log=log)
    try:
        server = _Server((host, port), handler)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}; pass another --port"
        ) from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bound_port = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    return server, f"http://{shown}:{bound_port}/"


def serve_site(
    build: Callable[[], Path],
    watched: Sequence[Path],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    interval: float = 1.0,
    echo: Callable[[str], None],
    stop: threading.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Build the site, serve it, rebuild on every change under `watched`, until stopped.

    `build` builds (or updates) the site and returns its folder. `stop` ends the
    loop (tests); otherwise Ctrl-C does.
    """
    started = time.perf_counter()
    folder = build()
    echo(f"built the site in {time.perf_counter() - started:.1f} s")
    server, url = start_server(folder, host, port, log=echo)
    if host not in LOCAL_HOSTS:
        echo(
            f"warning: serving on {host}, not only this machine: anyone who can reach it can read the site"
        )
    echo(f"Serving the case library at {url}index.html (search included); Ctrl-C stops.")
    if on_ready:
        on_ready(url)
    try:
        for _ in _changes(watched, interval, stop):
            started = time.perf_counter()
            try:
                build()
                echo(
                    f"{time.strftime('%H:%M:%S')} rebuilt in {time.perf_counter() - started:.1f} s; reload the page"
                )
            except RcaError as exc:
                echo(
                    f"{time.strftime('%H:%M:%S')} not rebuilt; still serving the last good site:\n{exc}"
                )
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        echo("stopped")


def _changes(
    watched: Sequence[Path], interval: float, stop: threading.Event | None
) -> Iterator[None]:
    last = snapshot(watched)
    while not (stop is not None and stop.is_set()):
        if stop is not None:
            stop.wait(interval)
        else:
            time.sleep(interval)
        current = snapshot(watched)
        if current != last:
            time.sleep(min(interval, 0.2))  # let an editor finish writing
            last = snapshot(watched)
            yield
