"""The trends brief's PDF by either engine: the HTML's content, safely, the same way each time.

As for the case briefs (tests/render/test_pdf_engines.py), the PDF is read
back with tools independent of rca: poppler's `pdftotext`, `pdfinfo` and
`pdffonts`, lxml for the HTML (pdf_parity.py), pypdf for text sizes and the
structure tree. Typst is the default engine; WeasyPrint is laid out once per
session from the same trends and charts (conftest.py).
"""

from __future__ import annotations

import copy
import dataclasses
import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from trends_helpers import CASES, Rendered

from rca.artifact import Artifact
from rca.cli import cli
from rca.errors import LeakError, RcaError
from rca.privacy.identifiers import declared_identifiers
from rca.render.registry import (
    PDF_ENGINE_VARIABLE,
    PDF_ENGINES,
    stylesheet_engine,
    using_pdf_engine,
)
from rca.templating import builtin_template_dir
from rca.trends.brief import stylesheet_engine as trends_rule
from rca.trends.report import check_trends, load_inputs, render_trends
from tests.render.pdf_parity import collisions, parity_problems, pdf_text
from tests.render.test_meeting_ready import PRINT_MIN_PT, printed_sizes
from tests.render.typst_folders import template_reading_a_link_out

ROOT = Path(__file__).parents[2]
ENGINES = sorted(PDF_ENGINES)
TrendsPdf = Callable[[str], bytes]


def _html(rendered: Rendered) -> str:
    return rendered.artifacts["trends.html"].decode("utf-8")


def _pdf(artifacts: list[Artifact]) -> Artifact:
    return next(a for a in artifacts if a.name == "trends.pdf")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("engine", ENGINES)
def test_the_pdf_carries_the_html_briefs_content(
    engine: str, trends_pdf: TrendsPdf, rendered: Rendered
) -> None:
    # Every word of every heading, table cell, chart (its SVG text) and caption.
    html = _html(rendered)
    assert len(re.findall(r"<td\b", html)) > 300 and html.count("<svg") >= 7
    assert parity_problems(html, trends_pdf(engine)) == []


def test_parity_sees_a_section_the_typst_template_leaves_out(
    tmp_path: Path, rendered: Rendered
) -> None:
    # Control: an organisation's trends template (found first in the search path)
    # that drops the calibration section.
    source = (builtin_template_dir() / "trends" / "typst" / "trends.typ").read_text()
    marker = '  } else if t == "section" {\n'
    assert marker in source
    override = tmp_path / "trends" / "typst" / "trends.typ"
    override.parent.mkdir(parents=True)
    override.write_text(
        source.replace(marker, marker + '    if n.at("id", default: "") == "sec-calibration" '
                       "{ return none }\n")
    )  # fmt: skip
    with using_pdf_engine("typst"):
        pdf = _pdf(render_trends(rendered.trends, rendered.charts, ["pdf"], [tmp_path]))
    problems = parity_problems(_html(rendered), pdf.data)
    assert any(p.startswith("missing from the PDF") for p in problems), problems
    assert any("'calibration can the trends be trusted' not found" in p for p in problems)


@pytest.mark.parametrize("engine", ENGINES)
def test_no_printed_word_collides_with_another_or_leaves_the_page(
    engine: str, trends_pdf: TrendsPdf
) -> None:
    # A table or chart wider than the page would put its words past the edge.
    assert collisions(trends_pdf(engine)) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_every_printed_text_is_7_pt_or_more_chart_labels_included(
    engine: str, trends_pdf: TrendsPdf, rendered: Rendered
) -> None:
    runs = [run for page in printed_sizes(trends_pdf(engine)) for run in page]
    assert [r for r in runs if r[0] < PRINT_MIN_PT - 0.01] == []
    # The charts' labels are text in the PDF (not outlines), measured as printed.
    labels = {
        " ".join("".join(e.itertext()).split())
        for chart in rendered.charts.values()
        for e in ET.fromstring(chart.svg).iter("{http://www.w3.org/2000/svg}text")
    }
    placed = [size for size, text in runs if text in labels]
    assert len(placed) >= 100 and min(placed) >= PRINT_MIN_PT - 0.01, (len(placed), min(placed))


@pytest.mark.parametrize("engine", ENGINES)
def test_the_pdf_is_tagged_with_title_language_and_every_charts_alt_text(
    engine: str, trends_pdf: TrendsPdf, rendered: Rendered, tmp_path: Path
) -> None:
    path = tmp_path / "trends.pdf"
    path.write_bytes(trends_pdf(engine))
    info = _run("pdfinfo", str(path))
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Title:\s+Quality trends: QA Apr 2025", info, re.M), info
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    # One figure per chart, in order, each with the chart's alt text or title.
    root = lxml.html.document_fromstring(rendered.artifacts["trends.html"])
    charts = [
        {svg.get("aria-label"), *(t.text_content() for t in svg.findall("title"))}
        for svg in root.xpath("//figure//svg")
    ]
    figures = _alt_texts(catalog["/StructTreeRoot"])
    assert len(figures) == len(charts) >= 7
    assert all(alt in names for alt, names in zip(figures, charts, strict=True)), figures


def _alt_texts(node: Any) -> list[str]:
    out: list[str] = []
    seen: set[int] = set()

    def visit(obj: Any) -> None:
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            if obj.get("/S") == "/Figure":
                out.append(str(obj.get("/Alt", "")))
            if "/K" in obj:
                visit(obj["/K"])
        elif isinstance(obj, ArrayObject):
            for kid in obj:
                visit(kid)

    visit(node)
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_every_font_is_embedded(engine: str, trends_pdf: TrendsPdf, tmp_path: Path) -> None:
    path = tmp_path / "trends.pdf"
    path.write_bytes(trends_pdf(engine))
    rows = _run("pdffonts", str(path)).splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows


def test_either_engine_gives_the_same_bytes_in_another_process(trends_pdf: TrendsPdf) -> None:
    # Another process, time zone and string-hash seed, the trends built afresh.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "sys.path.insert(0, 'tests/trends')\n"
        "from trends_helpers import CASES, TODAY\n"
        "from rca.render.registry import using_pdf_engine\n"
        "from rca.trends.queries import Scope\n"
        "from rca.trends.report import build_trends, draw_charts, load_inputs, render_trends\n"
        "records, qa = load_inputs(CASES, CASES / 'qa')\n"
        "trends = build_trends(records, qa, Scope(), TODAY)\n"
        "charts = draw_charts(trends, raster=False)\n"
        "for engine in sys.argv[1:]:\n"
        "    with using_pdf_engine(engine):\n"
        "        made = render_trends(trends, charts, ['pdf'])\n"
        "    pdf = next(a for a in made if a.name == 'trends.pdf')\n"
        "    sys.stdout.buffer.write(len(pdf.data).to_bytes(8, 'big') + pdf.data)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, *ENGINES],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TZ": "Pacific/Chatham",
             "PYTHONHASHSEED": "4242"},
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    for engine in ENGINES:
        size, out = int.from_bytes(out[:8], "big"), out[8:]
        other, out = out[:size], out[size:]
        assert other[:5] == b"%PDF-" and other == trends_pdf(engine), engine


def test_the_leak_guard_reads_the_typst_pdf(rendered: Rendered) -> None:
    # An identifier planted where the brief prints free text (a finding, an
    # owner) after the scrubbing: the guard must find it in the PDF itself.
    records, _ = load_inputs(CASES, None)
    declared = declared_identifiers(records[-1].record)[-1].value
    email = "wrenna.coldridge@example.org"  # undeclared, used nowhere else
    context = copy.deepcopy(rendered.trends.context)
    context["headlines"][0]["text"] += f" Call {declared} now."
    context["asks"][0]["decider"] = f"{email} desk"
    planted = dataclasses.replace(rendered.trends, context=context)
    with using_pdf_engine("typst"):
        pdf = _pdf(render_trends(planted, rendered.charts, ["pdf"]))
    printed = " ".join(pdf_text(pdf.data).split())
    assert declared in printed and email in printed  # positive control, read by poppler
    with pytest.raises(LeakError) as caught:
        check_trends(records, [pdf], rendered.trends)
    assert {leak.artifact for leak in caught.value.leaks} == {"trends.pdf"}
    assert declared not in str(caught.value) and email not in str(caught.value)


def test_a_link_out_of_the_trends_template_folder_is_refused(
    tmp_path: Path, rendered: Rendered
) -> None:
    template_reading_a_link_out(tmp_path / "org" / "trends" / "typst", "trends.typ", tmp_path)
    with (
        using_pdf_engine("typst"),
        pytest.raises(RcaError, match=r"notes\.txt: a link out of the Typst template folder"),
    ):
        render_trends(rendered.trends, rendered.charts, ["pdf"], [tmp_path / "org"])


def test_a_trends_template_cannot_fetch_a_package(tmp_path: Path, rendered: Rendered) -> None:
    folder = tmp_path / "trends" / "typst"
    folder.mkdir(parents=True)
    (folder / "trends.typ").write_text('#import ("@preview/" + "zqpkg:0.1.0"): *\nhi\n')
    with (
        using_pdf_engine("typst"),
        pytest.raises(RcaError, match=r"download package .*Connect(ion)? (refused|Failed)"),
    ):
        render_trends(rendered.trends, rendered.charts, ["pdf"], [tmp_path])


# --------------------------------------------------------------------------- the engine chosen


@pytest.fixture
def one_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of one bundled case (no QA data: a short brief); no engine chosen."""
    monkeypatch.setenv(PDF_ENGINE_VARIABLE, "typst")  # so that teardown restores it, then:
    monkeypatch.delenv(PDF_ENGINE_VARIABLE)
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "ESC-0157.yaml").write_bytes((CASES / "ESC-0157.yaml").read_bytes())
    return folder


def _producer(pdf: Path) -> str:
    """What made the PDF: WeasyPrint names itself as producer, Typst as creator."""
    meta = PdfReader(pdf).metadata or {}
    return f"{meta.get('/Producer', '')} {meta.get('/Creator', '')}"


def test_rca_trends_takes_the_pdf_engine_of_the_case_briefs(one_case: Path, tmp_path: Path) -> None:
    base = ["trends", str(one_case), "--format", "pdf", "--today", "2026-11-25"]
    result = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert "rca: note:" not in result.stderr
    assert "Typst" in _producer(tmp_path / "t" / "trends" / "trends.pdf")
    result = CliRunner().invoke(
        cli, [*base, "--pdf-engine", "weasyprint", "-o", str(tmp_path / "w")]
    )
    assert result.exit_code == 0, result.output
    assert "WeasyPrint" in _producer(tmp_path / "w" / "trends" / "trends.pdf")


def test_an_organisations_trends_stylesheet_sends_the_pdf_to_weasyprint(
    one_case: Path, tmp_path: Path
) -> None:
    org = tmp_path / "org" / "trends"
    org.mkdir(parents=True)
    css = (builtin_template_dir() / "trends" / "trends.css").read_text(encoding="utf-8")
    (org / "trends.css").write_text(css + "\nh1 { font-family: 'DejaVu Serif'; }\n")
    base = ["trends", str(one_case), "--format", "pdf", "--templates", str(org.parent)]
    result = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("rca: note:")]
    assert len(notes) == 1 and "trends.css restyles the trends brief" in notes[0], notes
    pdf = tmp_path / "o" / "trends" / "trends.pdf"
    fonts = _run("pdffonts", str(pdf)).replace("-", "")
    assert "WeasyPrint" in _producer(pdf) and "DejaVuSerif" in fonts, fonts
    assert PDF_ENGINE_VARIABLE not in os.environ  # for that command only
    # The rule, as for the case briefs: a chosen engine is kept, with a note that
    # the stylesheet does not reach it; an organisation with its own Typst trends
    # template has styled both.
    os.environ[PDF_ENGINE_VARIABLE] = "typst"
    engine, note = trends_rule([org.parent])
    assert engine is None and note and "not the typst PDF" in note
    del os.environ[PDF_ENGINE_VARIABLE]
    (org / "typst").mkdir()
    (org / "typst" / "trends.typ").write_text("// the organisation's own\n")
    assert trends_rule([org.parent]) == (None, None)
    # The case briefs' rule is not the trends brief's: their stylesheet is not this one.
    (org / "typst" / "trends.typ").unlink()
    assert stylesheet_engine([org.parent]) == (None, None)
