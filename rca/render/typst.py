"""Briefs as PDF by Typst: the HTML brief, read as a tree, printed by a Typst template.

The default PDF engine (`--pdf-engine typst`; WeasyPrint is the other,
docs/pdf-engines.md). It prints the same HTML the
`.html` brief is, so both carry the same content by construction and an
organisation's HTML template overrides reach both; how each element looks on
paper is a Typst template (`briefs/typst/brief.typ`, overridable in the same
ordered search path). Record text reaches Typst only as JSON string values
in `sys.inputs`: Typst sets a string as text, never as markup, so `#`, `$`,
`<label>`, `#import` or `#read(...)` in a record print as themselves.

Typst runs in a child process (`rca.render.typst_worker`) kept warm for the
whole run, because only a process can be stopped when a brief runs past its
time limit (`RCA_RENDER_SECONDS`, as for WeasyPrint).
"""

from __future__ import annotations

import atexit
import base64
import binascii
import io
import json
import os
import re
import selectors
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from rca.errors import RcaError, TimeLimitError
from rca.render.html import brief_html, template_roots
from rca.render.htmltree import html_tree, text_of
from rca.render.pdf import RENDER_SECONDS, warn_over_budget
from rca.render.registry import RenderInput
from rca.render.typst_worker import read_frame, write_frame

# Fonts come from these folders only (never the system's whole font list), so
# that the same record prints the same bytes on every machine with the
# packages of scripts/system-packages.txt.
FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/dejavu",
)
STANDARDS = ["ua-1"]  # tagged, PDF/UA-1: Typst refuses a document that breaks its checked rules
_PX_TO_PT = 0.75


class TypstRenderer:
    """The audience's brief as a PDF laid out by Typst; same input, byte-identical output."""

    extension = "pdf"
    media_type = "application/pdf"
    raster_diagrams = False

    def __init__(self) -> None:
        self._worker = TypstWorker()
        self._worker.start()  # its start-up overlaps the diagrams and the decks

    def render(self, data: RenderInput) -> bytes:
        """The brief's HTML, printed by the Typst template the search path gives."""
        return self.start(data).result()

    def start(self, data: RenderInput) -> TypstBrief:
        """Send the brief to the Typst process and return at once; `result()` collects the PDF.

        The build goes on with other work while Typst compiles (rca.pipeline).
        """
        meta, audience = data.context["meta"], data.context["audience"]
        dirs = [Path(d) for d in data.template_dirs]
        template = find_template(dirs, audience["id"])
        job = submit_template(
            self._worker,
            template,
            typst_input(brief_html(data), data),
            what=f"laying out the {audience['id']} brief",
        )
        return TypstBrief(job, meta, audience)


class TypstBrief:
    """A brief being compiled: `result()` waits for the PDF and checks its page budget."""

    def __init__(self, job: Compile, meta: dict[str, Any], audience: dict[str, Any]) -> None:
        self._job = job
        self._meta = meta
        self._audience = audience

    def result(self) -> bytes:
        """The PDF (or the compile's error)."""
        pdf = self._job.result()
        budget = self._audience["brief"]["max_pages"]
        if budget is not None and count_pages(pdf) > budget:  # else no need to find the appendix
            warn_over_budget(self._meta, self._audience, pages_before_appendix(pdf))
        # No clock in the file (`date: none`) and a /ID Typst derives from the
        # document's title and author: the same record gives the same bytes.
        return pdf

    def cancel(self) -> None:
        """Give the compile up (its process is ended unless already collected)."""
        self._job.cancel()


def find_template(user_dirs: Sequence[Path], audience: str) -> Path:
    """The Typst template for an audience: `briefs/typst/<audience>.typ`, else `brief.typ`."""
    return first_template(
        user_dirs,
        (f"briefs/typst/{audience}.typ", "briefs/typst/brief.typ"),
        "Typst brief template",
    )


def first_template(user_dirs: Sequence[Path], names: Sequence[str], what: str) -> Path:
    """The first of `names` (in order of preference) found in the template search path,
    user folders first; else an error naming `what` and where it was looked for."""
    roots = template_roots(user_dirs)
    for name in names:
        for root in roots:
            path = root / name
            if path.is_file():
                return path
    raise RcaError(f"no {what} ({' or '.join(names)}) in {', '.join(map(str, roots))}")


def submit_template(
    worker: TypstWorker, template: Path, data: dict[str, Any], *, what: str
) -> Compile:
    """Send `data` (the template's `sys.inputs.data`) to be printed by `template`, with
    the template's folder as Typst's root (a link out of it refused) and the PDF time limit."""
    check_root(template.parent)
    return worker.submit(
        template.read_text(encoding="utf-8"),
        root=template.parent,
        inputs={"data": json.dumps(data, ensure_ascii=False)},
        seconds=RENDER_SECONDS,
        what=what,
        where=template,
    )


MAX_ROOT_ENTRIES = 1000


def check_root(root: Path) -> None:
    """Refuse a template folder with a link pointing out of it.

    Typst reads files (`read`, `image`, `import`) only under the root it is
    given, but follows symbolic links; a link in a template folder must not
    reach a file elsewhere (as `rca.render.fetch` refuses for WeasyPrint).
    """
    base = root.resolve()
    for n, path in enumerate(root.rglob("*")):
        if n >= MAX_ROOT_ENTRIES:
            raise RcaError(f"{root}: more than {MAX_ROOT_ENTRIES} files in a Typst template folder")
        if path.is_symlink() and not path.resolve().is_relative_to(base):
            raise RcaError(
                f"{path}: a link out of the Typst template folder is refused "
                "(templates may read only files inside their folder)"
            )


def typst_input(html: str, data: RenderInput, *, description: str | None = None) -> dict[str, Any]:
    """What the Typst template reads: the brief's tree, its diagrams, its running lines.

    `description` (the PDF's subject) defaults to a case brief's: audience, case, version.
    """
    tree = html_tree(html)
    _label_sections(tree.body)
    context = data.context
    meta, audience = context["meta"], context["audience"]
    running = {
        name: _span_text(tree.body, f"run-{name}")
        for name in ("case", "audience", "classification", "generated")
    }
    if description is None:
        description = (
            f"{audience['title']}, case {meta['case_id']} v{meta['version']} "
            f"({meta['classification']})"
        )
    return {
        "title": tree.title
        or (f"{meta['case_id']}: {meta['title']}" if "case_id" in meta else str(meta["title"])),
        "lang": tree.lang or "en",
        "description": description,
        "running": running,
        "draft": bool(meta.get("draft")),  # a DRAFT watermark on every page (rca.audit)
        "body": _with_images(tree.body),
        "svgs": [_svg(s) for s in tree.svgs],
    }


def _label_sections(node: dict[str, Any]) -> None:
    # A section's id names its heading, which is what a contents link points at.
    for kid in node.get("k", ()):
        if isinstance(kid, dict):
            if kid["t"] == "section" and "id" in kid:
                heading = _first(kid, "h2")
                if heading is not None and "id" not in heading:
                    heading["id"] = kid["id"]
            _label_sections(kid)


def _first(node: dict[str, Any], tag: str) -> dict[str, Any] | None:
    for kid in node.get("k", ()):
        if isinstance(kid, dict):
            if kid["t"] == tag:
                return kid
            found = _first(kid, tag)
            if found is not None:
                return found
    return None


def _span_text(node: dict[str, Any], cls: str) -> str:
    for kid in node.get("k", ()):
        if isinstance(kid, dict):
            if cls in kid.get("c", "").split():
                return text_of(kid)
            found = _span_text(kid, cls)
            if found:
                return found
    return ""


_SVG_OPEN = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_ATTR = re.compile(r'([A-Za-z_:][-\w:.]*)\s*=\s*"([^"]*)"')
_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(pt|px|mm|cm|in)?\s*$")
_UNITS = {"pt": 1.0, "px": _PX_TO_PT, None: _PX_TO_PT, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}


def _svg(markup: str) -> dict[str, Any]:
    """An inline SVG as Typst gets it: its markup, natural size in points, alt text."""
    opening = _SVG_OPEN.match(markup)
    attrs = dict(_ATTR.findall(opening.group(0))) if opening else {}
    width, height = _length(attrs.get("width")), _length(attrs.get("height"))
    if not (width and height):
        box = re.split(r"[\s,]+", attrs.get("viewBox", "").strip())
        try:
            width, height = float(box[2]) * _PX_TO_PT, float(box[3]) * _PX_TO_PT
        except (IndexError, ValueError):
            width, height = 300.0, 150.0
    alt = attrs.get("aria-label", "")
    return {"svg": markup, "width": width, "height": height, "alt": _unescape(alt) or "Diagram"}


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    if not match:
        return None
    return float(match.group(1)) * _UNITS[match.group(2)]


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


_DATA_URL = re.compile(r"data:image/(png|jpeg|svg\+xml)(;base64)?,(.*)", re.DOTALL)


def _with_images(node: dict[str, Any]) -> dict[str, Any]:
    # <img src="data:..."> (a template's bundled asset) becomes bytes Typst can
    # read: an SVG as text, PNG and JPEG as a list of byte values.
    for kid in node.get("k", ()):
        if isinstance(kid, dict):
            if kid["t"] == "img":
                kid["img"] = _image(kid.get("src", ""))
                kid.pop("src", None)
            else:
                _with_images(kid)
    return node


def _image(src: str) -> dict[str, Any] | None:
    match = _DATA_URL.fullmatch(src)
    if not match:
        return None
    kind, b64, payload = match.groups()
    try:
        raw = base64.b64decode(payload, validate=True) if b64 else payload.encode("utf-8")
    except binascii.Error:
        return None
    fmt = "svg" if kind == "svg+xml" else "jpg" if kind == "jpeg" else kind
    return {"data": list(raw), "format": fmt}


def pages_before_appendix(pdf: bytes) -> int:
    """Pages before the first heading of the PDF's outline that names an appendix (else all)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))

    def entries(items: list[Any]) -> Iterator[Any]:
        for item in items:
            if isinstance(item, list):
                yield from entries(item)
            else:
                yield item

    for entry in entries(reader.outline):
        page = reader.get_destination_page_number(entry)
        if "Appendix" in str(entry.title) and page is not None:
            return page
    return len(reader.pages)


def count_pages(pdf: bytes) -> int:
    """Pages of a PDF Typst wrote (its page objects are plain dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


# --------------------------------------------------------------------------- the worker process


_WORKERS: weakref.WeakSet[TypstWorker] = weakref.WeakSet()


def worker_pids() -> list[int]:
    """Process ids of the live Typst children (benchmarks add up their CPU time)."""
    return [w._proc.pid for w in list(_WORKERS) if w._proc is not None]


class TypstWorker:
    """A child process that compiles Typst; killed and replaced when a job overruns."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        _WORKERS.add(self)

    def start(self) -> None:
        """Start the child if it is not running."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "rca.render.typst_worker"],
            env=_offline(os.environ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        atexit.register(self.stop)

    def stop(self) -> None:
        """End the child (closing its input ends it; a stuck one is killed)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout:
                proc.stdout.close()

    def compile(
        self,
        source: str,
        *,
        root: Path,
        inputs: dict[str, str],
        seconds: float,
        what: str,
        where: Path,
    ) -> bytes:
        """Compile `source` to PDF within `seconds`, or raise RcaError."""
        return self.submit(
            source, root=root, inputs=inputs, seconds=seconds, what=what, where=where
        ).result()

    def submit(
        self,
        source: str,
        *,
        root: Path,
        inputs: dict[str, str],
        seconds: float,
        what: str,
        where: Path,
    ) -> Compile:
        """Send `source` to the child and return at once; `result()` waits for the PDF.

        The worker is this job's until it is collected or cancelled: collect
        (or cancel) it before submitting the next from the same thread.
        """
        job = {
            "source": source,
            "root": str(root),
            "inputs": inputs,
            "fonts": [d for d in FONT_DIRS if os.path.isdir(d)],
            "standards": STANDARDS,
        }
        self._lock.acquire()
        try:
            self.start()
            proc = self._proc
            assert proc is not None and proc.stdin is not None and proc.stdout is not None
            deadline = time.monotonic() + seconds
            try:
                write_frame(proc.stdin, json.dumps(job).encode("utf-8"))
                sent = True
            except (OSError, ValueError):
                sent = False  # the child died: reported when the answer is collected
        except BaseException:
            # ^C or the case's time limit mid-write: the child may hold half a job.
            self._kill()
            self._lock.release()
            raise
        return Compile(self, proc, sent, deadline, seconds, what, where)

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    stream.close()


class Compile:
    """One job sent to a TypstWorker: collected once by `result`, or given up by `cancel`."""

    def __init__(
        self,
        worker: TypstWorker,
        proc: subprocess.Popen[bytes],
        sent: bool,
        deadline: float,
        seconds: float,
        what: str,
        where: Path,
    ) -> None:
        self._worker = worker
        self._proc = proc
        self._sent = sent
        self._deadline = deadline
        self._seconds = seconds
        self._what = what
        self._where = where
        self._open = True  # the worker's lock is held for this job

    def result(self) -> bytes:
        """The PDF, within `seconds` of the job's submission, or raise RcaError."""
        if not self._open:
            raise RuntimeError("a Typst job is collected once")
        worker, proc, what = self._worker, self._proc, self._what
        assert proc.stdout is not None
        try:
            try:
                answer = (
                    _read_within(proc.stdout, max(0.0, self._deadline - time.monotonic()))
                    if self._sent
                    else None
                )
            except TimeoutError:
                worker._kill()
                raise TimeLimitError(  # a limit (exit 4), as WeasyPrint's
                    f"{what} took longer than {self._seconds:g} s; the record may hold too much "
                    "text for one brief (raise RCA_RENDER_SECONDS to allow more)"
                ) from None
            except (OSError, ValueError):
                answer = None
            except BaseException:
                # The case's own time limit (rca.limits) or ^C interrupted the
                # wait: the child's answer would reach the next brief, so end it.
                worker._kill()
                raise
            if answer is None:  # the child died (out of memory, killed)
                code = proc.poll()
                worker._kill()
                raise RcaError(f"{what} failed: the Typst process ended (exit status {code})")
        finally:
            self._release()
        status, payload = answer[:1], answer[1:]
        if status != b"0":
            raise RcaError(f"{self._where}: {payload.decode('utf-8', 'replace')}")
        return payload

    def cancel(self) -> None:
        """Give the job up: the child, busy with it, is ended (a no-op once collected)."""
        if self._open:
            try:
                self._worker._kill()
            finally:
                self._release()

    def _release(self) -> None:
        if self._open:
            self._open = False
            self._worker._lock.release()


# Typst downloads `@preview/...` packages it does not find on disk; the child
# gets a proxy that refuses every connection, so no template reaches the network.
_NO_NETWORK = "http://127.0.0.1:9"


def _offline(environ: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k.lower() not in ("no_proxy",)}
    for name in ("https_proxy", "http_proxy", "all_proxy"):
        env[name] = env[name.upper()] = _NO_NETWORK
    return env


def _read_within(stream: IO[bytes], seconds: float) -> bytes | None:
    """One frame from the child, or TimeoutError when none has come within `seconds`."""
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            if time.monotonic() >= deadline:
                raise TimeoutError
    # The child writes a whole frame at once; once it starts, it finishes.
    return read_frame(stream)
