"""An organisation's briefs/style.css reaches its PDF briefs, or rca says why not.

Typst prints by its own template and reads no CSS; WeasyPrint reads the
stylesheet. With a style.css override, no Typst template and no engine chosen,
the PDF is printed by WeasyPrint, with one notice line. The PDF is read back
with pypdf (its fonts), independent of either engine.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from rca.cli import cli
from rca.render.registry import PDF_ENGINE_VARIABLE, stylesheet_engine

ROOT = Path(__file__).parents[2]
CASE = ROOT / "case_reviews" / "ESC-0142.yaml"
BUILT_IN = ROOT / "templates" / "briefs" / "style.css"


@pytest.fixture
def engine_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """No engine chosen; whatever a command sets is undone after the test."""
    monkeypatch.delenv(PDF_ENGINE_VARIABLE, raising=False)


@pytest.fixture
def serif_org(tmp_path: Path) -> Path:
    """An organisation's folder whose stylesheet sets the briefs in DejaVu Serif."""
    css = BUILT_IN.read_text(encoding="utf-8")
    body = 'font-family: "Liberation Sans", Arial, Helvetica, sans-serif;'
    assert body in css
    (tmp_path / "org" / "briefs").mkdir(parents=True)
    (tmp_path / "org" / "briefs" / "style.css").write_text(
        css.replace(body, 'font-family: "DejaVu Serif", serif;'), encoding="utf-8"
    )
    return tmp_path / "org"


def fonts(pdf: Path) -> set[str]:
    found = set()
    for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            found.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return found


def test_without_a_stylesheet_override_the_default_engine_stays(
    engine_unset: None, tmp_path: Path
) -> None:
    assert stylesheet_engine([]) == (None, None)
    (tmp_path / "briefs").mkdir()
    assert stylesheet_engine([tmp_path]) == (None, None)  # a folder without style.css


def test_a_stylesheet_override_prints_with_weasyprint_and_says_so(
    engine_unset: None, serif_org: Path
) -> None:
    engine, notice = stylesheet_engine([serif_org])
    assert engine == "weasyprint"
    assert notice and "style.css" in notice and "--pdf-engine typst" in notice


def test_an_organisation_with_its_own_typst_template_keeps_typst(
    engine_unset: None, serif_org: Path
) -> None:
    (serif_org / "briefs" / "typst").mkdir()
    shutil.copy(
        ROOT / "templates" / "briefs" / "typst" / "brief.typ", serif_org / "briefs" / "typst"
    )
    assert stylesheet_engine([serif_org]) == (None, None)


def test_a_chosen_engine_is_kept(monkeypatch: pytest.MonkeyPatch, serif_org: Path) -> None:
    monkeypatch.setenv(PDF_ENGINE_VARIABLE, "weasyprint")
    assert stylesheet_engine([serif_org]) == (None, None)
    monkeypatch.setenv(PDF_ENGINE_VARIABLE, "typst")
    engine, notice = stylesheet_engine([serif_org])
    assert engine is None and notice and "not the typst PDF" in notice


def test_rca_render_prints_the_brief_in_the_organisations_font(
    engine_unset: None, serif_org: Path, tmp_path: Path
) -> None:

    out = tmp_path / "out"
    args = ["render", str(CASE), "--audience", "leadership", "--format", "pdf", "-o", str(out)]
    result = CliRunner().invoke(cli, [*args, "--templates", str(serif_org)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("rca: note:")]
    assert len(notes) == 1 and "WeasyPrint" in notes[0], result.stderr
    assert "DejaVuSerif" in {f.replace("-", "") for f in fonts(out / "ESC-0142" / "leadership.pdf")}
    assert PDF_ENGINE_VARIABLE not in os.environ  # for that command only
    # Positive control: without the override the brief is set in Liberation Sans only.
    result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "plain")])
    assert result.exit_code == 0, result.output
    assert "rca: note:" not in result.stderr
    plain = fonts(tmp_path / "plain" / "ESC-0142" / "leadership.pdf")
    assert plain and not any("Serif" in f for f in plain), plain
