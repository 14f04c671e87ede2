"""The trends outputs as people see them: deck, brief, charts, tables; the CLI; the leak guard.

The bundled cases and QA data are rendered once per session (tests/trends/conftest.py);
every test reads that one rendering (plus a second rendering of the deck and PDF from
the same data, for determinism).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pptx import Presentation
from pypdf import PdfReader
from trends_helpers import CASES, Rendered

from rca.artifact import Artifact
from rca.cli import cli
from rca.errors import LeakError, TooLargeError
from rca.privacy.identifiers import declared_identifiers
from rca.trends import charts as chart_module
from rca.trends.generate import AMBIGUOUS_ATTRIBUTE, ATTRIBUTES, SHIFT_ATTRIBUTE
from rca.trends.report import (
    check_trends,
    load_inputs,
    render_trends,
)
from rca.trends.summary import CaseTrends, QaTrends
from rca.trends.words import metric_label

ROOT = Path(__file__).parent.parent.parent
FLAG = "Account match correct fell well below its usual level in Nov 2025\u2013Mar 2026"
WEAK = "Reviewers agree barely more than chance on notice decision correct"
STABLE = [a for a in ATTRIBUTES if a != SHIFT_ATTRIBUTE]
SVG = "{http://www.w3.org/2000/svg}"


def _text(value: str) -> str:
    return " ".join(value.split())


# --------------------------------------------------------------------------- deck


def test_deck_has_notes_everywhere_and_alt_text_on_every_picture(rendered: Rendered) -> None:
    deck = Presentation(io.BytesIO(rendered.artifacts["trends.pptx"]))
    slides = list(deck.slides)
    assert 10 <= len(slides) <= 20
    for number, slide in enumerate(slides, start=1):
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        assert notes.strip(), f"slide {number} has no notes"
        for shape in slide.shapes:
            if shape.shape_type == 13:  # a picture
                alt = shape._element.nvPicPr.cNvPr.get("descr")
                assert alt and len(alt) > 40, f"slide {number}: picture without alt text"


def test_deck_names_the_flagged_check_on_its_control_chart_slide(rendered: Rendered) -> None:
    deck = Presentation(io.BytesIO(rendered.artifacts["trends.pptx"]))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in deck.slides]
    found = [s for s, t in zip(deck.slides, titles, strict=True) if t.startswith(FLAG)]
    assert len(found) == 1, titles
    slide = found[0]
    pictures = [sh for sh in slide.shapes if sh.shape_type == 13]
    assert len(pictures) == 1
    assert FLAG in pictures[0]._element.nvPicPr.cNvPr.get("descr")
    assert SHIFT_ATTRIBUTE in slide.notes_slide.notes_text_frame.text
    # No stable check gets a slide of its own, nor a flag in any title.
    for attribute in STABLE:
        assert not any(t.startswith(metric_label(attribute)) for t in titles)
    assert any(t.startswith(WEAK) for t in titles)


def test_deck_shows_codes_and_counts_never_cause_statements(rendered: Rendered) -> None:
    records, _ = load_inputs(CASES, None)
    deck = Presentation(io.BytesIO(rendered.artifacts["trends.pptx"]))
    text = _text(
        " ".join(
            p.text
            for s in deck.slides
            for sh in s.shapes
            if sh.has_text_frame
            for p in sh.text_frame.paragraphs
        )
    )
    statements = [c.statement for r in records for c in r.record.causes]
    assert statements and not any(_text(s) in text for s in statements if len(s) > 30)
    assert "Change without control review" in text


# --------------------------------------------------------------------------- brief


def test_pdf_brief_states_the_flag_and_calls_no_stable_check_flagged(rendered: Rendered) -> None:
    reader = PdfReader(io.BytesIO(rendered.artifacts["trends.pdf"]))
    assert 6 <= len(reader.pages) <= 14
    text = _text(" ".join(page.extract_text() or "" for page in reader.pages))
    assert FLAG in text
    for attribute in STABLE:
        name = metric_label(attribute)
        for verb in ("fell well below", "rose well above", "ran lower", "ran higher"):
            assert f"{name} {verb}" not in text
    assert WEAK in text
    assert (
        reader.metadata is not None
        and reader.metadata.title
        == "Quality trends: QA Apr 2025\u2013Mar 2026 \u00b7 cases Mar\u2013Nov 2026"
    )


def test_html_brief_inlines_every_chart_as_safe_vector(rendered: Rendered) -> None:
    html = rendered.artifacts["trends.html"].decode("utf-8")
    assert html.count("<svg") >= 7
    assert "<script" not in html and "<use" not in html and "<image" not in html
    assert 'id="pchart-account_match_correct-ucl"' in html  # the sanitiser scopes chart ids
    assert FLAG in html


# --------------------------------------------------------------------------- charts


def test_every_chart_is_written_as_svg_and_png(rendered: Rendered) -> None:
    expected = {f"pchart-{a}" for a in [*ATTRIBUTES, "all_attributes"]} | {
        "accuracy-by-period",
        "pareto-error-types",
        "agreement",
        "pareto-categories",
        "action-portfolio",
        "clock-breaches",
    }
    assert set(rendered.charts) == expected
    for name in expected:
        assert (rendered.folder / "charts" / f"{name}.svg").is_file()
        png = (rendered.folder / "charts" / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG")


def test_control_chart_svg_has_axes_labels_limits_and_flags(rendered: Rendered) -> None:
    chart = rendered.charts[f"pchart-{SHIFT_ATTRIBUTE}"]
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    ids = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    for series in ("ucl", "lcl", "centre-line", "accuracy", "flagged", "axes_1"):
        assert series in ids, series
    # A limit is a step line: two vertices per period.
    ucl = ids["ucl"].find(f"{SVG}path")
    assert ucl is not None and ucl.get("d", "").count("L") >= 2 * 12 - 1
    texts = {_text("".join(t.itertext())) for t in root.iter(f"{SVG}text")}
    assert {"Items passing", "Nov", "Accuracy per month", "Usual range (3\u03c3 limits)"} <= texts
    assert {"well below", "by chance: less than 1 time in 300"} <= texts
    assert not root.findall(f".//{SVG}use")
    assert chart.alt.startswith(FLAG)


def test_stable_control_charts_flag_nothing(rendered: Rendered) -> None:
    for attribute in STABLE:
        chart = rendered.charts[f"pchart-{attribute}"]
        assert 'id="flagged"' not in chart.svg
        assert "held steady" in chart.alt


def test_agreement_chart_draws_the_threshold_and_names_the_weak_check(rendered: Rendered) -> None:
    chart = rendered.charts["agreement"]
    assert 'id="threshold"' in chart.svg
    assert metric_label(AMBIGUOUS_ATTRIBUTE) in chart.alt and "cannot be trusted" in chart.alt


# --------------------------------------------------------------------------- tables


def test_every_table_is_written_as_csv_and_json_that_agree(rendered: Rendered) -> None:
    columns = {**QaTrends.columns(), **CaseTrends.columns()}
    for name, header in columns.items():
        rows = list(
            csv.DictReader(io.StringIO((rendered.folder / "tables" / f"{name}.csv").read_text()))
        )
        data = json.loads((rendered.folder / "tables" / f"{name}.json").read_text())
        with (rendered.folder / "tables" / f"{name}.csv").open() as f:
            assert next(csv.reader(f)) == header, name
        assert len(rows) == len(data), name
        for got, want in zip(rows, data, strict=True):
            assert got == {k: _csv(want[k]) for k in header}, name
    flagged = json.loads((rendered.folder / "tables" / "qa_control_chart.json").read_text())
    months = sorted(r["period"] for r in flagged if r["metric"] == SHIFT_ATTRIBUTE and r["flagged"])
    assert months == ["2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"]
    assert not [r for r in flagged if r["metric"] in STABLE and r["flagged"]]


def _csv(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------------------- determinism


def test_same_input_gives_the_same_bytes(rendered: Rendered) -> None:
    again = {
        a.name: a.data for a in render_trends(rendered.trends, rendered.charts, ["pptx", "pdf"])
    }
    assert again["trends.pptx"] == rendered.artifacts["trends.pptx"]
    assert again["trends.pdf"] == rendered.artifacts["trends.pdf"]
    first = rendered.trends.qa.charts[0] if rendered.trends.qa else None
    assert first is not None
    redrawn = chart_module.control_chart(first, "month")
    original = rendered.charts[redrawn.name]
    assert redrawn.svg == original.svg and redrawn.png == original.png


# --------------------------------------------------------------------------- guard


def test_leak_guard_stops_an_identifier_in_any_trends_output(rendered: Rendered) -> None:
    records, _ = load_inputs(CASES, None)
    value = declared_identifiers(records[0].record)[0].value
    artifact = Artifact("tables/case_actions.csv", f"owner\n{value}\n".encode(), "leadership")
    with pytest.raises(LeakError) as caught:
        check_trends(records, [artifact])
    assert caught.value.exit_code == 3
    assert value not in str(caught.value)


def test_leak_guard_holds_every_cases_identifiers_in_one_scanner(rendered: Rendered) -> None:
    records, _ = load_inputs(CASES, None)
    value = declared_identifiers(records[-1].record)[-1].value  # the last case's, not the first's
    artifact = Artifact("tables/case_actions.csv", f"owner\n{value}\n".encode(), "leadership")
    with pytest.raises(LeakError) as caught:
        check_trends(records, [artifact], rendered.trends)
    assert value not in str(caught.value)


def test_an_output_too_large_to_read_is_exit_4_not_a_leak(
    rendered: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rca.privacy.extract as extract_module

    records, _ = load_inputs(CASES, None)
    monkeypatch.setattr(extract_module, "MAX_MEMBERS", 5)  # the deck is now over the limit
    deck = Artifact("trends.pptx", rendered.artifacts["trends.pptx"], "leadership")
    with pytest.raises(TooLargeError) as caught:
        check_trends(records, [deck], rendered.trends)
    assert caught.value.exit_code == 4
    assert "trends.pptx: package:" in str(caught.value) and "personal data" not in str(caught.value)


def test_outputs_name_the_data_by_hash_never_by_folder_or_file(rendered: Rendered) -> None:
    """Issue 11: a path can hold an identifier; the generated line names data by hash."""
    generated = rendered.trends.context["meta"]["generated"]
    assert re.fullmatch(
        r"rca \S+: 8 case reviews \(records sha256 [0-9a-f]{12}\) and [\d,]+ QA assessments "
        r"\(sha256 [0-9a-f]{12}\), as of 2026-11-25",
        generated,
    ), generated
    # Read back by tools other than the guard's: the deck's XML, poppler, the files' bytes.
    texts: dict[str, str] = {}
    for name, data in rendered.artifacts.items():
        if name.endswith(".pptx"):
            with zipfile.ZipFile(io.BytesIO(data)) as deck:
                texts[name] = " ".join(
                    deck.read(m).decode("utf-8", "replace") for m in deck.namelist()
                )
        elif name.endswith(".pdf"):
            texts[name] = subprocess.run(
                ["pdftotext", str(rendered.folder / name), "-"],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
        elif not name.endswith(".png"):
            texts[name] = data.decode("utf-8")
    assert any("records sha256" in " ".join(t.split()) for t in texts.values())
    for name, text in texts.items():
        for path in (str(ROOT), CASES.name, "qa/assessments"):
            assert path not in text, f"{name} names {path!r}"


# --------------------------------------------------------------------------- CLI


def test_cli_writes_tables_and_reports_the_flags_the_readme_quotes(tmp_path: Path) -> None:
    args = ["trends", str(CASES), "--out", str(tmp_path), "--format", "csv,json"]
    result = CliRunner().invoke(cli, [*args, "--today", "2026-12-04"])  # the README's run date
    assert result.exit_code == 0, result.output
    assert f"flag: {FLAG}" in result.output
    printed = [line for line in result.output.splitlines() if line.startswith("flag: ")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Trends") :]
    quoted = [line for line in section.splitlines() if line.startswith("flag: ")]
    assert printed == quoted
    assert (tmp_path / "trends" / "tables" / "qa_accuracy.csv").is_file()
    assert not (tmp_path / "trends" / "trends.pptx").exists()


def test_cli_since_until_limits_both_qa_and_cases(tmp_path: Path) -> None:
    args = ["trends", "--out", str(tmp_path), "--format", "json", "--today", "2026-11-25",
            "--since", "2025-10-01", "--until", "2026-05-31"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    tables = tmp_path / "trends" / "tables"
    points = json.loads((tables / "qa_control_chart.json").read_text())
    assert {p["period"] for p in points} == {
        "2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"
    }  # fmt: skip
    mix = json.loads((tables / "case_severity_mix.json").read_text())
    assert sum(r["cases"] for r in mix if r["period"] is None) == 3  # detected Mar, May, May 2026
    assert all("2026-03-01" <= r["period"] <= "2026-05-01" for r in mix if r["period"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "docx"], "docx; expected: pptx, pdf, html, csv, json"),
        (["--since", "2026-13-01"], "'2026-13-01' does not match the format '%Y-%m-%d'"),
        (["--since", "2026-03-01", "--until", "2026-01-01"], "--since 2026-03-01 is after --until 2026-01-01"),
        (["--period", "year"], "'year' is not one of 'month', 'week'"),
    ],
)  # fmt: skip
def test_cli_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["trends", "--out", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_invalid_qa_data_exits_1_with_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "assessments.csv"
    header = (ROOT / "case_reviews" / "qa" / "assessments.csv").read_text().splitlines()[0]
    bad.write_text(
        header + "\nQA-1,2026-02-30,subpoena,SPEC-01,REV-A,pass,pass,pass,pass,pass,maybe,,\n"
    )
    result = CliRunner().invoke(
        cli, ["trends", str(CASES), "--qa", str(bad), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1, result.output
    assert f"{bad}:2:2: handled_on: not a real date: '2026-02-30'" in result.output
    assert f"{bad}:2:11: preservation_timely: expected pass, fail or na" in result.output
    assert not (tmp_path / "trends").exists()


def test_cli_folder_without_records_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["trends", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "no case records" in result.output


def test_cli_qa_data_defaults_to_the_folder_qa_subfolder(tmp_path: Path) -> None:
    # A folder of cases without qa/: case trends only, no QA tables.
    cases = tmp_path / "cases"
    cases.mkdir()
    for path in sorted(CASES.glob("*.yaml"))[:2]:
        (cases / path.name).write_bytes(path.read_bytes())
    result = CliRunner().invoke(
        cli,
        ["trends", str(cases), "--out", str(tmp_path), "--format", "csv", "--today", "2026-11-25"],
    )
    assert result.exit_code == 0, result.output
    names = {p.stem for p in (tmp_path / "trends" / "tables").glob("*.csv")}
    assert "case_action_portfolio" in names and "qa_accuracy" not in names
    assert re.search(r"wrote \d+ files", result.output)


def test_cli_takes_a_single_qa_file_without_calibration(tmp_path: Path) -> None:
    qa = CASES / "qa" / "assessments.csv"
    args = ["trends", str(CASES), "--qa", str(qa), "--out", str(tmp_path), "--format", "json"]
    result = CliRunner().invoke(cli, [*args, "--today", "2026-11-25"])
    assert result.exit_code == 0, result.output
    tables = tmp_path / "trends" / "tables"
    assert json.loads((tables / "qa_agreement.json").read_text()) == []
    assert f"flag: {FLAG}" in result.output
    assert "Reviewers agree" not in result.output
