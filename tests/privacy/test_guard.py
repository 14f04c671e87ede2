"""The leak guard: every format, every place inside it, every simple variant; and nothing written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pptx import Presentation
from pptx.util import Inches
from privacy_helpers import DATA, load_dict, raw_profile, read_record
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from rca.artifact import Artifact
from rca.audience import PersonalData, Profile, load_profiles
from rca.errors import Leak, LeakError
from rca.load import LoadedRecord, load_records
from rca.privacy.extract import extract
from rca.privacy.guard import check_artifacts, find_leaks

EMAIL = "jane.doe@example.com"
VALUES = [
    "8843120076",
    EMAIL,
    "+1 (202) 555-0143",
    "2001:db8::7",
    "Det. Jordan Vale",
    "Fictional County Sheriff's Office",
]


@pytest.fixture(scope="module")
def loaded() -> LoadedRecord:
    return load_records([DATA / "guard.yaml"])[0]


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    return {**load_profiles(), "raw": raw_profile(profile_id="raw")}


Scan = Callable[..., list[Leak]]


@pytest.fixture
def scan(loaded: LoadedRecord, profiles: dict[str, Profile]) -> Scan:
    def run(name: str, data: bytes | str, audience: str = "specialist") -> list[Leak]:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return find_leaks(loaded, profiles, [Artifact(name, raw, audience)])

    return run


def one(leaks: list[Leak]) -> Leak:
    assert len(leaks) == 1, "\n".join(map(str, leaks))
    return leaks[0]


# --------------------------------------------------------------------------- PPTX


def _png(info: PngInfo | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def deck(place: str, text: str) -> bytes:
    """A four-slide deck with `text` in one place of slide 4 (or of the package)."""
    prs = Presentation()
    for n in range(4):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = f"Slide {n + 1} of the case"
    slide = prs.slides[3]
    if place == "text":
        slide.shapes.title.text = f"About {text}"
    elif place == "runs":  # one value in two differently styled runs
        paragraph = slide.shapes.title.text_frame.paragraphs[0]
        paragraph.text = ""
        first, second = paragraph.add_run(), paragraph.add_run()
        first.text, second.text = text[:4], text[4:]
        first.font.bold = True
    elif place == "table":
        table = slide.shapes.add_table(2, 2, 0, 0, Inches(4), Inches(1)).table
        table.cell(1, 1).text = text
    elif place == "notes":
        slide.notes_slide.notes_text_frame.text = f"Say that {text} was affected."
    elif place == "alt text":
        picture = slide.shapes.add_picture(io.BytesIO(_png()), 0, 0)
        picture._element.nvPicPr.cNvPr.set("descr", f"Diagram naming {text}")
    elif place == "hyperlink":
        run = slide.shapes.title.text_frame.paragraphs[0].runs[0]
        run.hyperlink.address = f"mailto:{text}"
    elif place == "core properties":
        prs.core_properties.author = text
    elif place == "image text chunk":
        info = PngInfo()
        info.add_text("Comment", text)
        slide.shapes.add_picture(io.BytesIO(_png(info)), 0, 0)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("place", "where"),
    [
        ("text", "slide 4 (ppt/slides/slide4.xml), text"),
        ("runs", "slide 4 (ppt/slides/slide4.xml), text"),
        ("table", "slide 4 (ppt/slides/slide4.xml), text"),
        ("notes", "slide 4 notes (ppt/notesSlides/notesSlide1.xml), text"),
        ("alt text", "slide 4 (ppt/slides/slide4.xml), alt text"),
        ("hyperlink", "slide 4 links (ppt/slides/_rels/slide4.xml.rels), hyperlink target"),
        ("core properties", "core properties (docProps/core.xml), <creator>"),
        ("image text chunk", "ppt/media/image1.png, PNG tEXt chunk 2 text"),
    ],
)
def test_pptx_every_place(scan: Scan, place: str, where: str) -> None:
    leak = one(scan("specialist.pptx", deck(place, EMAIL)))
    assert (leak.artifact, leak.where, leak.what) == ("specialist.pptx", where, "email (Email A)")


def test_pptx_clean_deck_passes(scan: Scan) -> None:
    # EMU coordinates, shape ids and creation ids are long numbers, but geometry.
    assert scan("leadership.pptx", deck("table", "18 U.S.C. 2703(c)(2) on 2026-03-04")) == []


def test_pptx_declared_identifier_in_geometry_attributes_is_found(scan: Scan) -> None:
    data = deck("text", "nothing")
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(patched, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "ppt/slides/slide2.xml":
                body = body.replace(b'name="Title 1"', b'name="Title 1" custom="8843120076"')
            dst.writestr(info, body)
    leak = one(scan("x.pptx", patched.getvalue()))
    assert (leak.where, leak.what) == (
        "slide 2 (ppt/slides/slide2.xml), attributes",
        "account_id (Account A)",
    )


def test_pptx_odd_member_name_is_found_but_not_printed(scan: Scan) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"ppt/media/{EMAIL}.bin", b"\0\1")
    leaks = scan("x.pptx", out.getvalue())
    assert [(leak.where, leak.what) for leak in leaks] == [("zip member names", "email (Email A)")]
    assert EMAIL not in "\n".join(map(str, leaks))


def test_pptx_that_is_not_a_zip_fails_closed(scan: Scan) -> None:
    leak = one(scan("leadership.pptx", b"PK\3\4 truncated"))
    assert (leak.where, leak.variant) == ("whole file", "unreadable")
    assert leak.what.startswith("cannot be read, so cannot be shown clean")


# --------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def clean_pdf() -> bytes:
    weasyprint = pytest.importorskip("weasyprint")
    html = (
        "<h1>Case TST-0142</h1><p>Produced on 2026-03-04T09:15:00-05:00 beyond "
        "18 U.S.C. 2703(c)(2).</p><p style='break-before: page'>Second page.</p>"
    )
    data: bytes = weasyprint.HTML(string=html).write_pdf()
    return data


def _edit_pdf(base: bytes, edit: Callable[[PdfWriter], object]) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(base))
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _xmp(writer: PdfWriter) -> None:
    stream = DecodedStreamObject()
    stream.set_data(
        b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description><dc:creator>'
        + EMAIL.encode()
        + b"</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    stream.update(
        {NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")}
    )
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)


PDF_EDITS: dict[str, tuple[Callable[[PdfWriter], object], str]] = {
    "metadata": (lambda w: w.add_metadata({"/Title": f"Case of {EMAIL}"}), "PDF metadata /Title"),
    "custom metadata": (lambda w: w.add_metadata({"/Reviewer": EMAIL}), "PDF metadata /Reviewer"),
    "link": (
        lambda w: w.add_annotation(0, Link(rect=(10, 10, 50, 50), url=f"mailto:{EMAIL}")),
        "PDF page 1, annotation, link target",
    ),
    "bookmark": (
        lambda w: w.add_outline_item(title=f"About {EMAIL}", page_number=1),
        "PDF bookmarks",
    ),
    "attachment content": (
        lambda w: w.add_attachment("notes.txt", f"mail {EMAIL}".encode()),
        "PDF attachment 1, raw bytes",
    ),
    "attachment name": (
        lambda w: w.add_attachment(f"{EMAIL}.txt", b"nothing"),
        "PDF attachment 1, file name",
    ),
    "xmp": (_xmp, "PDF XMP metadata <creator>"),
}


@pytest.mark.parametrize("edit", sorted(PDF_EDITS))
def test_pdf_every_place(scan: Scan, clean_pdf: bytes, edit: str) -> None:
    change, where = PDF_EDITS[edit]
    leaks = scan("specialist.pdf", _edit_pdf(clean_pdf, change))
    assert where in {leak.where for leak in leaks}, "\n".join(map(str, leaks))
    assert {leak.what for leak in leaks} == {"email (Email A)"}


def test_pdf_page_text(scan: Scan) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = (
        f"<p>First page.</p><p style='break-before: page'>Mail <b>{EMAIL[:4]}</b>"
        f"{EMAIL[4:]} or call (202) 555-0143.</p>"
    )
    leaks = scan("specialist.pdf", weasyprint.HTML(string=html).write_pdf())
    assert {(leak.where, leak.what) for leak in leaks} == {
        ("PDF page 2, text", "email (Email A)"),
        ("PDF page 2, text", "phone (Phone A)"),
    }


def test_pdf_clean_passes(scan: Scan, clean_pdf: bytes) -> None:
    assert scan("leadership.pdf", clean_pdf) == []


def test_pdf_fast_text_reader_reads_what_pypdf_reads(clean_pdf: bytes) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = (DATA / "guard.yaml").read_text(encoding="utf-8").replace("<", "&lt;")
    html = (
        f"<pre>{html}</pre><svg width='300' height='60'><text x='5' y='30'>Diagram label "
        f"text</text></svg>"
    )
    data = weasyprint.HTML(string=html).write_pdf()
    ours = " ".join(
        c.text for c in extract("x.pdf", data) if c.where.endswith(", text") and c.patterns
    )
    theirs = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert sorted(ours.split()) == sorted(theirs.split())


def test_pdf_without_unicode_maps_goes_to_pypdf(scan: Scan) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 12 Tf 72 720 Td (Mail {EMAIL}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    leak = one(scan("x.pdf", out.getvalue()))
    assert (leak.where, leak.what) == ("PDF page 1, text", "email (Email A)")


def test_pdf_that_cannot_be_read_fails_closed(scan: Scan) -> None:
    assert one(scan("x.pdf", b"%PDF-1.7\nnot really")).variant == "unreadable"


# --------------------------------------------------------------------------- SVG, DOT, PNG

SVG = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
 "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="224pt" height="116pt" viewBox="0.00 0.00 224.00 116.00">
<!-- {comment} -->
<title>{title}</title>
<g id="{id}" class="node">
<a xlink:href="{href}" xlink:title="{tooltip}">
<polygon fill="none" points="54.95,-71.8 54.95,-53.8 1234567890,-1 303 555 0143"/>
<text text-anchor="middle" x="27.5" y="-58.6">{text}</text>
</a>
</g>
</svg>
"""
SVG_SLOTS = {
    "comment": "SVG comment",
    "title": "SVG <title>",
    "id": "SVG attributes",
    "href": "SVG link target",
    "tooltip": "SVG attribute title",
    "text": "SVG text",
}


def _svg(**slots: str) -> str:
    return SVG.format(**{slot: slots.get(slot, "node1") for slot in SVG_SLOTS})


@pytest.mark.parametrize("slot", sorted(SVG_SLOTS))
def test_svg_every_place(scan: Scan, slot: str) -> None:
    leak = one(scan("diagrams/specialist-fishbone.svg", _svg(**{slot: f"x {EMAIL}"})))
    assert (leak.where, leak.what) == (SVG_SLOTS[slot], "email (Email A)")


def test_svg_clean_passes(scan: Scan) -> None:
    assert scan("diagrams/leadership-fishbone.svg", _svg()) == []


def test_svg_with_entities_fails_closed(scan: Scan) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>'
    assert one(scan("x.svg", bomb)).variant == "unreadable"


DOT = """digraph G {{
  node [shape=box];
  C1 [label="Cause one\\non 2026-03-04T09:15:00-05:00"];
  C2 [label="{label}"];
  C1 -> C2;
}}
"""


def test_dot_line(scan: Scan) -> None:
    leak = one(scan("diagrams/specialist-fishbone.dot", DOT.format(label=f"Mail {EMAIL}")))
    assert (leak.where, leak.what, leak.variant) == (
        "DOT source, line 4",
        "email (Email A)",
        "exact",
    )


def test_dot_name_split_by_a_label_line_break(scan: Scan) -> None:
    leak = one(scan("x.dot", DOT.format(label="Det. Jordan\\nVale")))
    assert (leak.where, leak.what) == ("DOT source", "officer_name (Officer 1)")


def test_dot_clean_passes(scan: Scan) -> None:
    assert scan("x.dot", DOT.format(label="18 U.S.C. 2703(c)(2)")) == []


@pytest.mark.parametrize("chunk", ["tEXt", "zTXt", "iTXt"])
def test_png_text_chunks(scan: Scan, chunk: str) -> None:
    info = PngInfo()
    if chunk == "iTXt":
        info.add_itxt("Description", f"Node {EMAIL}", zip=True)
    else:
        info.add_text("Description", f"Node {EMAIL}", zip=chunk == "zTXt")
    leak = one(scan("diagrams/specialist-fishbone.png", _png(info)))
    assert (leak.where, leak.what) == (f"PNG {chunk} chunk 2 text", "email (Email A)")


def test_png_clean_passes(scan: Scan) -> None:
    info = PngInfo()
    info.add_text("Software", "graphviz version 2.43.0 (0)")
    assert scan("x.png", _png(info)) == []


def test_unknown_format_is_read_as_raw_bytes(scan: Scan) -> None:
    leak = one(scan("notes.weird", f"\xff mail {EMAIL}".encode("latin-1")))
    assert (leak.where, leak.what) == ("raw bytes", "email (Email A)")


# --------------------------------------------------------------------------- HTML

HTML = """<!DOCTYPE html>
<html><head><title>{title}</title>
<style>@media print {{ @page {{ size: A4; }} }} body {{ font: 12px sans-serif; }}</style>
</head><body>
<p title="{attribute}">{text}</p>
<!-- {comment} -->
<img alt="diagram" src="data:image/svg+xml;base64,{svg}">
<script>var x = "{script}";</script>
<p>Produced 2026-03-04T09:15:00-05:00, beyond 18 U.S.C. 2703(c)(2) and 2702(b)(8).</p>
</body></html>
"""
HTML_SLOTS = {
    "title": "HTML <title>, line 2",
    "attribute": "HTML attribute title, line 5",
    "text": "HTML text, line 5",
    "comment": "HTML comment, line 6",
    "script": "HTML <script>, line 8",
    "svg": "HTML line 7, data: URL in src (image/svg+xml), SVG text",
}


def _html(**slots: str) -> str:
    import base64

    svg = slots.pop("svg", "clean")
    encoded = base64.b64encode(_svg(text=svg).encode()).decode()
    return HTML.format(svg=encoded, **{s: slots.get(s, "clean") for s in HTML_SLOTS if s != "svg"})


@pytest.mark.parametrize("slot", sorted(HTML_SLOTS))
def test_html_every_place(scan: Scan, slot: str) -> None:
    leak = one(scan("specialist.html", _html(**{slot: f"x {EMAIL}"})))
    assert (leak.where, leak.what) == (HTML_SLOTS[slot], "email (Email A)")


def test_html_clean_passes(scan: Scan) -> None:
    # Timestamps, statute cites and CSS at-rules (@media, @page) are not identifiers.
    assert scan("leadership.html", _html()) == []


def test_html_value_split_by_inline_markup(scan: Scan) -> None:
    leak = one(scan("x.html", "<p>Mail <b>jane</b>.<i>doe</i>@example.com</p>"))
    assert (leak.where, leak.what) == ("HTML text, line 1", "email (Email A)")


# --------------------------------------------------------------------------- variants


@pytest.mark.parametrize(
    ("written", "what", "variant"),
    [
        ("JANE.DOE@EXAMPLE.COM", "email (Email A)", "case"),
        ("jane.doe%40example.com", "email (Email A)", "url-encoded"),
        ("mailto%3Ajane.doe%40example.com", "email (Email A)", "url-encoded"),
        ("jane.doe&#64;example.com", "email (Email A)", "entity-encoded"),
        ("jane.doe\u200b@example.com", "email (Email A)", "unicode-normalised"),
        ("\uff4a\uff41\uff4e\uff45.doe@example.com", "email (Email A)", "unicode-normalised"),
        ("2025550143", "phone (Phone A)", "digits"),
        ("12025550143", "phone (Phone A)", "digits"),
        ("202.555.0143", "phone (Phone A)", "digits, separators"),
        ("2001:0db8:0000:0000:0000:0000:0000:0007", "ip_address (IP address A)", "ip-expanded"),
        ("2001:DB8:0:0:0:0:0:7", "ip_address (IP address A)", "ip-expanded, case"),
        ("det. jordan vale", "officer_name (Officer 1)", "case"),
        ("Det. Jordan\nVale", "officer_name (Officer 1)", "whitespace"),
        ("FICTIONAL COUNTY SHERIFF'S OFFICE", "agency_name (Requester 1)", "case"),
    ],
)
def test_variants(scan: Scan, written: str, what: str, variant: str) -> None:
    leaks = scan("notes.dot", f"note: {written} end")
    found = {(leak.what, leak.variant) for leak in leaks}
    assert (what, variant) in found
    # Anything else is a partial match the pattern detector also flags.
    assert all(w == what or w.startswith("undeclared") for w, _ in found), found


# --------------------------------------------------------------------------- rules


def test_raw_audience_may_read_declared_but_not_undeclared(scan: Scan) -> None:
    text = f"<p>{EMAIL} and {VALUES[2]}, but also other@example.org and 10.1.2.3</p>"
    assert {(leak.what, leak.variant) for leak in scan("raw.html", text, "raw")} == {
        ("undeclared email address", "pattern:email"),
        ("undeclared IPv4 address", "pattern:ipv4"),
    }
    assert {leak.what for leak in scan("x.html", text, "specialist")} >= {
        "email (Email A)",
        "phone (Phone A)",
        "undeclared email address",
    }


def test_unknown_audience_is_held_to_the_strictest_rule(scan: Scan) -> None:
    assert one(scan("x.html", EMAIL, "nobody")).what == "email (Email A)"


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-04T09:15:00-05:00",
        "2026-03-04 09:15",
        "14:15:00Z",
        "18 U.S.C. 2703(c)(2)",
        "18 U.S.C. \u00a7 2258A",
        "2702(b)(8) and (c)(4)",
        "sections 3121\u20133127",
        "PT4H",
        "version 1.10",
        "1,000,000,000 requests",
        "rca 0.1.0",
        "ESC-0142",
        "T+1d 13h",
        "UTC\u22127",
        "10,000 characters",
        "0.333333333333",
    ],
)
def test_things_that_are_not_identifiers(scan: Scan, text: str) -> None:
    assert scan("x.html", f"<p>{text}</p><style>{text}</style>") == []


def test_public_codes_of_the_record_are_not_identifiers(tmp_path: Path) -> None:
    # A case id and a version the schema allows can look like a long number or an IPv4.
    data = read_record(DATA / "guard.yaml")
    data.update(case_id="TST-123456789", version="10.0.0.1")
    loaded = load_dict(data, tmp_path)
    text = b"<p>TST-123456789, version 10.0.0.1; but 987654321 is not the case's</p>"
    leak = one(find_leaks(loaded, load_profiles(), [Artifact("x.html", text, "leadership")]))
    assert leak.variant == "pattern:long_number"


def test_message_lists_every_hit_and_never_a_value(
    loaded: LoadedRecord, profiles: dict[str, Profile]
) -> None:
    artifacts = [
        Artifact("leadership.html", " ".join([*VALUES, "x9@example.org"]).encode(), "leadership"),
        Artifact(
            "diagrams/leadership-fishbone.dot", DOT.format(label=VALUES[0]).encode(), "leadership"
        ),
    ]
    with pytest.raises(LeakError) as caught:
        check_artifacts(loaded, profiles, artifacts)
    message = str(caught.value)
    assert caught.value.exit_code == 3
    assert message.startswith("TST-0142: the leak guard stopped the build; nothing was written.")
    hits = [
        "leadership.html: HTML text, line 1: account_id (Account A) [exact]",
        "leadership.html: HTML text, line 1: email (Email A) [exact]",
        "leadership.html: HTML text, line 1: phone (Phone A) [exact]",
        "leadership.html: HTML text, line 1: ip_address (IP address A) [exact]",
        "leadership.html: HTML text, line 1: officer_name (Officer 1) [exact]",
        "leadership.html: HTML text, line 1: agency_name (Requester 1) [exact]",
        "leadership.html: HTML text, line 1: undeclared email address [pattern:email]",
        "diagrams/leadership-fishbone.dot: DOT source, line 4: account_id (Account A) [exact]",
    ]
    assert message.splitlines()[1:-1] == [f"  {hit}; not in the record's text" for hit in hits]
    for value in [*VALUES, "8843120076", "x9@example.org", "2025550143"]:
        assert value.casefold() not in message.casefold()


def test_source_names_the_record_field(tmp_path: Path, profiles: dict[str, Profile]) -> None:
    data = read_record(DATA / "guard.yaml")
    data["problem"]["statement"] = "Stored content went to x9@example.org."
    loaded = load_dict(data, tmp_path)
    leak = one(find_leaks(loaded, profiles, [Artifact("a.html", b"x9@example.org", "raw")]))
    assert leak.source == "from record field problem.statement (case.yaml:28:14)"


# --------------------------------------------------------------------------- the pipeline


class _LeakyRenderer:
    extension = "txt"
    media_type = "text/plain"
    raster_diagrams = False

    def render(self, data: object) -> bytes:
        return f"contact {EMAIL}".encode()


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_a_leak_stops_the_build_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rca import pipeline
    from rca.render import registry

    case = DATA / "guard.yaml"
    out = tmp_path / "out"
    earlier = out / "TST-0142" / "leadership.txt"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"an earlier, good output")
    before = _tree(out)
    monkeypatch.setattr(registry, "get_renderer", lambda ext: _LeakyRenderer())
    with pytest.raises(LeakError) as caught:
        pipeline.build([case], out, audiences=["leadership"], formats=["txt"])
    assert "leadership.txt: raw bytes: email (Email A) [exact]" in str(caught.value)
    assert _tree(out) == before  # nothing written, nothing removed, no temp file left


def test_in_a_batch_a_leaking_case_writes_nothing_and_the_others_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from rca.batch import BuildPlan, build_many
    from rca.render import registry

    clean = read_record(DATA / "guard.yaml")
    clean.update(case_id="TST-0001", identifiers=[])
    clean["escalation"]["requester"].pop("agency")
    folder = tmp_path / "cases"
    folder.mkdir()
    load_dict(clean, folder, "a.yaml")
    (folder / "b.yaml").write_bytes((DATA / "guard.yaml").read_bytes())

    class Renderer(_LeakyRenderer):
        def render(self, data: Any) -> bytes:  # leaks in the second case only
            return b"clean" if data.context["meta"]["case_id"] == "TST-0001" else EMAIL.encode()

    monkeypatch.setattr(registry, "get_renderer", lambda ext: Renderer())
    out = tmp_path / "out"
    plan = BuildPlan(
        profiles=(load_profiles()["leadership"],),
        formats=("txt",),
        out_dir=out,
        today=date(2026, 5, 1),
        template_dirs=(),
    )
    first, second = build_many([folder], plan, jobs=1)
    assert (first.case_id, first.status) == ("TST-0001", "built")
    assert (second.case_id, second.status) == ("TST-0142", "failed")
    assert second.error is not None and "leak guard" in second.error
    assert EMAIL not in second.error
    assert (out / "TST-0001" / "leadership.txt").read_bytes() == b"clean"
    assert not (out / "TST-0142").exists()


def render_leadership(out: Path, fmt: str) -> Any:
    """`rca render` of the guard's test record for leadership in one format."""
    from click.testing import CliRunner

    from rca.cli import cli

    return CliRunner().invoke(
        cli,
        ["render", str(DATA / "guard.yaml"), "--audience", "leadership", "--format", fmt,
         "--out", str(out)],
    )  # fmt: skip


def test_cli_reports_a_leak_with_exit_code_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rca.privacy.guard as guard

    leak = Leak("leadership.html", "HTML text, line 9", "email (Email A)", "exact")

    def refuse(loaded: LoadedRecord, *args: object) -> None:
        raise LeakError(loaded.record.case_id, [leak])

    monkeypatch.setattr(guard, "check_artifacts", refuse)
    out = tmp_path / "out"
    result = render_leadership(out, "html")
    assert result.exit_code == 3, result.output
    assert "TST-0142: the leak guard stopped the build; nothing was written." in result.output
    assert "leadership.html: HTML text, line 9: email (Email A) [exact]" in result.output
    assert not out.exists()


def test_identifiers_are_matched_whatever_their_kind(loaded: LoadedRecord) -> None:
    # Every declared identifier (the agency is implied by the requester) is looked for.
    from rca.privacy.guard import Scanner

    scanner = Scanner(loaded)
    assert {d.kind.value for d in scanner.identifiers} == {
        "account_id",
        "email",
        "phone",
        "ip_address",
        "officer_name",
        "agency_name",
    }
    assert all(scanner.matcher.search(f"x {d.value} y") for d in scanner.identifiers)
    assert PersonalData.RAW not in {p.privacy.personal for p in load_profiles().values()}


def test_leak_error_survives_a_worker_process() -> None:
    import pickle

    error = LeakError("TST-0142", [Leak("a.html", "HTML text, line 1", "email (Email A)", "exact")])
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.leaks, copy.exit_code) == (str(error), error.leaks, 3)


# --------------------------------------------------------------------------- verdict cache


def test_a_clean_verdict_is_remembered_only_for_the_same_identifiers(
    loaded: LoadedRecord, profiles: dict[str, Profile]
) -> None:
    # The same bytes, clean for a record that does not declare the name...
    text = b"<p>ask Det. Jordan Vale</p>"
    other = loaded.record.model_copy(update={"identifiers": []})
    clean_record = LoadedRecord(loaded.path, other, loaded.source, loaded.sha256)
    assert find_leaks(clean_record, profiles, [Artifact("x.html", text, "specialist")]) == []
    # ...are scanned again, and caught, for a record that declares it.
    assert find_leaks(loaded, profiles, [Artifact("x.html", text, "specialist")])
    assert find_leaks(loaded, profiles, [Artifact("x.html", text, "specialist")])  # never cached


def test_a_cached_clean_artifact_is_not_read_again(
    loaded: LoadedRecord, profiles: dict[str, Profile], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rca.privacy import guard

    artifact = Artifact("y.html", b"<p>nothing personal here</p>", "specialist")
    assert find_leaks(loaded, profiles, [artifact]) == []
    monkeypatch.setattr(guard, "extract", lambda *a: pytest.fail("read a cached artifact"))
    assert find_leaks(loaded, profiles, [artifact]) == []


def test_a_deck_too_large_to_read_is_its_own_error_with_exit_code_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rca.privacy.extract as extract_module

    # A deck over the guard's unpacked limits (made small here) is not "personal data".
    monkeypatch.setattr(extract_module, "MAX_MEMBERS", 5)
    out = tmp_path / "out"
    result = render_leadership(out, "pptx")
    assert result.exit_code == 4, result.output
    assert "too large for the leak guard to read" in result.output
    assert "leadership.pptx: package:" in result.output and "5 members" in result.output
    assert "personal data" not in result.output
    assert not out.exists()


def test_pdf_fast_reader_gives_up_on_an_odd_glyph_array_at_once() -> None:
    # A TJ array the fast path cannot take (a string with nested parentheses,
    # legal in PDF) goes to the general tokenizer; with numbers that had more
    # than one reading ("60" as "6" "0") the failed match backtracked 2^n ways:
    # 60 numbers would never finish. Both glyph-array forms, hex and literal.
    from rca.privacy.pdftext import _STATEMENT

    for run in (b"(\\000\\001)-60 12.5 ", b"<0001>-60 "):
        body = b"[" + run * 60 + b"(x(y)z)]TJ"
        assert _STATEMENT.match(body) is None


@pytest.fixture(scope="module")
def typst_pdf() -> bytes:
    # Typst (the default PDF engine) writes a text object per run of one style,
    # placed with a matrix outside it; letter spacing puts a number between glyphs.
    # An email in a letter-spaced run, one split by a colour change, and one only
    # in an image's alternate text (the structure tree and the marked content).
    typst = pytest.importorskip("typst")
    escaped = EMAIL.replace("@", "\\@")
    source = (
        f'#set text(font: "DejaVu Sans")\n'
        f"Mail #text(tracking: 0.3em)[{escaped}] or write to "
        f"#text(fill: red)[{EMAIL[:6]}]{escaped[6:]}.\n\n"
        "#image(bytes(\"<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20'>"
        "<rect width='20' height='20'/></svg>\"), format: \"svg\", "
        f'alt: "Diagram naming {escaped}", width: 1cm)\n'
    )
    compiler = typst.Compiler(font_paths=["/usr/share/fonts/truetype/dejavu"])
    data: bytes = compiler.compile(input=source.encode(), format="pdf", pdf_tags=True)
    return data


def test_pdf_typst_text_objects_read_whole_as_statement_by_statement(
    typst_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from rca.privacy import pdftext

    whole = []
    simple = pdftext.ContentText._simple
    monkeypatch.setattr(
        pdftext.ContentText, "_simple", lambda self, *a: whole.append(1) or simple(self, *a)
    )
    fast = extract("x.pdf", typst_pdf)
    assert whole, "Typst's text objects no longer take the one-match path"
    monkeypatch.setattr(pdftext, "_SIMPLE_OBJECT", re.compile(rb"(?!)"))
    assert extract("x.pdf", typst_pdf) == fast
    tight = next(c.text for c in fast if c.where == "PDF page 1, text" and not c.patterns)
    assert tight.count(EMAIL) == 2


def test_pdf_typst_text_and_alt_text(scan: Scan, typst_pdf: bytes) -> None:
    leaks = scan("specialist.pdf", typst_pdf)
    assert {leak.what for leak in leaks} == {"email (Email A)"}
    assert {"PDF page 1, text", "PDF page 1, marked content", "PDF document"} <= {
        leak.where for leak in leaks
    }, "\n".join(map(str, leaks))


def test_the_same_deck_twice_is_reported_twice(
    loaded: LoadedRecord, profiles: dict[str, Profile]
) -> None:
    # Parts the guard has read (a layout both decks share) and texts it has
    # matched are remembered within a case: a leak in them is still each deck's.
    data = deck("notes", EMAIL)
    leaks = find_leaks(
        loaded,
        profiles,
        [Artifact("leadership.pptx", data, "leadership"), Artifact("x.pptx", data, "specialist")],
    )
    assert [leak.artifact for leak in leaks] == ["leadership.pptx", "x.pptx"]
