"""Every piece of text inside an output file, with where it sits: what the leak guard reads.

Each extractor is a pure function from a file's bytes to `Chunk`s: a location
a person can find ("slide 4 notes (ppt/notesSlides/notesSlide4.xml), text",
"PDF metadata /Title", "SVG <title>", "DOT source" with line numbers) and the
text found there. Extractors read the file's own structure rather than the
library that wrote it, so nothing a renderer puts in a file can hide from them:
a deck is read as the zip of XML parts it is, every part, every text node,
attribute, comment and relationship target; a PDF is walked object by object.

`patterns=False` marks text that is scanned for declared identifiers only:
geometry and ids (EMU coordinates, SVG path data, PDF names) are full of long
numbers that are not identifiers. A file that cannot be read is not passed as
clean: `Unreadable` is raised and the guard stops the build (fail-closed).
"""

from __future__ import annotations

import base64
import gc
import io
import re
import struct
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any, NamedTuple

from rca.privacy.pdftext import ContentText, Font, NotSimple

MAX_UNPACKED = 512 * 1024 * 1024  # bytes a zip or compressed chunk may expand to
MAX_MEMBERS = 20_000


class Chunk(NamedTuple):
    """Text found at one place in an artifact."""

    where: str  # a location a person can find; never contains the artifact's content
    text: str
    patterns: bool = True  # False: check declared identifiers only (geometry, ids, binary)
    # (offset in text, line in the source file) pairs, for line-level locations.
    lines: tuple[tuple[int, int], ...] = ()


class Unreadable(Exception):
    """An artifact (or a part of one) could not be parsed, so it cannot be shown clean."""


class TooLarge(Unreadable):
    """An artifact is bigger than the guard reads (unpacked size, member count): not a leak."""


Extractor = Callable[[bytes], list[Chunk]]


def extract(name: str, data: bytes) -> list[Chunk]:
    """Every text chunk of a file, read according to its extension (raw bytes if unknown)."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    # Reading a file allocates a few hundred thousand short-lived objects (XML
    # elements, PDF objects), nearly all freed as they go; left on, the cyclic
    # collector would traverse the whole process (a warm WeasyPrint's caches)
    # several times a build for them. It is paused while a file is read.
    pause = gc.isenabled()
    if pause:
        gc.disable()
    try:
        return EXTRACTORS.get(extension, raw_chunks)(data)
    except Unreadable:
        raise
    except Exception as exc:  # a parser failing on a file is a file we cannot show clean
        raise Unreadable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        if pause:
            gc.enable()


# --------------------------------------------------------------------------- raw and DOT


def raw_chunks(data: bytes) -> list[Chunk]:
    """An unknown format: its bytes as UTF-8 (undecodable bytes replaced), all checks on."""
    return [Chunk("raw bytes", data.decode("utf-8", errors="replace"))]


def _binary_chunks(data: bytes, where: str) -> list[Chunk]:
    # Images, fonts and other binary parts: declared identifiers only, read as
    # UTF-8 and as UTF-16 (some formats, EMF for one, store text that way).
    return [
        Chunk(f"{where}, bytes as UTF-8", data.decode("utf-8", errors="replace"), False),
        Chunk(f"{where}, bytes as UTF-16", data.decode("utf-16-le", errors="replace"), False),
    ]


_DOT_ESCAPE = re.compile(r"\\[nlr]|\\\"|<[^<>]*>")


def dot_chunks(data: bytes) -> list[Chunk]:
    """DOT source with line numbers, then as labels show it: escapes and tags as line breaks."""
    text = _decode(data, "DOT")
    lines = tuple(_line_starts(text))
    chunks = [Chunk("DOT source", text, True, lines)]
    # A label wrapped with \n or an HTML-like <BR/> splits a name in two; the
    # unescaped source puts a real line break there, which declared names match.
    unescaped = _DOT_ESCAPE.sub(lambda m: '"' if m.group() == '\\"' else "\n", text)
    if unescaped != text:
        chunks.append(Chunk("DOT source", unescaped, True, ()))
    return chunks


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{what} is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _line_starts(text: str) -> Iterator[tuple[int, int]]:
    yield (0, 1)
    for number, match in enumerate(re.finditer("\n", text), start=2):
        yield (match.end(), number)


# --------------------------------------------------------------------------- XML (SVG, OOXML parts)

# Attributes whose values are read by people or followed as links: checked for
# undeclared patterns too. Every other attribute (coordinates, ids, styles) is
# checked for declared identifiers only.
CONTENT_ATTRIBUTES = frozenset(
    {
        "descr",
        "title",
        "name",
        "tooltip",
        "alt",
        "label",
        "href",
        "src",
        "content",
        "value",
        "placeholder",
        "summary",
        "abbr",
        "target",
        "invalidurl",
        "action",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-valuetext",
        "aria-placeholder",
    }
)
_PROPERTY_ELEMENTS = frozenset(
    {
        "title",
        "desc",
        "subject",
        "creator",
        "keywords",
        "description",
        "lastmodifiedby",
        "category",
        "company",
        "manager",
        "contentstatus",
        "identifier",
        "language",
        "version",
    }
)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attr_category(name: str) -> str:
    local = _local(name).lower()
    if local == "descr":
        return "alt text"
    if local.endswith("href") or local == "target":
        return "link target"
    if _is_content_attribute(name):
        return f"attribute {_local(name)}"
    return "attributes"  # geometry, ids, styles: one chunk per part


def _is_content_attribute(name: str) -> bool:
    local = _local(name).lower()
    return local in CONTENT_ATTRIBUTES or local.endswith("href") or local.startswith("aria-")


def _attr_group(name: str) -> tuple[str, bool]:
    """An attribute's chunk: (category, whether patterns are checked), decided once per name."""
    group = _ATTR_GROUPS.get(name)
    if group is None:
        group = _ATTR_GROUPS[name] = (_attr_category(name), _is_content_attribute(name))
    return group


# Attribute names seen so far -> their group (a document uses a few dozen names, many times).
_ATTR_GROUPS: dict[str, tuple[str, bool]] = {}


def xml_chunks(data: bytes, prefix: str, *, allow_doctype: bool = False) -> list[Chunk]:
    """Every text node, attribute value, comment and processing instruction of an XML document.

    Text of a DrawingML paragraph (<a:p>) is joined across its runs, as a
    reader sees it, so an identifier split over two runs is still whole.
    """
    if not allow_doctype and b"<!DOCTYPE" in data[:4096].upper():
        raise Unreadable(f"{prefix}: XML with a DOCTYPE (not something rca writes)")
    if b"<!ENTITY" in data:
        raise Unreadable(f"{prefix}: XML declares entities (not something rca writes)")
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True))
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        raise Unreadable(f"{prefix}: not well-formed XML ({exc})") from None

    groups: dict[tuple[str, bool], list[str]] = defaultdict(list)
    attr_groups = _ATTR_GROUPS
    stack: list[ET.Element] = [root]
    while stack:
        element = stack.pop()
        tag = element.tag
        if not isinstance(tag, str):  # a comment or processing instruction
            groups[("comment", True)].append(element.text or "")
        elif tag.endswith("}p") and tag.startswith("{http://schemas.openxmlformats.org/drawingml"):
            _paragraph(element, groups)
        else:
            text = element.text
            if text and not text.isspace():
                local = _local(tag)
                category = f"<{local}>" if local.lower() in _PROPERTY_ELEMENTS else "text"
                groups[(category, True)].append(text)
            for name, value in element.attrib.items():
                group = attr_groups.get(name) or _attr_group(name)
                groups[group].append(value)
            stack.extend(reversed(element))
        if element is not root:
            tail = element.tail
            if tail and not tail.isspace():
                groups[("text", True)].append(tail)
    return [
        Chunk(f"{prefix} {category}" if prefix else category, "\n".join(pieces), patterns)
        for (category, patterns), pieces in groups.items()
    ]


def _paragraph(p: ET.Element, groups: dict[tuple[str, bool], list[str]]) -> None:
    """A DrawingML paragraph in one pass: its shown text (<a:t> runs, <a:br/> as a line
    break) first in the text group, then everything else in it: attributes, comments,
    and text outside <a:t> (not shown, but still in the file)."""
    texts = groups[("text", True)]
    at = len(texts)
    texts.append("")  # the shown text's place, filled in at the end
    shown = []
    attr_groups, locals_ = _ATTR_GROUPS, _LOCALS
    for element in p.iter():
        for name, value in element.attrib.items():
            groups[attr_groups.get(name) or _attr_group(name)].append(value)
        tag = element.tag
        if not isinstance(tag, str):
            groups[("comment", True)].append(element.text or "")
        else:
            local = locals_.get(tag) or _local_of(tag)
            text = element.text
            if local == "t":
                if text:
                    shown.append(text)
            else:
                if local == "br":
                    shown.append("\n")
                if text and not text.isspace():
                    texts.append(text)
        if element is not p:
            tail = element.tail
            if tail and not tail.isspace():
                texts.append(tail)
    texts[at] = "".join(shown)


def _local_of(tag: str) -> str:
    local = _LOCALS[tag] = _local(tag)
    return local


# Element tags seen so far -> their local names.
_LOCALS: dict[str, str] = {}


def svg_chunks(data: bytes) -> list[Chunk]:
    """An SVG: <title>, <desc>, text, comments, link targets and every attribute."""
    return xml_chunks(data, "SVG", allow_doctype=True)


# --------------------------------------------------------------------------- PPTX (any OOXML zip)

_PART_NAME = re.compile(
    r"\[Content_Types\]\.xml|(?:[A-Za-z_]+/)*(?:[A-Za-z_]+\d*)?(?:\.[a-z]{2,5}){1,2}"
)
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def pptx_chunks(data: bytes) -> list[Chunk]:
    """A deck, read as the zip of XML parts it is: every part, none skipped."""
    return ooxml_chunks(data, "")


def ooxml_chunks(data: bytes, prefix: str) -> list[Chunk]:
    """Any OOXML package (pptx, and xlsx/docx embedded in one)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable(f"{prefix or 'package'}: not a readable zip ({exc})") from None
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise TooLarge(
            f"{prefix or 'package'}: {len(infos):,} members, "
            f"{sum(i.file_size for i in infos) / 2**20:,.0f} MiB unpacked; the guard reads at most "
            f"{MAX_MEMBERS:,} members and {MAX_UNPACKED // 2**20:,} MiB"
        )
    names = {i.filename: _part_label(i.filename, n) for n, i in enumerate(infos, 1)}
    human = _pptx_labels(archive, set(names))
    chunks = [Chunk(f"{prefix}zip member names".strip(), "\n".join(names), False)]
    for info in infos:
        if info.is_dir():
            continue
        label = names[info.filename]
        where = (
            f"{prefix}{human[info.filename]} ({label}),"
            if info.filename in human
            else (f"{prefix}{label},")
        )
        try:
            content = archive.read(info)
        except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError) as exc:
            raise Unreadable(f"{label}: cannot be unpacked ({exc})") from None
        chunks += _cached_member_chunks(info.filename, content, where)
    return chunks


def _cached_member_chunks(name: str, content: bytes, where: str) -> list[Chunk]:
    # A deck's layouts, masters and theme are the same parts, byte for byte, in
    # both audiences' decks (and every case's): each is read once. The chunks
    # are a pure function of the three arguments.
    global _PART_BYTES
    key = (name, where, content)
    found = _PART_CHUNKS.get(key)
    if found is None:
        found = tuple(_member_chunks(name, content, where))
        size = len(content) + sum(len(c.text) for c in found)
        if size <= _PART_CACHE_BYTES // 8:
            while _PART_CHUNKS and _PART_BYTES + size > _PART_CACHE_BYTES:
                oldest = next(iter(_PART_CHUNKS))  # the first in: dicts keep insertion order
                _PART_BYTES -= len(oldest[2]) + sum(len(c.text) for c in _PART_CHUNKS.pop(oldest))
            _PART_CHUNKS[key] = found
            _PART_BYTES += size
    return list(found)


_PART_CHUNKS: dict[tuple[str, str, bytes], tuple[Chunk, ...]] = {}
_PART_BYTES = 0  # the parts' bytes and their chunks' characters, roughly what the cache holds
_PART_CACHE_BYTES = 8 << 20


def clear_cache() -> None:
    """Forget the parts read so far (benchmarks measure a case's reading from nothing)."""
    global _PART_BYTES
    _PART_CHUNKS.clear()
    _PART_BYTES = 0


def _member_chunks(name: str, content: bytes, where: str) -> list[Chunk]:
    lowered = name.lower()
    if lowered.endswith(_XML_SUFFIXES):
        chunks = xml_chunks(content, where)
        if lowered.endswith(".rels"):
            chunks = [_rels_chunk(c, content, where) for c in chunks]
        return chunks
    if content.startswith(b"PK\x03\x04"):
        return ooxml_chunks(content, f"{where} ")
    if content.startswith(_PNG_SIGNATURE):
        return [c._replace(where=f"{where} {c.where}") for c in png_chunks(content)]
    return _binary_chunks(content, where.rstrip(","))


def _rels_chunk(chunk: Chunk, content: bytes, where: str) -> Chunk:
    # Relationship targets: external ones are hyperlinks a reader follows.
    if chunk.where == f"{where} link target":
        external = b'TargetMode="External"' in content
        return chunk._replace(where=f"{where} {'hyperlink' if external else 'relationship'} target")
    return chunk


def _part_label(name: str, number: int) -> str:
    # Part names are printed in messages; an odd one (which could itself hold
    # text from a record) is shown by its position only.
    return name if _PART_NAME.fullmatch(name) else f"zip member #{number}"


def _pptx_labels(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Human names of a deck's parts: "slide 4", "slide 4 notes", "core properties"."""
    labels = {
        "docProps/core.xml": "core properties",
        "docProps/app.xml": "app properties",
        "docProps/custom.xml": "custom properties",
        "ppt/presentation.xml": "presentation",
    }
    order = _slide_order(archive, names)
    for part, number in order.items():
        labels[part] = f"slide {number}"
        rels = part.replace("slides/", "slides/_rels/") + ".rels"
        labels[rels] = f"slide {number} links"
        for target in _rel_targets(archive, rels, names):
            if "notesSlide" in target:
                labels[target] = f"slide {number} notes"
                labels[target.replace("notesSlides/", "notesSlides/_rels/") + ".rels"] = (
                    f"slide {number} notes links"
                )
    for name in names:
        for kind, word in (
            ("slideLayouts/slideLayout", "slide layout"),
            ("slideMasters/slideMaster", "slide master"),
            ("notesMasters/notesMaster", "notes master"),
            ("comments/comment", "comments"),
        ):
            match = re.fullmatch(rf"ppt/{kind}(\d+)\.xml", name)
            if match and name not in labels:
                labels[name] = f"{word} {match[1]}"
    return {k: v for k, v in labels.items() if k in names}


def _slide_order(archive: zipfile.ZipFile, names: set[str]) -> dict[str, int]:
    # presentation.xml lists slides in reading order by relationship id.
    if "ppt/presentation.xml" not in names or "ppt/_rels/presentation.xml.rels" not in names:
        return {}
    try:
        presentation = ET.fromstring(archive.read("ppt/presentation.xml"))
        rels = ET.fromstring(archive.read("ppt/_rels/presentation.xml.rels"))
    except (ET.ParseError, KeyError):
        return {}  # the part-by-part scan reports it as unreadable
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    order: dict[str, int] = {}
    for element in presentation.iter():
        if isinstance(element.tag, str) and _local(element.tag) == "sldId":
            rid = next(
                (v for k, v in element.attrib.items() if _local(k) == "id" and k.startswith("{")),
                None,
            )
            target = targets.get(rid)
            if target:
                order[_resolve("ppt/", target)] = len(order) + 1
    return order


def _rel_targets(archive: zipfile.ZipFile, rels: str, names: set[str]) -> list[str]:
    if rels not in names:
        return []
    try:
        root = ET.fromstring(archive.read(rels))
    except ET.ParseError:
        return []
    base = rels.split("_rels/")[0]
    return [_resolve(base, r.get("Target", "")) for r in root if r.get("TargetMode") != "External"]


def _resolve(base: str, target: str) -> str:
    parts: list[str] = [] if target.startswith("/") else base.strip("/").split("/")
    for piece in target.lstrip("/").split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


# --------------------------------------------------------------------------- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt", b"eXIf"}


def png_chunks(data: bytes) -> list[Chunk]:
    """A PNG's text chunks (tEXt, zTXt, iTXt) and EXIF; pixels cannot be read."""
    if not data.startswith(_PNG_SIGNATURE):
        raise Unreadable("not a PNG file")
    chunks, offset, number = [], len(_PNG_SIGNATURE), 0
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        number += 1
        if kind in _PNG_TEXT:
            keyword, text = _png_text(kind, body)
            where = f"PNG {kind.decode('ascii')} chunk {number}"
            chunks.append(Chunk(f"{where} keyword", keyword))
            chunks.append(Chunk(f"{where} text", text, kind != b"eXIf"))
        if kind == b"IEND":
            break
    return chunks


def _png_text(kind: bytes, body: bytes) -> tuple[str, str]:
    if kind == b"eXIf":
        return "", body.decode("utf-8", errors="replace")
    keyword, _, rest = body.partition(b"\0")
    if kind == b"tEXt":
        return keyword.decode("latin-1"), rest.decode("latin-1")
    if kind == b"zTXt":
        return keyword.decode("latin-1"), _inflate(rest[1:]).decode("latin-1")
    # iTXt: compression flag, method, language\0, translated keyword\0, text
    compressed, rest = rest[:1] == b"\x01", rest[2:]
    language, _, rest = rest.partition(b"\0")
    translated, _, text = rest.partition(b"\0")
    value = _inflate(text) if compressed else text
    header = f"{language.decode('latin-1')} {translated.decode('utf-8', errors='replace')}"
    return keyword.decode("latin-1") + " " + header, value.decode("utf-8", errors="replace")


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_UNPACKED)
    except zlib.error as exc:
        raise Unreadable(f"compressed PNG text chunk is corrupt ({exc})") from None
    if inflater.unconsumed_tail:
        raise TooLarge("compressed PNG text chunk is too large to scan")
    return out


# --------------------------------------------------------------------------- HTML

# Inline elements: text on either side of them reads as one run of text.
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
        "tspan",
    }
)
# CSS at-rules are not @handles.
_CSS_AT_RULE = re.compile(
    r"@(?:media|page|font-face|import|supports|keyframes|charset|namespace|"
    r"layer|container|counter-style|property|font-feature-values|"
    r"(?:top|bottom|left|right)-[a-z-]+)\b",
    re.IGNORECASE,
)
_DATA_URL = re.compile(r"data:([\w.+/-]*)((?:;[\w=.+-]+)*),(.*)", re.DOTALL)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.groups: dict[tuple[str, bool], list[tuple[int, str]]] = defaultdict(list)
        self.nested: list[Chunk] = []
        self.raw_element: str | None = None  # inside <title>, <style> or <script>

    def _add(self, category: str, text: str, patterns: bool = True) -> None:
        self.groups[(category, patterns)].append((self.getpos()[0], text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE:
            self._add("text", "\n")
        if tag in ("title", "style", "script"):
            self.raw_element = tag
        for name, value in attrs:
            if not value:
                continue
            data_url = _DATA_URL.fullmatch(value.strip())
            if data_url:
                self._data_url(name, *data_url.groups())
                self._add(f"attribute {name}", value, False)
            elif name == "style":
                self._add("attribute style", _CSS_AT_RULE.sub(" ", value))
            else:
                category, patterns = _ATTR_GROUPS.get(name) or _attr_group(name)
                self._add(category, value, patterns)

    def handle_endtag(self, tag: str) -> None:
        if tag == self.raw_element:
            if tag in ("title", "script"):  # separate elements are separate texts
                self._add(f"<{tag}>", "\n")
            self.raw_element = None
        if tag not in _INLINE:
            self._add("text", "\n")

    def handle_data(self, data: str) -> None:
        if self.raw_element == "style":
            self._add("<style>", _CSS_AT_RULE.sub(" ", data))
        elif self.raw_element in ("title", "script"):
            self._add(f"<{self.raw_element}>", data)
        else:
            self._add("text", data)

    def handle_comment(self, data: str) -> None:
        self._add("comment", data)

    def handle_decl(self, decl: str) -> None:
        self._add("declaration", decl)

    def handle_pi(self, data: str) -> None:
        self._add("declaration", data)

    def unknown_decl(self, data: str) -> None:
        self._add("declaration", data)

    def _data_url(self, attribute: str, media: str, params: str, payload: str) -> None:
        line = self.getpos()[0]
        try:
            content = (
                base64.b64decode(payload, validate=False)
                if ";base64" in params
                else urllib.parse.unquote_to_bytes(payload)
            )
        except ValueError as exc:
            raise Unreadable(f"HTML line {line}: undecodable data: URL ({exc})") from None
        extension = {
            "image/svg+xml": "svg",
            "image/png": "png",
            "text/html": "html",
            "application/pdf": "pdf",
        }.get(media.lower(), "")
        prefix = f"HTML line {line}, data: URL in {attribute} ({media or 'no type'})"
        if extension:
            self.nested += [
                c._replace(where=f"{prefix}, {c.where}") for c in EXTRACTORS[extension](content)
            ]
        else:
            self.nested += _binary_chunks(content, prefix)


def html_chunks(data: bytes) -> list[Chunk]:
    """An HTML file: text (entities decoded), attributes, comments, <title>, <style>, data: URLs."""
    parser = _HtmlText()
    parser.feed(_decode(data, "HTML"))
    parser.close()
    chunks = list(parser.nested)
    for (category, patterns), pieces in parser.groups.items():
        text, lines, offset = [], [], 0
        for line, piece in pieces:
            lines.append((offset, line))
            text.append(piece)
            offset += len(piece)
        chunks.append(Chunk(f"HTML {category}", "".join(text), patterns, tuple(lines)))
    return chunks


# --------------------------------------------------------------------------- PDF

_PDF_DATE = re.compile(r"D:\d{4,14}([Z+-][\d']*)?")
# Streams whose bytes are drawing, fonts or pictures, never text a reader sees
# as such (page text is extracted through the fonts' Unicode maps instead).
_SKIP_STREAM_TYPES = {"/XObject", "/Font", "/FontDescriptor", "/EmbeddedFile", "/Metadata"}


def pdf_chunks(data: bytes) -> list[Chunk]:
    """A PDF: page text, metadata (document info and XMP), links, bookmarks, attachments,
    and every other string in the file."""
    try:
        return _fast_pdf_chunks(data)
    except Exception:  # Unfamiliar, or anything odd: pypdf reads the file, and decides
        pass
    return _pypdf_chunks(data)


def _fast_pdf_chunks(data: bytes) -> list[Chunk]:
    # The PDFs rca writes, read by FastPdf into pypdf's own objects: the same
    # chunks as _pypdf_chunks, several times faster. Anything it does not read
    # exactly as pypdf does raises, and the caller reads the file with pypdf.
    from rca.privacy.pdfobjects import FastPdf, Unfamiliar  # imports pypdf: not at start-up

    document = FastPdf(data)
    if document.has_attachments():
        raise Unfamiliar  # attachments are read, and named, by pypdf
    fonts: dict[int, Font | None] = {}
    chunks = []
    slow: Any = None  # pypdf's reading of the file, for a page only pypdf can read
    for n, (_, page) in enumerate(document.pages, 1):
        reader = ContentText(fonts)
        try:
            contents = document.contents(page)
            if contents is not None:
                reader.read(contents, page.get("/Resources"))
        except NotSimple:
            # As _page_chunks: pypdf's full text extraction for this page.
            from pypdf import PdfReader

            slow = slow or PdfReader(io.BytesIO(data), strict=False)
            chunks.append(Chunk(f"PDF page {n}, text", slow.pages[n - 1].extract_text() or ""))
            continue
        chunks += _text_chunks(reader, n)
    pages = {reference.idnum: n for n, (reference, _) in enumerate(document.pages, 1)}
    chunks += _structure_chunks(document.trailer, pages)
    metadata: Any = document.root.xmp_metadata
    if metadata is not None:
        xmp = metadata.stream.get_data()
        chunks += xml_chunks(xmp, "PDF XMP metadata", allow_doctype=False)
    return chunks


def _pypdf_chunks(data: bytes) -> list[Chunk]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Unreadable("PDF is encrypted")
        fonts: dict[int, Font | None] = {}
        chunks = []
        for n, page in enumerate(reader.pages, 1):
            chunks += _page_chunks(page, n, fonts)
        pages = {
            page.indirect_reference.idnum: n
            for n, page in enumerate(reader.pages, 1)
            if page.indirect_reference is not None
        }
        chunks += _structure_chunks(reader.trailer, pages)
        metadata = reader.xmp_metadata
        if metadata is not None:
            xmp = metadata.stream.get_data()
            chunks += xml_chunks(xmp, "PDF XMP metadata", allow_doctype=False)
        for number, (name, contents) in enumerate(reader.attachments.items(), 1):
            chunks.append(Chunk(f"PDF attachment {number}, file name", name))
            for content in contents:
                where = f"PDF attachment {number}"
                chunks += [c._replace(where=f"{where}, {c.where}") for c in extract(name, content)]
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        NotImplementedError,
        RecursionError,
    ) as exc:
        raise Unreadable(f"PDF cannot be read ({type(exc).__name__}: {exc})") from None
    return chunks


def _structure_chunks(trailer: Any, pages: dict[int, int]) -> list[Chunk]:
    # The document info (its keys named), then everything reachable from the catalog.
    info = trailer.get("/Info")
    walker = _PdfWalker(pages)
    if info is not None:
        walker.walk(info, "PDF metadata", key_names=True)
    walker.walk(trailer["/Root"], "PDF document")
    return walker.chunks


def _page_chunks(page: Any, number: int, fonts: dict[int, Font | None]) -> list[Chunk]:
    try:
        reader = ContentText(fonts)
        reader.page(page)
    except NotSimple:
        # Something the fast reader does not handle (a font with no Unicode
        # map, an inline image, a Type 3 font): pypdf's full text extraction.
        return [Chunk(f"PDF page {number}, text", page.extract_text() or "")]
    return _text_chunks(reader, number)


def _text_chunks(reader: ContentText, number: int) -> list[Chunk]:
    where = f"PDF page {number}"
    return [
        Chunk(f"{where}, text", "".join(reader.text)),
        # The same with no spaces guessed from gaps: a value drawn glyph by
        # glyph or in two styles is whole here whatever the spacing heuristic.
        Chunk(f"{where}, text", "".join(reader.tight), False),
        Chunk(f"{where}, marked content", "\n".join(reader.other)),
    ]


class _PdfWalker:
    """Every string and name reachable from a PDF's catalog or document info."""

    def __init__(self, pages: dict[int, int]) -> None:
        self.pages = pages
        self.seen: set[int] = set()
        self.groups: dict[tuple[str, bool], list[str]] = defaultdict(list)

    @property
    def chunks(self) -> list[Chunk]:
        return [
            Chunk(where, "\n".join(texts), patterns)
            for (where, patterns), texts in self.groups.items()
        ]

    def walk(self, top: Any, label: str, *, key_names: bool = False) -> None:
        from pypdf.generic import (
            ArrayObject,
            BooleanObject,
            ByteStringObject,
            DictionaryObject,
            FloatObject,
            IndirectObject,
            NameObject,
            NullObject,
            NumberObject,
            StreamObject,
            TextStringObject,
        )

        # Numbers, booleans and nulls hold no text: never put on the stack.
        inert = {NumberObject, FloatObject, BooleanObject, NullObject}
        groups, seen, pages = self.groups, self.seen, self.pages
        stack: list[tuple[Any, str, str]] = [(top, label, "")]
        while stack:
            obj, where, key = stack.pop()
            if isinstance(obj, IndirectObject):
                if obj.idnum in seen:
                    continue
                seen.add(obj.idnum)
                if obj.idnum in pages:
                    where = f"PDF page {pages[obj.idnum]}"
                obj = obj.get_object()
            if isinstance(obj, NameObject):  # the commonest, in the structure tree
                groups[(_pdf_where(where, key), False)].append(str(obj))
            elif isinstance(obj, TextStringObject):
                patterns = not _PDF_DATE.fullmatch(str(obj))
                groups[(_pdf_where(where, key), patterns)].append(str(obj))
            elif isinstance(obj, ByteStringObject):
                groups[(_pdf_where(where, key), False)].append(bytes(obj).decode("latin-1"))
            elif isinstance(obj, DictionaryObject):
                kind = obj.get("/Type")
                if kind == "/Outlines":
                    where = "PDF bookmarks"
                if (
                    isinstance(obj, StreamObject)
                    and kind not in _SKIP_STREAM_TYPES
                    and "/Subtype" not in obj
                    and "/Length1" not in obj
                    and key != "/Contents"
                ):
                    # Other streams (Unicode maps, colour profiles): declared identifiers only.
                    self.groups[(f"{where}, stream", False)].append(
                        obj.get_data().decode("utf-8", errors="replace")
                    )
                for name, value in obj.items():
                    if type(value) not in inert:
                        child = (
                            _pdf_child(where, name, key_names)
                            if key_names or name in _PDF_PLACES
                            else where
                        )
                        stack.append((value, child, name))
            elif isinstance(obj, ArrayObject):
                stack.extend((v, where, key) for v in reversed(obj) if type(v) not in inert)


# Keys whose values _pdf_child places somewhere other than their parent's place.
_PDF_PLACES = frozenset({"/Annots", "/Outlines", "/Names", "/Dests", "/AcroForm", "/Pages"})


def _pdf_child(where: str, name: str, key_names: bool) -> str:
    if key_names:
        safe = name if re.fullmatch(r"/[A-Za-z0-9]{1,32}", name) else "/(custom key)"
        return f"{where} {safe}"
    if name == "/Annots":
        return f"{where}, annotation"
    if name == "/Outlines":
        return "PDF bookmarks"
    if name in ("/Names", "/Dests"):
        return "PDF name trees" if where == "PDF document" else where
    if name == "/AcroForm":
        return "PDF form fields"
    if name == "/Pages":
        return "PDF page tree"
    return where


def _pdf_where(where: str, key: str) -> str:
    if key == "/URI":
        return f"{where}, link target"
    return where


EXTRACTORS: dict[str, Extractor] = {
    "pptx": pptx_chunks,
    "potx": pptx_chunks,
    "pdf": pdf_chunks,
    "html": html_chunks,
    "htm": html_chunks,
    "svg": svg_chunks,
    "dot": dot_chunks,
    "gv": dot_chunks,
    "png": png_chunks,
}
