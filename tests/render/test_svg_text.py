"""SVG text drawn as one run (rca.render.svg_text) reads and sits where WeasyPrint's own puts it."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rca.render import svg_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

# Graphviz-like text (one x and y each, three anchors, bold and italic, accents,
# entities) beside the cases the fast path must leave to WeasyPrint: a tspan,
# per-letter dx, a baseline shift.
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<style>@page { size: 200mm 120mm; margin: 10mm } body { margin: 0 }</style></head><body>
<svg xmlns="http://www.w3.org/2000/svg" width="500pt" height="260pt" viewBox="0 0 500 260">
<text x="20" y="30" font-family="Liberation Sans" font-size="14">Alpha start anchored text</text>
<text x="250" y="60" text-anchor="middle" font-family="Liberation Sans" font-size="12"
 font-weight="bold">Bravo centred, bold</text>
<text x="480" y="90" text-anchor="end" font-family="Liberation Sans" font-size="11"
 font-style="italic">Charlie end-anchored: caf\u00e9 &amp; na\u00efve</text>
<text x="20" y="120" font-family="Liberation Sans" font-size="10">Delta<tspan x="120" y="120">Echo tspan</tspan></text>
<text x="20" y="150" dx="0 2 2 2" font-family="Liberation Sans" font-size="10">Foxtrot</text>
<text x="20" y="180" dominant-baseline="middle" font-family="Liberation Sans" font-size="10">Golf middle</text>
</svg></body></html>"""
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


@pytest.fixture
def stock_weasyprint() -> Iterator[None]:
    svg_text.uninstall()
    yield
    svg_text.install()


def _words(pdf: bytes, tmp: Path) -> list[tuple[str, float, float, float]]:
    path = tmp / "page.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [(m[5], float(m[1]), float(m[3]), float(m[2])) for m in _WORD.finditer(html)]


def _render() -> bytes:
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=PAGE).write_pdf()
    return pdf


def test_the_fast_path_is_in_place_for_the_weasyprint_it_was_measured_on() -> None:
    import weasyprint
    import weasyprint.svg

    assert weasyprint.__version__.startswith("70.")
    from rca.render.pdf import PdfRenderer

    PdfRenderer()
    assert svg_text.install()
    assert weasyprint.svg.TAGS["text"].__module__ == "rca.render.svg_text"


def test_one_run_text_reads_and_sits_like_letter_by_letter(
    tmp_path: Path, stock_weasyprint: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock = _words(_render(), tmp_path)
    drawn: list[str] = []
    one_run = svg_text._one_run

    def recording(svg: object, node: Any, font_size: float) -> None:
        drawn.append(node.text)
        one_run(svg, node, font_size)

    monkeypatch.setattr(svg_text, "_one_run", recording)
    assert svg_text.install()
    fast = _words(_render(), tmp_path)
    # The three graphviz-like texts took the fast path; the others did not.
    assert [t.split()[0] for t in drawn] == ["Alpha", "Bravo", "Charlie"]
    # The same words, in the same order, each within a quarter of a point of
    # where WeasyPrint put it letter by letter (the difference is kerning).
    assert [w[0] for w in fast] == [w[0] for w in stock]
    assert "Charlie" in [w[0] for w in fast] and "naïve" in [w[0] for w in fast]
    for (word, *here), (_, *there) in zip(fast, stock, strict=True):
        assert all(abs(a - b) < 0.25 for a, b in zip(here, there, strict=True)), (word, here, there)


def test_the_fast_path_takes_only_graphviz_like_text() -> None:
    from xml.etree import ElementTree as ET

    import cssselect2
    from weasyprint.svg import Node

    def node(markup: str) -> object:
        return Node(cssselect2.ElementWrapper.from_xml_root(ET.fromstring(markup)), {})

    assert svg_text._simple(node('<text x="1" y="2" font-size="10">plain</text>'))
    assert not svg_text._simple(node('<text x="1 5" y="2">per-letter x</text>'))
    assert not svg_text._simple(node('<text x="1" y="2" dx="0 2">dx</text>'))
    assert not svg_text._simple(node('<text x="1" y="2">a<tspan>b</tspan></text>'))
    assert not svg_text._simple(node('<text y="2">no x</text>'))
    assert not svg_text._simple(node('<text x="1" y="2" dominant-baseline="middle">m</text>'))
