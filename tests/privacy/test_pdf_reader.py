"""The guard's fast PDF reading: exactly pypdf's chunks on rca's own PDFs, pypdf on anything else."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from pypdf import PdfWriter

from rca.privacy.extract import Unreadable, _fast_pdf_chunks, _pypdf_chunks, extract
from rca.privacy.pdfobjects import FastPdf, Unfamiliar
from rca.privacy.pdftext import Font

EMAIL = "kestrel.marsh@example.net"


@pytest.mark.parametrize("engine", ["weasyprint", "typst"])
def test_rca_pdfs_are_read_fast_into_exactly_pypdfs_chunks(engine: str, engine_pdfs: Any) -> None:
    # Every brief of every bundled case (the session's one build of each engine):
    # the fast reader takes it whole, and gives chunk for chunk what pypdf gives.
    pdfs = engine_pdfs(engine)
    assert len(pdfs) >= 16
    for key, pdf in sorted(pdfs.items()):
        fast = _fast_pdf_chunks(pdf)  # raises if the fast reader gave up on it
        assert fast == _pypdf_chunks(pdf), key
        assert any(c.where == "PDF page 1, text" and c.text.strip() for c in fast), key


def test_glyph_runs_decode_as_string_by_string() -> None:
    # One run over an array's codes gives the text and end position (to the last
    # bit) that decoding its strings one at a time gives, whatever their lengths.
    rng = random.Random(142)
    font = Font(
        {code: chr(0x41 + code % 50) for code in range(300)},
        2,
        {code: rng.uniform(200, 900) for code in range(250)},  # codes 250+ take the default
        rng.uniform(400, 600),
    )
    for _ in range(200):
        strings = [
            b"".join(b"%04x" % rng.randrange(300) for _ in range(rng.choice((0, 1, 1, 1, 2, 3))))
            for _ in range(rng.randrange(1, 40))
        ]
        x, unit = rng.uniform(-50, 500), rng.uniform(0.001, 0.03)
        text, end = [], x
        for string in strings:
            piece, advance = font.decode(bytes.fromhex(string.decode()))
            text.append(piece)
            end += advance * unit
        assert font.run(strings, x, unit) == ("".join(text), end)


# --------------------------------------------------------------------------- hand-made PDFs

_OBJECTS = {
    1: b"<</Type/Catalog/Pages 2 0 R>>",
    2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
    3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
    4: b"<</Title(Quarterly review)/Author(rca)>>",
}


def _classic(objects: dict[int, bytes]) -> bytes:
    """A PDF with a classic cross-reference table, object 4 its document info."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    out += b"trailer\n<</Size %d/Root 1 0 R/Info 4 0 R>>\n" % size
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _titles(data: bytes) -> list[str]:
    return [c.text for c in extract("x.pdf", data) if c.where == "PDF metadata /Title"]


def test_a_hand_made_simple_pdf_is_read_fast() -> None:
    # The positive control for the fallbacks below: the same file, unchanged, is simple.
    data = _classic(_OBJECTS)
    assert _fast_pdf_chunks(data) == _pypdf_chunks(data)
    assert _titles(data) == ["Quarterly review"]


def test_an_incremental_update_is_read_by_pypdf() -> None:
    # A later revision changes the title: the fast reader (one revision only)
    # gives up, and pypdf reads the file as a viewer shows it, the new title.
    base = _classic(_OBJECTS)
    previous = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    offset = len(base)
    update = b"4 0 obj\n<</Title(Contact %b)>>\nendobj\n" % EMAIL.encode()
    xref = offset + len(update)
    update += b"xref\n0 1\n0000000000 65535 f \n4 1\n%010d 00000 n \n" % offset
    update += b"trailer\n<</Size 5/Root 1 0 R/Info 4 0 R/Prev %d>>\n" % previous
    update += b"startxref\n%d\n%%%%EOF\n" % xref
    data = base + update
    with pytest.raises(Unfamiliar):
        _fast_pdf_chunks(data)
    assert _titles(data) == [f"Contact {EMAIL}"]


def test_an_object_stream_with_an_unknown_filter_is_read_by_pypdf() -> None:
    # The document info packed in an object stream the fast reader cannot decode
    # (ASCIIHexDecode): pypdf decodes it, and the title is read all the same.
    info = b"<</Title(Contact %b)>>" % EMAIL.encode()
    header = b"4 0 "
    packed = (header + info).hex().encode() + b">"
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in (1, 2, 3):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%b\nendobj\n" % (number, _OBJECTS[number])
    offsets[5] = len(out)
    out += b"5 0 obj\n<</Type/ObjStm/N 1/First %d/Filter/ASCIIHexDecode/Length %d>>\nstream\n" % (
        len(header),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\0\0\0\0\0\xff\xff"]
    for number in range(1, 7):
        if number == 4:
            rows.append(b"\2" + (5).to_bytes(4, "big") + b"\0\0")
        else:
            rows.append(b"\1" + offsets[number].to_bytes(4, "big") + b"\0\0")
    table = b"".join(rows)
    out += b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Info 4 0 R/Length %d>>\nstream\n" % (
        len(table)
    )
    out += table + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    data = bytes(out)
    FastPdf(data)  # its cross-reference stream is read fast ...
    with pytest.raises(Unfamiliar):
        _fast_pdf_chunks(data)  # ... but not the object stream's filter
    assert _titles(data) == [f"Contact {EMAIL}"]


def test_an_encrypted_pdf_is_read_by_pypdf_and_fails_closed() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(_classic(_OBJECTS)))
    writer.encrypt(user_password="", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(Unfamiliar):
        FastPdf(out.getvalue())
    with pytest.raises(Unreadable, match="encrypted"):
        extract("x.pdf", out.getvalue())


def test_streams_past_the_decoding_budget_are_read_by_pypdf(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Many streams that together decode past the fast reader's budget (a bomb
    # spread thin): pypdf reads the file, with its own limits, and finds the text.
    from rca.privacy import pdfobjects

    body = b"Notes for %b" % EMAIL.encode()
    objects = {
        **_OBJECTS,
        1: b"<</Type/Catalog/Pages 2 0 R/PieceInfo 5 0 R>>",
        5: b"<</Length %d>>\nstream\n%b\nendstream" % (len(body), body),
    }
    data = _classic(objects)
    stream = [c.text for c in _fast_pdf_chunks(data) if c.where == "PDF document, stream"]
    assert stream == [body.decode()]
    monkeypatch.setattr(pdfobjects, "MAX_DECODED", len(body) - 1)
    with pytest.raises(Unfamiliar):
        _fast_pdf_chunks(data)
    assert [c.text for c in extract("x.pdf", data) if c.where == "PDF document, stream"] == stream
