"""The specialist brief by three PDF engines, from one render context: time and fidelity.

    .venv/bin/python -m benchmarks.pdf_engines.compare                 # all engines, 5 runs
    .venv/bin/python -m benchmarks.pdf_engines.compare --engine typst --runs 1   # one, for a
                                                        # whole-process timer to run again and again

Times are warm (fonts loaded, browser started) and interleaved: run k of every
engine before run k+1 of any, so a machine whose load drifts hits all alike.
Fidelity is read back with poppler (pdfinfo, pdffonts, pdftotext), never with
the engine's own tools, and with the leak guard's own reader.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent.parent
CASE = ROOT / "case_reviews" / "ESC-0142.yaml"
TODAY = date(2026, 11, 25)
ENGINES = ("weasyprint", "typst", "chromium")


def specialist_input(case: Path = CASE) -> tuple[Any, Any]:
    """The specialist audience's RenderInput for `case`, and the loaded record."""
    from rca.analyse import analyse
    from rca.audience import select_profiles
    from rca.load import load_records
    from rca.render.context import build_context
    from rca.render.diagrams import render_diagrams
    from rca.render.registry import RenderInput

    (loaded,) = load_records([case])
    (profile,) = [p for p in select_profiles(["all"]) if p.id == "specialist"]
    context = build_context(loaded, analyse(loaded, today=TODAY), profile, today=TODAY)
    return RenderInput(context, render_diagrams(context, raster=False)), loaded


@contextlib.contextmanager
def engines(names: list[str]) -> Iterator[dict[str, Callable[[Any], bytes]]]:
    """A warm render function per engine name."""
    out: dict[str, Callable[[Any], bytes]] = {}
    with contextlib.ExitStack() as stack:
        if "weasyprint" in names:
            from rca.render.pdf import PdfRenderer

            out["weasyprint"] = PdfRenderer().render
        if "typst" in names:
            from benchmarks.pdf_engines.typst_brief import render_typst

            out["typst"] = render_typst
        if "chromium" in names:
            from benchmarks.pdf_engines.chromium_brief import chromium, render_chromium

            page = stack.enter_context(chromium())
            out["chromium"] = lambda data: render_chromium(page, data)
        yield out


def timings(
    data: Any, others: list[Any], names: list[str], runs: int
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Median warm seconds per engine, interleaved, and each engine's PDF of `data`.

    Run k renders the k-th of `others` (the other bundled cases) with every
    engine in turn: a batch worker's next case is a different one, and Typst
    memoises within a process, so rendering the same input again would time
    its cache, not its layout.
    """
    seconds: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    pdfs: dict[str, bytes] = {}
    with engines(names) as render:
        for name in names:
            pdfs[name] = render[name](data)  # warm: fonts, browser
        for k in range(runs):
            for name in names:
                started, used = time.perf_counter(), time.process_time()
                render[name](others[k % len(others)])
                seconds[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - used)
        repeat = {name: render[name](data) == pdfs[name] for name in names}
    base = names[0]
    return (
        {
            n: {
                "warm_median_s": round(statistics.median(v), 3),
                "min_s": round(min(v), 3),
                "cpu_median_s": round(statistics.median(cpu[n]), 3),
                f"ratio_to_{base}_paired": round(
                    statistics.median(a / b for a, b in zip(v, seconds[base], strict=True)), 3
                ),
                "byte_identical_rerun": repeat[n],
            }
            for n, v in seconds.items()
        },
        pdfs,
    )


def _poppler(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout


def fidelity(name: str, pdf: bytes, data: Any, loaded: Any, tmp: Path) -> dict[str, Any]:
    """What a reader and a checker find in one engine's PDF."""
    path = tmp / f"{name}.pdf"
    path.write_bytes(pdf)
    info = _poppler("pdfinfo", str(path))
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    fonts = [
        line.split() for line in _poppler("pdffonts", str(path)).splitlines()[2:] if line.strip()
    ]
    # pdffonts columns, counted from the right: object ID (2), uni, sub, emb.
    embedded = all(f[-5] == "yes" and f[-4] == "yes" for f in fonts)
    text = _poppler("pdftotext", "-enc", "UTF-8", str(path), "-").replace("\xa0", " ")
    page_texts = text.split("\f")
    flat = " ".join(text.split())
    titles = list(data.context["audience"]["brief"]["sections"])
    return {
        "bytes": len(pdf),
        "pages": pages,
        "tagged": "Tagged:          yes" in info,
        "pdf_ua_claimed": b"pdfuaid" in pdf,
        "fonts": len(fonts),
        "fonts_embedded_and_subset": embedded,
        "creation_date": (re.search(r"CreationDate:\s+(.*)", info) or [None, "none"])[1].strip(),
        "diagram_text_extractable": _diagram_words_found(data, flat),
        "reading_order_ok": _in_order(flat, _section_titles(titles)),
        "headings_alone_at_page_foot": _orphan_headings(page_texts, _section_titles(titles)),
        "hyphenated_line_ends": sum(
            # hyphen-minus, U+2010 (WeasyPrint's) or a soft hyphen (Typst's) ending a line
            1
            for line in text.splitlines()
            if re.search("[a-z][-\u2010\u00ad]$", line.strip())
        ),
        "page_x_of_y": bool(re.search(rf"Page 1 of {pages}\b", page_texts[0])),
        "generated_line_on_every_page": all(
            data.context["meta"]["case_id"] + " v" in " ".join(p.split())
            for p in page_texts
            if p.strip()
        ),
        "leak_guard": _guard(loaded, name, pdf),
    }


def _section_titles(sections: list[str]) -> list[str]:
    from benchmarks.pdf_engines.typst_brief import TITLES

    return [TITLES.get(s, s) for s in sections]


def _diagram_words_found(data: Any, flat: str) -> float:
    """Share of the diagrams' SVG text runs that pdftotext finds in the PDF."""
    runs = []
    for diagram in data.diagrams.values():
        root = ET.fromstring(diagram.svg)
        runs += [
            " ".join("".join(t.itertext()).replace("\xa0", " ").split())
            for t in root.iter("{http://www.w3.org/2000/svg}text")
        ]
    runs = [r for r in runs if len(r) > 3]
    found = sum(1 for r in runs if r in flat)
    return round(found / len(runs), 2) if runs else 1.0


def _in_order(flat: str, titles: list[str]) -> bool:
    """Each section title, numbered as printed, appears after the previous one."""
    at = 0
    for n, title in enumerate(titles, 1):
        match = re.compile(rf"{n}\s*{re.escape(title)}").search(flat, at)
        if match is None:
            return False
        at = match.end()
    return True


def _orphan_headings(pages: list[str], titles: list[str]) -> int:
    """Pages whose last line of body text (above the footer) is a section heading."""
    count = 0
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not re.match(r"(Page \d+ of \d+|ESC-\d+ v)", line)]
        if body and any(body[-1].endswith(t) and len(body[-1]) < len(t) + 4 for t in titles):
            count += 1
    return count


def _guard(loaded: Any, name: str, pdf: bytes) -> str:
    """The leak guard's verdict on the PDF, and which of its readers read it."""
    from rca.artifact import Artifact
    from rca.audience import select_profiles
    from rca.privacy import extract, guard

    guard._CLEAN.clear()
    profiles = {p.id: p for p in select_profiles(["all"])}
    fallbacks = 0
    original = extract.ContentText.page

    def counting(self: Any, page: Any) -> None:
        nonlocal fallbacks
        try:
            original(self, page)
        except extract.NotSimple:
            fallbacks += 1
            raise

    extract.ContentText.page = counting  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        leaks = guard.find_leaks(loaded, profiles, [Artifact(f"{name}.pdf", pdf, "specialist")])
        seconds = time.perf_counter() - started
    finally:
        extract.ContentText.page = original  # type: ignore[method-assign]
    verdict = "clean" if not leaks else f"{len(leaks)} hit(s): {leaks[0].what}, {leaks[0].where}"
    reader = "pypdf fallback on every page" if fallbacks else "fast reader"
    return f"{verdict}; {reader}, {fallbacks} page(s) fell back; {seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--engine", default=",".join(ENGINES))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--case", type=Path, default=CASE)
    parser.add_argument("--out", type=Path, help="keep each engine's PDF in this folder")
    parser.add_argument("--no-fidelity", action="store_true", help="time only")
    parser.add_argument(
        "--once",
        action="store_true",
        help="render the brief once with --engine and exit (for timing whole processes)",
    )
    args = parser.parse_args(argv)
    names = args.engine.split(",")
    data, loaded = specialist_input(args.case)
    if args.once:
        with engines(names) as render:
            for name in names:
                render[name](data)
        return 0
    cases = sorted(p for p in args.case.parent.glob("*.yaml") if p != args.case)
    others = [specialist_input(p)[0] for p in cases] or [data]
    times, pdfs = timings(data, others, names, args.runs)
    result: dict[str, Any] = {"runs": args.runs, "engines": times}
    if not args.no_fidelity:
        import tempfile

        with tempfile.TemporaryDirectory() as name:
            tmp = args.out or Path(name)
            tmp.mkdir(parents=True, exist_ok=True)
            for engine, pdf in pdfs.items():
                result["engines"][engine].update(fidelity(engine, pdf, data, loaded, tmp))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
