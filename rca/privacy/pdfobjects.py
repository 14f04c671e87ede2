"""A PDF's objects, read fast from the files rca itself writes, or not at all.

pypdf parses a file a byte at a time in Python; a brief's structure tree alone
is a few thousand objects. The PDFs rca writes (WeasyPrint through pydyf,
Typst) are regular: one cross-reference section (a classic table or a stream),
object streams, Flate. `FastPdf` reads exactly those with one tokenizing regex
and zlib, and builds pypdf's own object types, so the leak guard walks them
with the same code as pypdf's.

It is a trust component, so it reads a file only where its reading is known to
be pypdf's: anything it does not fully understand (encryption, an incremental
update, a broken or repaired cross-reference, an unknown filter or a
/DecodeParms, a comment, odd whitespace, an escape pypdf reads its own way, a
duplicate key, a reference to an object that is not there) raises `Unfamiliar`,
and the caller reads the file with pypdf instead. Never does it skip anything.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    StreamObject,
    create_string_object,
)


class Unfamiliar(Exception):
    """A file, or a part of one, that FastPdf does not read exactly as pypdf does."""


MAX_DEPTH = 64  # nested arrays and dictionaries a fast read follows
MAX_STREAM = 64 << 20  # bytes a stream may decode to here (pypdf decides beyond)
MAX_DECODED = 256 << 20  # bytes all of a document's streams may decode to here

# pypdf ends a name or a keyword at whitespace or a delimiter (NameObject.delimiter_pattern).
_ENDS = rb"(?![^\s()<>\[\]{}/%])"
# One token with the whitespace before it; each alternative's outer group is the
# match's lastindex. Only space, tab, CR and LF count as whitespace here: a NUL
# or form feed, which pypdf also skips, is left to pypdf.
_TOKEN = re.compile(
    rb"[ \t\r\n]*(?:"
    rb"(\d{1,10}[ \t\r\n]+\d{1,5}[ \t\r\n]+R)(?=[^A-Za-z])"  # 1 reference
    # 2 a name without # escapes or bytes outside printable ASCII
    rb"|(/[^\x00-\x20\x7f-\xff()<>\[\]{}/%#]{0,255})" + _ENDS + rb"|(<<)|(>>)|(\[)|(\])"  # 3-6
    # 7 a literal string's body: escapes and one level of balanced parentheses
    rb"|\(((?:[^()\\]|\\[\s\S]|\((?:[^()\\]|\\[\s\S])*\))*)\)"
    rb"|<([0-9A-Fa-f \t\r\n]*)>"  # 8 a hexadecimal string's digits
    # 9 a number; pypdf's number runs on through + , - . and digits
    rb"|([+-]?(?:\d+\.?\d*|\.\d+))(?![+,\-.0-9])"
    rb"|(true|false|null)"
    + _ENDS  # 10
    + rb"|(\()"  # 11 a literal string nested deeper: its end is found by counting
    rb")"
)
_PARENTHESIS = re.compile(rb"\\[\s\S]|[()]")
_HEADER = re.compile(rb"(\d{1,10})[ \t\r\n]+(\d{1,5})[ \t\r\n]+obj")
_STREAM = re.compile(rb"[ \t\r\n]*stream *(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"[ \t\r\n]*endstream")
_ENDOBJ = re.compile(rb"[ \t\r\n]*endobj")
_MAYBE_STREAM = re.compile(rb"[\x00\t\n\f\r ]*stream")
_TAIL = re.compile(rb"startxref[ \t]*\r?\n(\d{1,10})[ \t]*\r?\n%%EOF[ \t\r\n]*\Z")
_XREF_TABLE = re.compile(rb"xref[ \t]*\r?\n0 (\d{1,10})[ \t]*\r?\n")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)")
_TRAILER = re.compile(rb"trailer[ \t\r\n]*")
_PAIRS = re.compile(rb"[ \t\r\n]*(\d{1,10})[ \t\r\n]+(\d{1,10})(?![+,\-.0-9])")
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")

# Escapes as pypdf's read_string_from_stream reads them: its named ones, octal
# up to 255, a backslash before a line end joins lines; any other escape keeps
# its backslash.
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[\r\n][\r\n]?|[\s\S])")
_ESCAPES = {
    **{c: c for c in (b"(", b")", b"/", b"\\", b" ", b"%", b"<", b">", b"[", b"]")},
    **{c: c for c in (b"#", b"_", b"&", b"$")},
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"b": b"\b",
    b"f": b"\f",
}


def _unescape(match: re.Match[bytes]) -> bytes:
    escape = match[1]
    named = _ESCAPES.get(escape)
    if named is not None:
        return named
    if escape[0] in b"01234567":
        value = int(escape, 8)
        return bytes((value,)) if value <= 255 else b"\\" + escape
    if escape[0] in b"\r\n":
        return b""
    return b"\\" + escape


class _Stream(StreamObject):
    """A stream whose data is decoded when first asked for (most never are)."""

    def __init__(self, raw: bytes, budget: list[int]) -> None:
        StreamObject.__init__(self)
        self._raw = raw
        self._budget = budget  # bytes the document's streams may still decode to
        self._decoded: bytes | None = None

    def get_data(self) -> bytes:
        if self._decoded is None:
            decoded = _decode(self, self._raw)
            self._budget[0] -= len(decoded)
            if self._budget[0] < 0:
                raise Unfamiliar  # a decompression bomb, in many streams: pypdf's limits
            self._decoded = decoded
        return self._decoded


def _decode(stream: DictionaryObject, raw: bytes) -> bytes:
    # pypdf's decode_stream_data for no filter or one FlateDecode without parameters.
    if "/DecodeParms" in stream or "/DP" in stream:
        raise Unfamiliar
    filters = stream.get("/Filter")
    if filters is None:
        return raw
    if isinstance(filters, ArrayObject) and len(filters) == 1:
        filters = filters[0]
    if filters != "/FlateDecode" or not isinstance(filters, NameObject):
        raise Unfamiliar
    if not raw:
        return raw
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, MAX_STREAM)
    except zlib.error:
        raise Unfamiliar from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise Unfamiliar  # too large, or truncated: pypdf has its own ways
    return data


class FastPdf:
    """A PDF's cross-reference, trailer and objects, as pypdf objects; `Unfamiliar` if odd."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(b"%PDF-"):
            raise Unfamiliar
        self.data = data
        self._objects: dict[int, Any] = {}
        self._offsets: dict[int, tuple[int, int]] = {}  # object -> (offset, generation)
        self._in_streams: dict[int, int] = {}  # object -> its object stream
        self._streams: dict[int, dict[int, int]] = {}  # object stream -> {object: offset}
        self._names: dict[bytes, NameObject] = {}
        self._references: dict[bytes, IndirectObject] = {}
        self._numbers: dict[bytes, NumberObject | FloatObject] = {}
        self._strings: dict[bytes, Any] = {}
        self._budget = [MAX_DECODED]
        tail = _TAIL.search(data, max(0, len(data) - 64))
        if tail is None:
            raise Unfamiliar
        start = int(tail[1])
        table = _XREF_TABLE.match(data, start)
        if table is not None:
            self.trailer = self._read_table(table)
        else:
            self.trailer = self._read_xref_stream(start)
        if "/Prev" in self.trailer or "/XRefStm" in self.trailer or "/Encrypt" in self.trailer:
            raise Unfamiliar  # an incremental update, a hybrid file, encryption
        for number, (offset, generation) in self._offsets.items():
            header = _HEADER.match(data, offset)
            if header is None or (int(header[1]), int(header[2])) != (number, generation):
                raise Unfamiliar  # pypdf would repair this cross-reference its own way
        self.root = self._catalog()
        self.pages = self._page_list()

    # ------------------------------------------------------------- cross-reference

    def _read_table(self, table: re.Match[bytes]) -> DictionaryObject:
        count, pos = int(table[1]), table.end()
        if count > len(self.data) // 20:
            raise Unfamiliar
        for number in range(count):
            entry = _XREF_ENTRY.match(self.data, pos)
            if entry is None:
                raise Unfamiliar
            pos = entry.end()
            if entry[3] == b"n":
                self._offsets[number] = (int(entry[1]), int(entry[2]))
        trailer = _TRAILER.match(self.data, pos)
        if trailer is None:
            raise Unfamiliar  # another subsection, a comment: pypdf's reading
        found, _ = self._parse(self.data, trailer.end())
        if not isinstance(found, DictionaryObject):
            raise Unfamiliar
        return found

    def _read_xref_stream(self, start: int) -> DictionaryObject:
        header = _HEADER.match(self.data, start)
        if header is None or header[2] != b"0":
            raise Unfamiliar
        xref = self._read_at(int(header[1]), start, 0)
        if not isinstance(xref, _Stream) or xref.get("/Type") != "/XRef":
            raise Unfamiliar
        size = xref.get("/Size")
        widths = xref.get("/W")
        index = xref.get("/Index", ArrayObject([NumberObject(0), size]))
        if (
            not _is_int(size)
            or not isinstance(widths, ArrayObject)
            or len(widths) != 3
            or not all(_is_int(w) and 0 <= w <= 8 for w in widths)
            or not isinstance(index, ArrayObject)
            or len(index) != 2
            or index[0] != 0
            or not _is_int(index[1])
        ):
            raise Unfamiliar
        table = xref.get_data()
        width = sum(widths)
        count = int(index[1])
        if width == 0 or len(table) != count * width:
            raise Unfamiliar
        first, second, third = (int(w) for w in widths)
        for number in range(count):
            at = number * width
            kind = int.from_bytes(table[at : at + first], "big") if first else 1
            field = int.from_bytes(table[at + first : at + first + second], "big")
            extra = table[at + first + second : at + width]
            if kind == 1:
                self._offsets[number] = (field, int.from_bytes(extra, "big") if third else 0)
            elif kind == 2:
                self._in_streams[number] = field
            elif kind != 0:
                raise Unfamiliar
        self._objects[int(header[1])] = xref  # as pypdf caches it
        # The trailer keys an xref stream carries (pypdf's _process_xref_stream).
        trailer = DictionaryObject()
        for key in ("/Root", "/Encrypt", "/Info", "/ID", "/Size", "/Prev", "/XRefStm"):
            if key in xref:
                dict.__setitem__(trailer, self._name(key.encode()), dict.__getitem__(xref, key))
        return trailer

    # ------------------------------------------------------------- objects

    def get_object(self, reference: IndirectObject | int) -> Any:
        """The object a reference points to (pypdf's PdfReader.get_object)."""
        if isinstance(reference, int):
            number, generation = reference, 0
        else:
            number, generation = reference.idnum, reference.generation
        found = self._objects.get(number)
        if found is not None:
            return found
        if number in self._in_streams:
            if generation != 0:
                raise Unfamiliar
            found = self._read_in_stream(number, self._in_streams[number])
        elif number in self._offsets:
            offset, expected = self._offsets[number]
            if generation != expected:
                raise Unfamiliar
            found = self._read_at(number, offset, generation)
        else:
            raise Unfamiliar  # a free or missing object: pypdf searches the file for it
        self._objects[number] = found
        return found

    def _read_at(self, number: int, offset: int, generation: int) -> Any:
        data = self.data
        header = _HEADER.match(data, offset)
        if header is None or (int(header[1]), int(header[2])) != (number, generation):
            raise Unfamiliar
        found, pos = self._parse(data, header.end())
        stream = _STREAM.match(data, pos) if isinstance(found, DictionaryObject) else None
        if stream is not None:
            length = found.get("/Length")
            if isinstance(length, IndirectObject):
                length = self.get_object(length)
            if not _is_int(length) or length < 0 or stream.end() + length > len(data):
                raise Unfamiliar
            start = stream.end()
            end = _ENDSTREAM.match(data, start + length)
            if end is None:
                raise Unfamiliar  # a wrong /Length: pypdf looks for endstream itself
            body = _Stream(data[start : start + length], self._budget)
            dict.update(body, found)
            return body
        if _ENDOBJ.match(data, pos) is None:
            raise Unfamiliar
        return found

    def _read_in_stream(self, number: int, holder: int) -> Any:
        offsets = self._streams.get(holder)
        if offsets is None:
            offsets = self._streams[holder] = self._stream_index(holder)
        stream = self.get_object(holder)
        offset = offsets.get(number)
        if offset is None:
            raise Unfamiliar
        data = stream.get_data()
        found, pos = self._parse(data, offset)
        if isinstance(found, DictionaryObject) and _MAYBE_STREAM.match(data, pos) is not None:
            raise Unfamiliar  # pypdf would read a stream here
        return found

    def _stream_index(self, holder: int) -> dict[int, int]:
        # The (object, offset) pairs heading an object stream, as pypdf's
        # _get_object_from_stream reads them; anything it would warn about or skip is odd.
        stream = self.get_object(holder)
        if not isinstance(stream, _Stream) or stream.get("/Type") != "/ObjStm":
            raise Unfamiliar
        data = stream.get_data()
        count: Any = stream.get("/N")
        first: Any = stream.get("/First")
        if not _is_int(count) or not _is_int(first):
            raise Unfamiliar
        if not 0 <= first <= len(data):
            raise Unfamiliar
        offsets: dict[int, int] = {}
        pos, last = 0, -1
        for _ in range(count):
            pair = _PAIRS.match(data, pos)
            if pair is None:
                raise Unfamiliar
            pos = pair.end()
            number, offset = int(pair[1]), int(pair[2])
            if offset <= last or first + offset > len(data) or number in offsets:
                raise Unfamiliar
            last = offset
            offsets[number] = first + offset
        if data[pos:first].strip(b" \t\r\n"):
            raise Unfamiliar
        # Only objects the cross-reference places in this stream are read from it.
        return {n: o for n, o in offsets.items() if self._in_streams.get(n) == holder}

    def _parse(self, data: bytes, pos: int) -> tuple[Any, int]:
        """One object at `pos` (with the whitespace before it), and where it ends."""
        match = _TOKEN.match
        names, references = self._names, self._references
        stack: list[tuple[int, list[Any] | None]] = []
        items: list[Any] | None = None
        value: Any
        while True:
            token = match(data, pos)
            if token is None:
                raise Unfamiliar
            pos = token.end()
            kind = token.lastindex
            # The commonest first: names, references, then nesting.
            if kind == 2:
                raw = token[2]
                value = names.get(raw) or self._name(raw)
            elif kind == 1:
                raw = token[1]
                value = references.get(raw) or self._reference(raw)
            elif kind == 3 or kind == 5:  # << or [
                if len(stack) >= MAX_DEPTH:
                    raise Unfamiliar
                stack.append((kind, items))
                items = []
                continue
            elif kind == 4 or kind == 6:  # >> or ]
                if not stack or stack[-1][0] != kind - 1 or items is None:
                    raise Unfamiliar
                value = _dictionary(items) if kind == 4 else ArrayObject(items)
                items = stack.pop()[1]
            elif kind == 9:
                raw = token[9]
                value = self._numbers.get(raw) or self._number(raw)
            elif kind == 7:
                value = self._string(token[7])
            elif kind == 8:
                value = self._hex(token[8])
            elif kind == 11:
                end = _literal_end(data, pos)
                value = self._string(data[pos:end])
                pos = end + 1
            else:
                word = token[10]
                value = NullObject() if word == b"null" else BooleanObject(word == b"true")
            if items is None:
                return value, pos
            items.append(value)

    def _name(self, raw: bytes) -> NameObject:
        name = self._names[raw] = NameObject(raw.decode("ascii"))
        return name

    def _reference(self, raw: bytes) -> IndirectObject:
        if len(raw) > 19:
            raise Unfamiliar  # beyond the 20 bytes pypdf looks ahead for "R"
        number, generation, _ = raw.split()
        reference = self._references[raw] = IndirectObject(int(number), int(generation), self)
        return reference

    def _number(self, raw: bytes) -> NumberObject | FloatObject:
        number = self._numbers[raw] = FloatObject(raw) if b"." in raw else NumberObject(raw)
        return number

    def _string(self, body: bytes) -> Any:
        found = self._strings.get(body)
        if found is None:
            value = _ESCAPE.sub(_unescape, body) if b"\\" in body else body
            found = self._strings[body] = create_string_object(value)
        return found

    def _hex(self, digits: bytes) -> Any:
        digits = digits.translate(None, b" \t\r\n")
        if len(digits) % 2:
            digits += b"0"
        return create_string_object(bytes.fromhex(digits.decode("ascii")))

    # ------------------------------------------------------------- document

    def _catalog(self) -> DictionaryObject:
        root = self.trailer.get("/Root")
        if not isinstance(root, IndirectObject):
            raise Unfamiliar
        catalog = self.get_object(root)
        if not isinstance(catalog, DictionaryObject) or catalog.get("/Type") != "/Catalog":
            raise Unfamiliar
        return catalog

    def _page_list(self) -> list[tuple[IndirectObject, DictionaryObject]]:
        """The pages in order, as pypdf flattens the page tree; Unfamiliar if any page
        inherits an attribute (pypdf copies those into its page objects)."""
        top = self.root.get("/Pages")
        if not isinstance(top, IndirectObject):
            raise Unfamiliar
        pages: list[tuple[IndirectObject, DictionaryObject]] = []
        seen: set[int] = set()
        stack = [iter([top])]
        while stack:
            kid = next(stack[-1], None)
            if kid is None:
                stack.pop()
                continue
            if not isinstance(kid, IndirectObject) or kid.idnum in seen or len(stack) > 32:
                raise Unfamiliar
            seen.add(kid.idnum)
            node = self.get_object(kid)
            if not isinstance(node, DictionaryObject) or not node:
                raise Unfamiliar
            kind = node.get("/Type")
            if kind == "/Pages":
                kids = node.get("/Kids")
                if any(a in node for a in _INHERITED) or not isinstance(kids, ArrayObject):
                    raise Unfamiliar
                stack.append(iter(kids))
            elif kind == "/Page" and "/Kids" not in node:
                pages.append((kid, node))
            else:
                raise Unfamiliar
        return pages

    def contents(self, page: DictionaryObject) -> bytes | None:
        """A page's content stream (pypdf's page.get_contents().get_data())."""
        if "/Contents" not in page:
            return None
        contents = page["/Contents"]
        if not isinstance(contents, StreamObject):
            raise Unfamiliar  # an array of streams, a null: pypdf's reading
        return contents.get_data()

    def has_attachments(self) -> bool:
        """Whether the catalog names embedded files (read with pypdf)."""
        names = self.root.get("/Names")
        if isinstance(names, IndirectObject):
            names = self.get_object(names)
        return isinstance(names, DictionaryObject) and "/EmbeddedFiles" in names


def _dictionary(items: list[Any]) -> DictionaryObject:
    keys = items[0::2]
    if len(items) % 2 or (keys and set(map(type, keys)) != _NAME_TYPE):
        raise Unfamiliar  # a key that is not a name: pypdf skips it, with a warning
    found = DictionaryObject()
    dict.update(found, zip(keys, items[1::2], strict=True))
    if len(found) != len(keys):
        raise Unfamiliar  # a key given twice: pypdf keeps the first, with a warning
    return found


_NAME_TYPE = {NameObject}


def _literal_end(data: bytes, pos: int) -> int:
    # Where a literal string that opened before `pos` closes, parentheses
    # counted as pypdf counts them (an escaped one does not count).
    depth = 1
    for found in _PARENTHESIS.finditer(data, pos):
        mark = found[0]
        if mark == b"(":
            depth += 1
        elif mark == b")":
            depth -= 1
            if depth == 0:
                return found.start()
    raise Unfamiliar


def _is_int(value: Any) -> bool:
    return type(value) is NumberObject
