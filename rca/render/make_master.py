"""Build templates/decks/default.pptx, the deck master, from python-pptx's own default.

    .venv/bin/python -m rca.render.make_master        # rewrites templates/decks/default.pptx

The master is a committed binary; this script is its source (a test rebuilds it
and compares bytes). It restyles the theme (navy and slate, one burnt-orange
accent for deviations and breaches, Arial throughout), makes the slides 16:9,
and keeps six layouts the renderer finds by name: "Title", "Title and
Content", "Section", "Two Content", "Picture" and "Table". An organisation's
own master works when it has layouts with those names.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.oxml import serialize_part_xml
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from rca.render.pptx import _element, _sub, fixed_zip

_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
OUT = Path(__file__).resolve().parent.parent.parent / "templates" / "decks" / "default.pptx"

# The palette, as theme slots: text and decks reference slots, never RGB, so an
# organisation's theme recolours everything.
PALETTE = {
    "dk1": "1F2933",  # body text: near-black slate
    "lt1": "FFFFFF",
    "dk2": "1B2A4A",  # navy: titles, table headers, title slides
    "lt2": "EEF1F5",  # pale slate: table banding, tiles
    "accent1": "1B2A4A",  # navy
    "accent2": "C2410C",  # burnt orange: the one accent (deviations, breaches, overdue)
    "accent3": "5B6B82",  # slate: secondary text, rules
    "accent4": "8FA1B9",  # light slate
    "accent5": "2F4F7F",  # mid navy
    "accent6": "D5DCE6",  # rule grey
    "hlink": "2F4F7F",
    "folHlink": "5B6B82",
}
FONT = "Arial"

W, H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
CONTENT_W = W - 2 * MARGIN
TITLE_TOP, TITLE_H = Inches(0.3), Inches(1.05)
RULE_Y = Inches(1.42)
BODY_TOP = Inches(1.6)
BODY_H = Inches(5.15)
FOOTER_Y, FOOTER_H = Inches(6.98), Inches(0.34)
GAP = Inches(0.35)

KEEP = {  # python-pptx default layout -> our name
    "Title Slide": "Title",
    "Title and Content": "Title and Content",
    "Section Header": "Section",
    "Two Content": "Two Content",
    "Picture with Caption": "Picture",
    "Title Only": "Table",
}


def build() -> bytes:
    """The master's bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = W, H
    master = prs.slide_master
    _theme(master)
    _master(master)
    for layout in list(prs.slide_layouts):
        if layout.name not in KEEP:
            prs.slide_layouts.remove(layout)
    for layout in prs.slide_layouts:
        name = KEEP[layout.name]
        layout.name = name
        _LAYOUTS[name](layout)
    _metadata(prs)
    out = io.BytesIO()
    prs.save(out)
    return fixed_zip(out.getvalue())


# --------------------------------------------------------------------------- theme


def _theme(master: Any) -> None:
    part = next(r.target_part for r in master.part.rels.values() if r.reltype.endswith("/theme"))
    root = parse_xml(part.blob)
    root.set("name", "rca")
    scheme = root.find(qn("a:themeElements") + "/" + qn("a:clrScheme"))
    assert scheme is not None
    scheme.set("name", "rca")
    for slot, rgb in PALETTE.items():
        element = scheme.find(qn(f"a:{slot}"))
        assert element is not None
        for child in list(element):
            element.remove(child)
        _sub(element, "a:srgbClr", val=rgb)
    fonts = root.find(qn("a:themeElements") + "/" + qn("a:fontScheme"))
    assert fonts is not None
    fonts.set("name", "rca")
    for latin in fonts.iter(qn("a:latin")):
        latin.set("typeface", FONT)
    part._blob = serialize_part_xml(root)


# --------------------------------------------------------------------------- master


def _master(master: Any) -> None:
    styles = master._element.find(qn("p:txStyles"))
    assert styles is not None
    title = styles.find(qn("p:titleStyle") + "/" + qn("a:lvl1pPr"))
    assert title is not None
    title.set("algn", "l")
    _def_rpr(title, size=28, bold=True, color="tx2")
    body = styles.find(qn("p:bodyStyle"))
    assert body is not None
    for level, size in zip(range(1, 10), (18, 16, 14, 14, 14, 14, 14, 14, 14), strict=True):
        ppr = body.find(qn(f"a:lvl{level}pPr"))
        if ppr is not None:
            _def_rpr(ppr, size=size, bold=False, color="tx1")
    for shape in list(master.placeholders):
        kind = shape.placeholder_format.type
        if kind == PP_PLACEHOLDER.DATE:
            shape.element.getparent().remove(shape.element)
        elif kind == PP_PLACEHOLDER.TITLE:
            _place(shape, MARGIN, TITLE_TOP, CONTENT_W, TITLE_H)
            _body_pr(shape, anchor="b")
        elif kind == PP_PLACEHOLDER.BODY:
            _place(shape, MARGIN, BODY_TOP, CONTENT_W, BODY_H)
            _body_pr(shape, anchor="t")
        elif kind == PP_PLACEHOLDER.FOOTER:
            _place(shape, MARGIN, FOOTER_Y, CONTENT_W - Inches(1.3), FOOTER_H)
            _footer_style(shape, "l")
        elif kind == PP_PLACEHOLDER.SLIDE_NUMBER:
            _place(shape, W - MARGIN - Inches(1.2), FOOTER_Y, Inches(1.2), FOOTER_H)
            _footer_style(shape, "r")
    # The rule under the title, with a short accent at its start, and a hairline over the footer.
    _rect(master, MARGIN, RULE_Y, CONTENT_W, Pt(1.25), "accent6", "Title rule")
    _rect(master, MARGIN, RULE_Y - Pt(1.25), Inches(0.9), Pt(3.75), "accent2", "Title accent")
    _rect(master, MARGIN, FOOTER_Y - Pt(2), CONTENT_W, Pt(0.75), "accent6", "Footer rule")
    _send_decorations_back(master._element)


def _send_decorations_back(element: Any) -> None:
    # Decorations first in the tree, so placeholders draw over them.
    tree = element.find(qn("p:cSld") + "/" + qn("p:spTree"))
    assert tree is not None
    shapes = [s for s in tree if s.tag == qn("p:sp") and s.find(".//" + qn("p:ph")) is None]
    for shape in shapes:
        tree.remove(shape)
        tree.insert(2, shape)


def _rect(owner: Any, x: int, y: int, w: int, h: int, color: str, name: str) -> None:
    # Masters and layouts have no add_shape in python-pptx: write the rectangle's XML.
    tree = owner._element.find(qn("p:cSld") + "/" + qn("p:spTree"))
    assert tree is not None
    ids = [int(e.get("id", "0")) for e in tree.iter(qn("p:cNvPr"))]
    sp = parse_xml(
        f'<p:sp xmlns:p="{_P}" xmlns:a="{_A}"><p:nvSpPr><p:cNvPr id="{max(ids, default=1) + 1}" '
        f'name="{name}"/><p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr><a:xfrm>'
        f'<a:off x="{int(x)}" y="{int(y)}"/><a:ext cx="{int(w)}" cy="{int(h)}"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:schemeClr val="{color}"/>'
        f"</a:solidFill><a:ln><a:noFill/></a:ln></p:spPr></p:sp>"
    )
    tree.append(sp)


def _place(shape: Any, x: int, y: int, w: int, h: int) -> None:
    shape.left, shape.top, shape.width, shape.height = Emu(x), Emu(y), Emu(w), Emu(h)


def _body_pr(shape: Any, anchor: str) -> None:
    body = shape.element.find(".//" + qn("a:bodyPr"))
    body.set("anchor", anchor)
    for child in list(body):
        body.remove(child)
    _sub(body, "a:noAutofit")


def _def_rpr(ppr: Any, *, size: int, bold: bool, color: str) -> None:
    rpr = ppr.find(qn("a:defRPr"))
    assert rpr is not None
    rpr.set("sz", str(size * 100))
    rpr.set("b", "1" if bold else "0")
    fill = rpr.find(qn("a:solidFill"))
    if fill is not None:
        rpr.remove(fill)
    fill = _element("a:solidFill")
    _sub(fill, "a:schemeClr", val=color)
    rpr.insert(0, fill)
    bullet = ppr.find(qn("a:buChar"))
    if bullet is not None:
        bullet.set("char", "•")


def _footer_style(shape: Any, align: str) -> None:
    ppr = shape.element.find(".//" + qn("a:lstStyle") + "/" + qn("a:lvl1pPr"))
    ppr.set("algn", align)
    rpr = ppr.find(qn("a:defRPr"))
    rpr.set("sz", "1000")
    for child in list(rpr):
        rpr.remove(child)
    fill = _sub(rpr, "a:solidFill")
    _sub(fill, "a:schemeClr", val="accent3")


# --------------------------------------------------------------------------- layouts


_KIND = {
    PP_PLACEHOLDER.CENTER_TITLE: "ctrTitle",
    PP_PLACEHOLDER.TITLE: "title",
    PP_PLACEHOLDER.SUBTITLE: "subTitle",
    PP_PLACEHOLDER.BODY: "body",
    PP_PLACEHOLDER.FOOTER: "ftr",
    PP_PLACEHOLDER.SLIDE_NUMBER: "sldNum",
}


def _strip_dates(layout: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for shape in list(layout.placeholders):
        kind = shape.placeholder_format.type
        if kind == PP_PLACEHOLDER.DATE:
            shape.element.getparent().remove(shape.element)
            continue
        if kind in _KIND:
            found.setdefault(_KIND[kind], shape)
        found[f"idx{shape.placeholder_format.idx}"] = shape
    return found


def _inherit_geometry(shape: Any) -> None:
    # A layout placeholder without its own xfrm follows the master's.
    xfrm = shape.element.find(qn("p:spPr") + "/" + qn("a:xfrm"))
    if xfrm is not None:
        xfrm.getparent().remove(xfrm)


def _footers(found: dict[str, Any]) -> None:
    for kind in ("ftr", "sldNum"):
        if kind in found:
            _inherit_geometry(found[kind])


def _pale_footers(found: dict[str, Any]) -> None:
    for kind in ("ftr", "sldNum"):
        if kind in found:
            lst = found[kind].element.find(".//" + qn("a:lstStyle"))
            for child in list(lst):
                lst.remove(child)
            ppr = _sub(lst, "a:lvl1pPr")
            rpr = _sub(ppr, "a:defRPr")
            fill = _sub(rpr, "a:solidFill")
            _sub(fill, "a:schemeClr", val="accent4")


def _dark(layout: Any) -> None:
    # Title and section slides: navy ground, no master decorations.
    layout.background.fill.solid()
    layout.background.fill.fore_color.theme_color = MSO_THEME_COLOR.TEXT_2
    layout._element.set("showMasterSp", "0")


def _dark_text(shape: Any, *, size: int, bold: bool, color: str = "bg1") -> None:
    body = shape.element.find(".//" + qn("p:txBody"))
    lst = body.find(qn("a:lstStyle"))
    for child in list(lst):
        lst.remove(child)
    ppr = _sub(lst, "a:lvl1pPr", marL="0", indent="0", algn="l")
    _sub(ppr, "a:buNone")
    rpr = _sub(ppr, "a:defRPr", sz=str(size * 100), b="1" if bold else "0")
    fill = _sub(rpr, "a:solidFill")
    _sub(fill, "a:schemeClr", val=color)


def _title_layout(layout: Any) -> None:
    found = _strip_dates(layout)
    _dark(layout)
    _place(found["ctrTitle"], Inches(0.9), Inches(2.0), Inches(11.5), Inches(2.3))
    _body_pr(found["ctrTitle"], anchor="b")
    _dark_text(found["ctrTitle"], size=36, bold=True)
    _place(found["subTitle"], Inches(0.9), Inches(4.55), Inches(11.5), Inches(1.9))
    _body_pr(found["subTitle"], anchor="t")
    _dark_text(found["subTitle"], size=18, bold=False, color="accent6")
    _rect(layout, Inches(0.9), Inches(4.38), Inches(1.4), Pt(4), "accent2", "Accent bar")
    _footers(found)
    _pale_footers(found)
    _send_decorations_back(layout._element)


def _section_layout(layout: Any) -> None:
    found = _strip_dates(layout)
    _dark(layout)
    _place(found["title"], Inches(0.9), Inches(2.3), Inches(11.5), Inches(1.6))
    _body_pr(found["title"], anchor="b")
    _dark_text(found["title"], size=36, bold=True)
    _place(found["body"], Inches(0.9), Inches(4.2), Inches(11.5), Inches(1.6))
    _body_pr(found["body"], anchor="t")
    _dark_text(found["body"], size=18, bold=False, color="accent6")
    _rect(layout, Inches(0.9), Inches(4.02), Inches(1.4), Pt(4), "accent2", "Accent bar")
    _footers(found)
    _pale_footers(found)
    _send_decorations_back(layout._element)


def _content_layout(layout: Any) -> None:
    found = _strip_dates(layout)
    _inherit_geometry(found["title"])
    _place(found["idx1"], MARGIN, BODY_TOP, CONTENT_W, BODY_H)
    _footers(found)


def _two_content_layout(layout: Any) -> None:
    found = _strip_dates(layout)
    _inherit_geometry(found["title"])
    half = (CONTENT_W - GAP) // 2
    _place(found["idx1"], MARGIN, BODY_TOP, half, BODY_H)
    _place(found["idx2"], MARGIN + half + GAP, BODY_TOP, half, BODY_H)
    _footers(found)


def _picture_layout(layout: Any) -> None:
    found = _strip_dates(layout)
    caption = found["idx2"]
    caption.element.getparent().remove(caption.element)
    title = found["title"]
    _inherit_geometry(title)
    lst = title.element.find(".//" + qn("a:lstStyle"))
    for child in list(lst):
        lst.remove(child)
    _body_pr(title, anchor="b")
    _place(found["idx1"], MARGIN, BODY_TOP, CONTENT_W, BODY_H)
    _footers(found)


def _table_layout(layout: Any) -> None:
    # "Title Only" plus a table placeholder that marks where the table goes.
    found = _strip_dates(layout)
    _inherit_geometry(found["title"])
    tree = layout._element.find(qn("p:cSld") + "/" + qn("p:spTree"))
    sp = parse_xml(
        '<p:sp xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<p:nvSpPr><p:cNvPr id="20" name="Table Placeholder 2"/><p:cNvSpPr><a:spLocks noGrp="1"/>'
        '</p:cNvSpPr><p:nvPr><p:ph type="tbl" sz="quarter" idx="1"/></p:nvPr></p:nvSpPr>'
        '<p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang="en-US"/></a:p>'
        "</p:txBody></p:sp>"
    )
    tree.insert(3, sp)
    shape = next(s for s in layout.placeholders if s.placeholder_format.idx == 1)
    _place(shape, MARGIN, BODY_TOP, CONTENT_W, BODY_H)
    _footers(found)


_LAYOUTS = {
    "Title": _title_layout,
    "Title and Content": _content_layout,
    "Section": _section_layout,
    "Two Content": _two_content_layout,
    "Picture": _picture_layout,
    "Table": _table_layout,
}


# --------------------------------------------------------------------------- metadata


def _metadata(prs: Any) -> None:
    core = prs.core_properties
    core.title = "rca deck master"
    core.subject = ""
    core.author = "rca"
    core.last_modified_by = ""
    core.comments = ""
    core.revision = 1
    from datetime import datetime

    core.created = core.modified = datetime(2026, 1, 1)
    package = prs.part.package
    # Office's thumbnail of an empty 4:3 slide and a Mac printer's settings: not ours to ship.
    for owner in (package, prs.part):
        for rel in list(owner._rels.values()):
            if rel.reltype.endswith(("/thumbnail", "/printerSettings")):
                owner.drop_rel(rel.rId)
    for part in package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            text = part.blob.decode("utf-8")
            text = re.sub(
                r"<PresentationFormat>.*?</PresentationFormat>",
                "<PresentationFormat>Widescreen</PresentationFormat>",
                text,
            )
            text = re.sub(r"<Application>.*?</Application>", "<Application>rca</Application>", text)
            text = text.replace("Office Theme", "rca")
            part._blob = text.encode("utf-8")


def main() -> int:
    """Write the master to templates/decks/default.pptx."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(build())
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
