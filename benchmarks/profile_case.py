"""Profile a warm single-case build (both audiences, every format) and say where self time goes.

    .venv/bin/python -m benchmarks.profile_case            # 3 warm builds under cProfile
    .venv/bin/python -m benchmarks.profile_case --top 40 --dump /tmp/case.prof

Prints the self time (tottime) summed by the library that spent it, then the
functions with the most cumulative and self time. cProfile sees the main
thread only: the `dot` processes started from `draw_all`'s threads show up
as the main thread waiting in `render_diagrams`, which is what a build waits too.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from benchmarks.stages import CASE, FORMATS, Clock, clear_result_caches, one_build

# Where a function's file lives -> the library it belongs to, first match wins.
LIBRARIES = (
    ("weasyprint/layout", "WeasyPrint layout"),
    ("weasyprint/draw", "WeasyPrint drawing (PDF operators)"),
    ("weasyprint/svg", "WeasyPrint SVG"),
    ("weasyprint/text", "WeasyPrint text (pango/harfbuzz via cffi)"),
    ("weasyprint/pdf", "WeasyPrint PDF writing"),
    ("weasyprint/css", "WeasyPrint CSS cascade"),
    ("weasyprint/formatting_structure", "WeasyPrint box tree"),
    ("weasyprint", "WeasyPrint other"),
    ("pydyf", "pydyf (PDF objects)"),
    ("fontTools", "fontTools (font subsetting)"),
    ("tinycss2", "tinycss2 (CSS parsing)"),
    ("cssselect2", "cssselect2 (selector matching)"),
    ("tinyhtml5", "WeasyPrint HTML parsing (tinyhtml5)"),
    ("cffi", "WeasyPrint text (pango/harfbuzz via cffi)"),
    ("html/parser", "leak guard HTML reading (html.parser)"),
    ("_markupbase", "leak guard HTML reading (html.parser)"),
    ("pptx", "python-pptx"),
    ("lxml", "lxml"),
    ("PIL", "Pillow"),
    ("jinja2", "jinja2"),
    ("markupsafe", "jinja2"),
    ("pypdf", "pypdf (leak guard fallback)"),
    ("rca/privacy", "rca leak guard"),
    ("rca/render/diagrams", "rca diagrams (DOT text)"),
    ("rca/render", "rca render (other)"),
    ("rca/analyse", "rca analyse"),
    ("rca", "rca other"),
    ("subprocess", "waiting for processes (dot)"),
    ("threading", "waiting for threads (dot)"),
    ("concurrent", "waiting for threads (dot)"),
    ("zipfile", "zipfile"),
    ("zlib", "zlib"),
    ("xml/etree", "ElementTree"),
    ("re/", "re"),
)


def library(filename: str) -> str:
    """The library a function's source file belongs to."""
    path = filename.replace("\\", "/")
    for needle, name in LIBRARIES:
        if f"/{needle}" in path or path.startswith(needle):
            return name
    if path.startswith("~") or path.startswith("<built-in"):
        return "builtins (C)"
    return "other Python"


def _builtin(name: str) -> str:
    """Which cost a C function's self time belongs to."""
    if "'acquire'" in name:
        return "waiting for threads (dot, in draw_all)"
    if "zlib" in name:
        return "zlib (PDF streams, PPTX zip)"
    if "XMLParser" in name:
        return "expat (leak guard XML, SVG sanitising)"
    if "fsync" in name:
        return "fsync (atomic writes)"
    if "re.Pattern" in name:
        return "regular expressions (C)"
    return "other builtins (C)"


def profile(runs: int, case: Path = CASE) -> pstats.Stats:
    """cProfile over `runs` warm builds of `case`."""
    from rca.audience import select_profiles

    profiles = select_profiles(["all"])
    with tempfile.TemporaryDirectory(prefix="rca-prof-") as tmp:
        out = Path(tmp) / "out"
        one_build(case, profiles, FORMATS, out, Clock())  # warm
        profiler = cProfile.Profile()
        for _ in range(runs):
            clear_result_caches()
            profiler.enable()
            one_build(case, profiles, FORMATS, out, Clock())
            profiler.disable()
    return pstats.Stats(profiler)


def by_library(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Self time summed per library, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        key = library(filename) if filename != "~" else _builtin(name)
        totals[key] += row[2]
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--case", type=Path, default=CASE)
    parser.add_argument("--dump", type=Path, help="write the raw profile here (pstats format)")
    parser.add_argument("--load", type=Path, help="summarise a profile dumped earlier instead")
    args = parser.parse_args(argv)
    stats = pstats.Stats(str(args.load)) if args.load else profile(args.runs, args.case)
    if args.dump:
        stats.dump_stats(str(args.dump))
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    print(f"self time by library, per build ({total / args.runs:.2f} s profiled, wall clock):")
    for name, seconds in by_library(stats):
        print(f"  {name:<44} {seconds / args.runs:7.3f} s {seconds / total:6.1%}")
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats.stream = buffer  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(args.top)
        print(f"\n--- top {args.top} by {order} (all {args.runs} builds) ---")
        print(buffer.getvalue().split("\n\n", 2)[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
