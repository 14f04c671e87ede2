"""Every PDF engine offered prints the HTML brief's content, safely, the same way each time.

Parity is read with tools independent of rca (lxml for the HTML, poppler's
`pdftotext` for the PDF; see pdf_parity.py) over every bundled case and
audience. The measured reader checks (7 pt, no thin page, tagged) are in
test_meeting_ready.py, parametrised over the engines too.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from pdf_parity import collisions, parity_problems, pdf_text
from typst_folders import template_reading_a_link_out

from rca.errors import RcaError, TimeLimitError
from rca.render.registry import PDF_ENGINE_VARIABLE, PDF_ENGINES
from rca.templating import builtin_template_dir

ROOT = Path(__file__).parent.parent.parent
TODAY = date(2026, 11, 25)  # the day the bundled outputs are built on (tests/conftest.py)
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_the_pdf_carries_the_html_briefs_content(
    engine: str, engine_pdfs: Any, bundled_outputs: dict[str, Any]
) -> None:
    pdfs = engine_pdfs(engine)
    html = {(c, a): d for (c, a, ext), d in bundled_outputs["files"].items() if ext == "html"}
    assert len(pdfs) >= 14 and set(pdfs) == set(html)
    problems = {
        key: found
        for key in sorted(pdfs)
        if (found := parity_problems(html[key].decode("utf-8"), pdfs[key]))
    }
    assert problems == {}


def test_parity_sees_a_missing_section_and_words_the_html_lacks(
    tmp_path: Path, bundled_outputs: dict[str, Any]
) -> None:
    # Controls: a Typst template override that drops the red flags (also proof
    # that overrides are found in the search path), and HTML missing a sentence.
    from rca.audience import select_profiles
    from rca.load import load_records
    from rca.pipeline import render_case
    from rca.render.registry import using_pdf_engine

    override = tmp_path / "briefs" / "typst" / "specialist.typ"
    override.parent.mkdir(parents=True)
    source = (builtin_template_dir() / "briefs" / "typst" / "brief.typ").read_text()
    marker = '  } else if t == "section" {\n'
    assert marker in source
    override.write_text(
        source.replace(marker, marker + '    if "red-flags" in c { return none }\n')
    )
    (loaded,) = load_records([ROOT / "case_reviews" / "ESC-0142.yaml"])
    with using_pdf_engine("typst"):
        built = render_case(
            loaded,
            select_profiles(["specialist"], ()),
            ["pdf", "html"],
            today=TODAY,
            template_dirs=[tmp_path],
        )
    files = {a.name: a.data for a in built}
    html = files["specialist.html"].decode("utf-8")
    problems = parity_problems(html, files["specialist.pdf"])
    assert any(p.startswith("missing from the PDF") for p in problems), problems
    assert any("'red flags' not found" in p for p in problems), problems

    real = bundled_outputs["files"][("ESC-0142", "specialist", "html")].decode("utf-8")
    lead = real.index('<p class="lead">')
    cut = real[:lead] + real[real.index("</p>", lead) + 4 :]
    problems = parity_problems(cut, files["specialist.pdf"])
    assert any(p.startswith("in the PDF but not the HTML") for p in problems), problems


@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_no_printed_word_collides_with_another_or_leaves_the_page(
    engine: str, engine_pdfs: Any
) -> None:
    found = {key: c for key, pdf in sorted(engine_pdfs(engine).items()) if (c := collisions(pdf))}
    assert found == {}


def test_the_collision_check_sees_lines_set_on_each_other(tmp_path: Path) -> None:
    from rca.render import typst

    worker = typst.TypstWorker()
    try:
        pdf = worker.compile(
            '#set document(title: [t])\n#set text(lang: "en", font: "Liberation Sans")\n'
            "Clear words here.\n\n"
            "#place(dy: 60pt)[Plenty of typography]\n#place(dy: 65pt)[Overlapping lines]\n"
            "#place(dx: 500pt, dy: 120pt)[Outside]\n",
            root=tmp_path,
            inputs={},
            seconds=30,
            what="laying out",
            where=tmp_path,
        )
    finally:
        worker.stop()
    found = collisions(pdf)
    assert any("'typography' / 'Overlapping'" in f for f in found), found
    assert any("'Outsi' runs off the page" in f for f in found), found  # cropped
    assert not any("Clear" in f for f in found), found


@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_every_brief_keeps_its_page_budget(engine: str, engine_pdfs: Any) -> None:
    from pypdf import PdfReader

    from rca.audience import select_profiles

    def read_pages(pdf: bytes) -> int:
        """Pages before the audit-trail appendix (its bookmark), which the budget leaves out."""
        reader = PdfReader(io.BytesIO(pdf))

        def flat(items: list[Any]) -> list[Any]:  # sections nest under the title's bookmark
            return [m for item in items for m in (flat(item) if isinstance(item, list) else [item])]

        marks = flat(reader.outline)
        starts = [reader.get_destination_page_number(m) for m in marks if "Appendix" in m.title]
        assert starts, "no appendix bookmark"
        return starts[0]

    budgets = {p.id: p.brief.max_pages for p in select_profiles(["all"], ())}
    assert any(budgets.values())
    over = {
        key: (pages, budgets[key[1]])
        for key, pdf in sorted(engine_pdfs(engine).items())
        if budgets[key[1]] is not None and (pages := read_pages(pdf)) > budgets[key[1]]
    }
    assert over == {}


def test_typst_pdf_is_the_same_bytes_in_another_process(engine_pdfs: Any) -> None:
    # Another process, another time zone, another string-hash seed: same bytes.
    script = (
        "import sys, os\n"
        f"os.environ[{PDF_ENGINE_VARIABLE!r}] = 'typst'\n"
        "from pathlib import Path\n"
        "from datetime import date\n"
        "from rca.audience import select_profiles\n"
        "from rca.load import load_records\n"
        "from rca.pipeline import render_case\n"
        "(loaded,) = load_records([Path('case_reviews/ESC-0157.yaml')])\n"
        "arts = render_case(loaded, select_profiles(['leadership'], ()), ['pdf'],"
        " today=date(2026, 11, 25))\n"
        "sys.stdout.buffer.write(next(a.data for a in arts if a.name == 'leadership.pdf'))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TZ": "Pacific/Chatham",
            "PYTHONHASHSEED": "4242",
        },
        capture_output=True,
        check=True,
    ).stdout
    assert other[:5] == b"%PDF-"
    assert other == engine_pdfs("typst")[("ESC-0157", "leadership")]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils")
def test_typst_pdf_embeds_every_font(engine_pdfs: Any, tmp_path: Path) -> None:
    path = tmp_path / "brief.pdf"
    path.write_bytes(engine_pdfs("typst")[("ESC-0142", "specialist")])
    rows = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows
    assert any("LiberationSans" in row for row in rows), rows


def test_typst_runs_within_the_time_limit(tmp_path: Path, monkeypatch: Any) -> None:
    from rca.render import typst

    worker = typst.TypstWorker()
    slow = "#let n = 0\n#for i in range(1000000000) { n += 1 }\n#n\n"
    with pytest.raises(TimeLimitError, match=r"longer than 0\.5 s") as caught:
        worker.compile(
            slow, root=tmp_path, inputs={}, seconds=0.5, what="laying out", where=tmp_path
        )
    assert caught.value.exit_code == 4  # a limit, as WeasyPrint's
    # The stuck process was killed; the next brief gets a fresh one.
    assert worker.compile(
        '#set document(title: [t])\n#set text(lang: "en")\nok',
        root=tmp_path,
        inputs={},
        seconds=30,
        what="laying out",
        where=tmp_path,
    ).startswith(b"%PDF-")
    worker.stop()


def test_the_case_time_limit_stops_typst_too(tmp_path: Path) -> None:
    # The per-case limit (rca.limits, a signal) ends the wait for the child; the
    # child is killed, so its late answer never reaches the next brief.
    from rca import limits
    from rca.render import typst

    worker = typst.TypstWorker()
    slow = "#let n = 0\n#for i in range(1000000000) { n += 1 }\n#n\n"
    with pytest.raises(TimeLimitError, match="case limit"), limits.time_limit(0.5, "case limit"):
        worker.compile(slow, root=tmp_path, inputs={}, seconds=60, what="x", where=tmp_path)
    quick = '#set document(title: [t])\n#set text(lang: "en")\nsecond'
    pdf = worker.compile(quick, root=tmp_path, inputs={}, seconds=30, what="x", where=tmp_path)
    worker.stop()
    assert "second" in pdf_text(pdf)


def test_a_broken_typst_template_is_a_clear_error(tmp_path: Path, render_context: Any) -> None:
    from rca.render.registry import RenderInput
    from rca.render.typst import TypstRenderer

    override = tmp_path / "briefs" / "typst" / "brief.typ"
    override.parent.mkdir(parents=True)
    override.write_text("#let d = json(bytes(sys.inputs.data))\n#unknown-function(d)\n")
    with pytest.raises(RcaError) as error:
        TypstRenderer().render(RenderInput(render_context("small"), {}, (tmp_path,)))
    assert str(override) in str(error.value) and "unknown" in str(error.value)


def test_a_typst_template_cannot_read_outside_its_folder(
    tmp_path: Path, render_context: Any
) -> None:
    from rca.render.registry import RenderInput
    from rca.render.typst import TypstRenderer

    secret = tmp_path / "secret.txt"
    secret.write_text("zq-secret")
    override = tmp_path / "templates" / "briefs" / "typst" / "brief.typ"
    override.parent.mkdir(parents=True)
    override.write_text('#read("../../../secret.txt")\n')
    with pytest.raises(RcaError, match=r"outside|root|access"):
        TypstRenderer().render(RenderInput(render_context("small"), {}, (tmp_path / "templates",)))


def test_a_link_out_of_a_typst_template_folder_is_refused(
    tmp_path: Path, render_context: Any
) -> None:
    from rca.render.registry import RenderInput
    from rca.render.typst import TypstRenderer

    template_reading_a_link_out(tmp_path / "templates" / "briefs" / "typst", "brief.typ", tmp_path)
    with pytest.raises(RcaError, match=r"notes\.txt: a link out of the Typst template folder"):
        TypstRenderer().render(RenderInput(render_context("small"), {}, (tmp_path / "templates",)))


def test_a_typst_template_cannot_reach_the_network_for_a_package(tmp_path: Path) -> None:
    # Typst would download `@preview/...`: the child has no usable network and
    # an empty package folder, whatever the machine's proxy settings say.
    from rca.render import typst

    worker = typst.TypstWorker()
    source = '#import ("@preview/" + "zqpkg:0.1.0"): *\nhi'
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NO_PROXY", "*")
        patch.setenv("HTTPS_PROXY", "")
        worker.start()
    with pytest.raises(RcaError, match=r"download package .*Connect(ion)? (refused|Failed)"):
        worker.compile(source, root=tmp_path, inputs={}, seconds=30, what="x", where=tmp_path)
    worker.stop()


def test_typst_markup_in_the_record_prints_as_text(tmp_path: Path) -> None:
    # Every Typst construct that could run code, read a file or restyle text, in a
    # field the brief prints: it must come out character for character.
    import yaml

    from rca.audience import select_profiles
    from rca.load import load_records
    from rca.pipeline import render_case
    from rca.render.registry import using_pdf_engine

    hostile = (
        '#read("/etc/passwd") #import "@preview/x:0.1.0": * #include "/etc/hostname" '
        "$x^2$ @intro <intro> *bold* _emph_ `raw` ```python print(7*7)``` \\ #str(7*7)ZQ "
        '= Heading - item + item // comment /* block */ #pagebreak() #panic("zq") ~ -- ---'
    )
    from rca.yamlsafe import read_yaml

    located, _ = read_yaml(ROOT / "case_reviews" / "ESC-0157.yaml")  # scalars as rca reads them
    assert located is not None
    data = located.data
    data["problem"]["statement"] = f"Before {hostile} after."
    data["lessons"][0] = f"Lesson {hostile} end."
    path = tmp_path / "ESC-0157.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    (loaded,) = load_records([path])
    with using_pdf_engine("typst"):
        built = render_case(loaded, select_profiles(["specialist"], ()), ["pdf", "html"])
    files = {a.name: a.data for a in built}
    text = " ".join(pdf_text(files["specialist.pdf"]).split())
    # As the HTML brief shows it (redaction may have replaced a handle like @intro).
    html = " ".join(lxml.html.document_fromstring(files["specialist.html"]).text_content().split())
    for start, end in (("Before ", " after."), ("Lesson ", " end.")):
        shown = html[html.index(start + "#read") : html.index(end, html.index(start + "#read"))]
        assert len(shown) > len(hostile) - 40 and "$x^2$ " in shown and "#str(7*7)ZQ" in shown
        assert shown + end in text
    assert "49ZQ" not in text and "root:x:0:0" not in text and "(7*7)ZQ" in text


def test_text_no_embedded_font_can_show_still_prints_a_tagged_brief(tmp_path: Path) -> None:
    # PDF/UA-1 refuses such a character outright; the brief is made without the
    # UA claim (tagged all the same), with the font's missing-glyph box.
    from rca.render import typst

    worker = typst.TypstWorker()
    source = '#set document(title: [t])\n#set text(lang: "en")\nBefore \U000c6833 漢字 after'
    pdf = worker.compile(source, root=tmp_path, inputs={}, seconds=30, what="x", where=tmp_path)
    worker.stop()
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "Tagged:          yes" in info.stdout
    assert "Before" in pdf_text(pdf) and "after" in pdf_text(pdf)


def _heading_scale(pdf: bytes) -> float:
    """The tallest printed word (the title) over the commonest (body text), read by poppler."""
    import re
    from collections import Counter

    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8", "replace")
    heights = [
        round(float(y1) - float(y0), 1)
        for y0, y1 in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)
    ]
    body = Counter(heights).most_common(1)[0][0]
    return max(heights) / body


def test_typst_prints_headings_at_the_stylesheets_sizes(engine_pdfs: Any) -> None:
    # Each engine's fonts report their own box heights, so the title is compared
    # with the body text of the same PDF: Typst once scaled every heading by its
    # own 1.4em / 1.2em on top of style.css's sizes (a 24 pt title for 17 pt).
    typst, weasy = engine_pdfs("typst"), engine_pdfs("weasyprint")
    off = {}
    for key in sorted(typst):
        t, w = _heading_scale(typst[key]), _heading_scale(weasy[key])
        if not 0.9 <= t / w <= 1.1:
            off[key] = (round(t, 2), round(w, 2))
    assert off == {}
