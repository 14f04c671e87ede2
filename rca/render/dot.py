"""Safe DOT text and the `dot` process: labels built from hostile text, layout once, cached.

Record text only ever reaches DOT inside HTML-like labels built by `font` and
`lines_html` here: cleaned of control characters, wrapped, truncated, escaped for
XML, with backslashes doubled (graphviz expands `\\N`, `\\G`, `\\E`, `\\H`, `\\T` even
inside HTML labels, after entity decoding). Node ids and every other attribute
value are written by code, never taken from the record; `attrs` refuses anything
else. One `dot` call lays a graph out once and writes both SVG and PNG.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import re
import shutil
import struct
import subprocess
import tempfile
import textwrap
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rca.errors import RcaError, TimeLimitError

FONT = "Liberation Sans"
SVG_FONTS = "'Liberation Sans', Arial, Helvetica, sans-serif"
DPI = 144  # PNG for decks: 2x, sharp on a projector without the cost of 300 dpi
TIMEOUT_SECONDS = 30.0
ELLIPSIS = "\u2026"
MAX_INCHES = 40  # cap on either side of a drawing: 5760 px at 144 dpi

# One palette for every diagram.
INK = "#1F2933"
MUTED = "#52606D"
LINE = "#7B8794"
FAINT = "#CBD2D9"
STRIPE = "#F3F5F8"
WHITE = "#FFFFFF"
PROBLEM = "#8E1B1B"
ROOT = "#C0392B"
ROOT_FILL = "#FDECEA"
CONTRIB = "#B7791F"
CONTRIB_FILL = "#FFF6E0"
CONDITION = "#5B6B7F"
CONDITION_FILL = "#EEF2F7"
EXTERNAL = "#7B8794"
ACTION = "#2E7D32"
ACTION_FILL = "#E8F5E9"
NAVY = "#1E3A5F"
NAVY_FILL = "#E6EEF7"
WINDOW_FILL = "#DCEBFA"
BREACH_FILL = "#F9D6D5"

# --------------------------------------------------------------------------- text

# Controls (newlines included: only code adds line breaks), bidi overrides and
# isolates, zero-width joiners used for spoofing, unpaired surrogates.
_STRIP = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff\ufffe\uffff]"
)
_SPACES = re.compile(r"\s+")


def clean(text: object) -> str:
    """One line of plain text: NFC, no control or bidi-override characters, spaces collapsed."""
    value = unicodedata.normalize("NFC", str(text or ""))
    return _SPACES.sub(" ", _STRIP.sub(" ", value)).strip()


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def wrap(text: object, width: int, max_lines: int, *, break_words: bool = True) -> list[str]:
    """Cleaned text wrapped at `width` characters, at most `max_lines` lines (ellipsis if cut)."""
    value = clean(text)
    if not value:
        return []
    lines = textwrap.wrap(value, width, break_long_words=break_words, break_on_hyphens=True)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], truncate(" ".join(lines[max_lines - 1 :]), width)]
    return lines


def esc(text: str) -> str:
    """Text for inside an HTML-like label: XML-escaped, backslashes doubled."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\\", "\\\\")
    )


# Helvetica/Arial advance widths in 1/1000 em (Liberation Sans is metric-compatible),
# for ASCII 32..126: enough to place right-aligned text on a fishbone rib.
_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width in points of one line of text in Liberation Sans."""
    units = 0
    for ch in text:
        code = ord(ch)
        if 32 <= code <= 126:
            units += _WIDTHS[code - 32]
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            units += 1000
        else:
            units += 600
    return units * size / 1000 * (1.06 if bold else 1.0)


def line_height(size: float) -> float:
    """Height of one label line, as graphviz spaces them."""
    return size * 1.2


def font(
    text: str, size: float, color: str = INK, *, bold: bool = False, italic: bool = False
) -> str:
    """Escaped `text` in a FONT element (text must be raw, not yet escaped)."""
    inner = esc(text)
    if italic:
        inner = f"<I>{inner}</I>"
    if bold:
        inner = f"<B>{inner}</B>"
    return f'<FONT POINT-SIZE="{size:g}" COLOR="{color}">{inner}</FONT>'


def lines_html(
    lines: Sequence[str], size: float, color: str = INK, *, bold: bool = False, italic: bool = False
) -> str:
    """Several raw lines joined with line breaks, each escaped."""
    return "<BR/>".join(font(line, size, color, bold=bold, italic=italic) for line in lines)


# --------------------------------------------------------------------------- DOT text

_SAFE_VALUE = re.compile(r"[A-Za-z0-9 #.,:;!_+\-]*")


def attrs(html: str | None = None, /, **values: str | float) -> str:
    """`[label=<...>, a="1"]`: an HTML-like label already built by this module's helpers,
    and code-written values only (never record text)."""
    parts = [f"label=<{html}>"] if html else []
    for key, value in values.items():
        text = f"{value:g}" if isinstance(value, float) else str(value)
        if not _SAFE_VALUE.fullmatch(text):
            raise ValueError(f"unsafe DOT attribute value for {key}: {text!r}")
        parts.append(f'{key}="{text}"')
    return "[" + ", ".join(parts) + "]"


class DotGraph:
    """A DOT document written line by line, with opaque node ids n0, n1, ..."""

    def __init__(
        self,
        graph: dict[str, str | float],
        node: dict[str, str | float],
        edge: dict[str, str | float],
    ) -> None:
        base_graph: dict[str, str | float] = {
            "fontname": FONT,
            "dpi": str(DPI),
            "bgcolor": WHITE,
            "pad": "0.25",
            "size": f"{MAX_INCHES},{MAX_INCHES}",
        }
        self.lines = [
            "digraph G {",
            f"  graph {attrs(**{**base_graph, **graph})};",
            f"  node {attrs(fontname=FONT, fontcolor=INK, **node)};",
            f"  edge {attrs(fontname=FONT, fontcolor=MUTED, **edge)};",
        ]
        self._count = 0

    def node(self, label: str | None = None, **values: str | float) -> str:
        """Add a node with an HTML-like label (already escaped) and return its id."""
        node_id = f"n{self._count}"
        self._count += 1
        values = values if label else {"label": "", **values}
        self.lines.append(f"  {node_id} {attrs(label, **values)};")
        return node_id

    def edge(
        self, source: str, target: str, label: str | None = None, **values: str | float
    ) -> None:
        """Add an edge between two node ids; a label must be already escaped."""
        self.lines.append(f"  {source} -> {target} {attrs(label, **values)};")

    def raw(self, line: str) -> None:
        """A structural line written by code (subgraph braces, rank constraints)."""
        self.lines.append("  " + line)

    def source(self) -> str:
        """The DOT document."""
        return "\n".join([*self.lines, "}", ""])


def point(x: float, y: float) -> str:
    """A neato `pos` pinned at (x, y) points."""
    return f"{x:.1f},{y:.1f}!"


# --------------------------------------------------------------------------- running dot


@dataclass(frozen=True)
class Drawing:
    """A laid-out graph: SVG text, PNG bytes and the PNG's size in pixels."""

    svg: str
    png: bytes
    width_px: int
    height_px: int


_CACHE: OrderedDict[str, Drawing] = OrderedDict()
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()  # diagrams are drawn in threads (draw_all, rca.pipeline)


def draw(source: str, engine: str = "dot", name: str = "diagram", raster: bool = True) -> Drawing:
    """Lay `source` out once with graphviz and return SVG (and PNG if `raster`); cached.

    Without `raster` the PNG is empty: rasterising is most of graphviz's cost
    (PERF-NOTES), and only decks need it.
    """
    key = hashlib.sha256(f"{engine}\0{source}".encode()).hexdigest()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and (hit.png or not raster):
            _CACHE.move_to_end(key)
            return hit
    drawing = _run(source, engine, name, raster)
    with _CACHE_LOCK:
        _CACHE[key] = drawing
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return drawing


def draw_all(jobs: Iterable[tuple[str, str, str]], raster: bool = True) -> list[Drawing]:
    """`draw` for several (source, engine, name) jobs, the uncached ones in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    todo = list(jobs)
    with ThreadPoolExecutor(max_workers=min(4, max(1, len(todo)))) as pool:
        # Each job in a copy of this context: a build's `DotJobs` reaches its threads.
        runs = [
            pool.submit(contextvars.copy_context().run, draw, job[0], job[1], job[2], raster)
            for job in todo
        ]
        return [run.result() for run in runs]


def clear_cache() -> None:
    """Forget every cached drawing (tests)."""
    with _CACHE_LOCK:
        _CACHE.clear()


class DotStopped(RcaError):
    """A drawing refused or cut short because its build stopped (it failed or ran out of time)."""


class DotJobs:
    """The dot processes started for one build, so that a build that stops can end them.

    A build draws its diagrams in the background while it renders other
    things (rca.pipeline); when it stops early (an error, its time limit, ^C),
    `stop` kills the dot processes still running for it and refuses new ones,
    so nothing it started outlives it. `draw` started inside `with jobs.active():`
    (and in threads given a copy of that context) belongs to `jobs`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Drawings started inside the block (in this context) belong to these jobs."""
        token = _JOBS.set(self)
        try:
            yield
        finally:
            _JOBS.reset(token)

    def stop(self) -> None:
        """Kill the running dot processes and refuse new ones."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        for proc in running:
            with contextlib.suppress(OSError):
                proc.kill()

    def popen(self, command: list[str]) -> subprocess.Popen[bytes]:
        """Start one dot process for this build (DotStopped once it has stopped)."""
        with self._lock:
            if self._stopped:
                raise DotStopped("graphviz 'dot' not started: the build stopped")
            proc = _popen(command)
            self._running.add(proc)
        return proc

    def ended(self, proc: subprocess.Popen[bytes]) -> None:
        """Forget a process that has been waited for."""
        with self._lock:
            self._running.discard(proc)

    @property
    def stopped(self) -> bool:
        """Whether `stop` was called."""
        return self._stopped


_JOBS: contextvars.ContextVar[DotJobs | None] = contextvars.ContextVar("rca_dot_jobs", default=None)


def _dot_binary() -> str:
    found = shutil.which("dot")
    if found is None:
        raise RcaError("graphviz 'dot' not found; run scripts/setup.sh")
    return found


def _popen(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _execute(command: list[str], source: bytes) -> tuple[int, bytes]:
    """Run one dot command on `source`: (exit status, stderr).

    subprocess.TimeoutExpired after TIMEOUT_SECONDS; the process is killed
    whenever it does not end by itself (a timeout, its build stopping, the
    per-case time limit interrupting the wait), never left running.
    """
    jobs = _JOBS.get()
    proc = jobs.popen(command) if jobs is not None else _popen(command)
    try:
        with proc:
            try:
                _, err = proc.communicate(source, timeout=TIMEOUT_SECONDS)
            except BaseException:
                proc.kill()
                proc.wait()
                raise
    finally:
        if jobs is not None:
            jobs.ended(proc)
    if jobs is not None and jobs.stopped and proc.returncode < 0:
        raise DotStopped("graphviz 'dot' stopped: the build stopped")
    return proc.returncode, err


def _run(source: str, engine: str, name: str, raster: bool = True) -> Drawing:
    # The source goes in on stdin; only fixed flags and temporary paths are arguments.
    extra = ["-Kneato", "-n2"] if engine == "neato-n2" else [f"-K{engine}"]
    with tempfile.TemporaryDirectory(prefix="rca-dot-") as tmp:
        svg_path, png_path = Path(tmp) / "d.svg", Path(tmp) / "d.png"
        command = [_dot_binary(), *extra, "-Tsvg", "-o", str(svg_path)]
        if raster:
            command += ["-Tpng:cairo", "-o", str(png_path)]
        try:
            returncode, stderr = _execute(command, source.encode("utf-8"))
        except FileNotFoundError:
            raise RcaError("graphviz 'dot' not found; run scripts/setup.sh") from None
        except subprocess.TimeoutExpired:  # a limit (exit 4), not a wrong record
            raise TimeLimitError(
                f"graphviz 'dot' took longer than {TIMEOUT_SECONDS:g} s to lay out the {name} "
                "diagram; the case may have too many causes or events to draw"
            ) from None
        if returncode != 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RcaError(f"graphviz 'dot' failed on the {name} diagram: {' / '.join(detail)}")
        svg = svg_path.read_text(encoding="utf-8")
        png = png_path.read_bytes() if raster else b""
    width, height = struct.unpack(">II", png[16:24]) if png else (0, 0)
    return Drawing(tidy_svg(svg), png, width, height)


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_TITLE = re.compile(r"<title>[^<]*</title>\n?")
_SIZE = re.compile(
    r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"'
)
_SCALE = re.compile(r'transform="scale\(([\d.]+) ([\d.]+)\)')


def tidy_svg(svg: str) -> str:
    """Graphviz SVG made safe to inline: no prolog, comments or ids-as-titles; fonts with fallbacks.

    Also undoes graphviz 2.43's SVG scaling by `dpi` (it scales the drawing but
    not the viewBox, which crops it); newer versions that get it right are left alone.
    """
    svg = _COMMENT.sub("", _PROLOG.sub("", svg, count=1))
    svg = _TITLE.sub("", svg)  # node ids as tooltips help nobody
    svg = svg.replace(f'font-family="{FONT}"', f'font-family="{SVG_FONTS}"')
    size = _SIZE.search(svg)
    ratio = DPI / 72
    if size and abs(float(size[1]) - ratio * float(size[3])) < 2:
        view_w, view_h = size[3], size[4]
        svg = svg.replace(
            size[0],
            size[0]
            .replace(f'width="{size[1]}pt"', f'width="{view_w}pt"')
            .replace(f'height="{size[2]}pt"', f'height="{view_h}pt"'),
            1,
        )
        scale = _SCALE.search(svg)
        if scale:
            fixed = f"{float(scale[1]) / ratio:.6g}"
            svg = svg.replace(scale[0], f'transform="scale({fixed} {fixed})', 1)
    return svg.lstrip("\n")
