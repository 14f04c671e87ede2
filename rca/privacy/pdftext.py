"""Text a PDF page shows, read straight from its content stream: fast, and fail-loud.

The leak guard reads every PDF of every build, and a general extractor takes
tens of milliseconds a page. WeasyPrint writes simple, regular content (BT,
Tf, Tm, TJ with hex glyph codes, ET; diagrams glyph by glyph), which this
reader decodes through each font's ToUnicode map in a few milliseconds, with
spaces and line breaks from where glyphs sit, as a reader sees them. Anything
it does not handle (a font without a Unicode map, inline images, Type 3 fonts,
stray bytes) raises `NotSimple`, and the caller falls back to pypdf.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from functools import reduce
from itertools import islice, repeat
from operator import add, mul
from typing import Any, NamedTuple


class NotSimple(Exception):
    """Content this reader does not handle; use a general extractor."""


_LITTLE_ENDIAN = sys.byteorder == "little"


class Font(NamedTuple):
    """What reading a font's text needs: its Unicode map and glyph advances."""

    table: dict[int, str]  # glyph code -> text
    code_width: int  # bytes a code takes (1 or 2)
    advances: dict[int, float]  # glyph code -> advance, in thousandths of the font size
    default: float

    def decode(self, value: bytes) -> tuple[str, float]:
        """A string's text and advance (thousandths of the font size), a glyph at a time
        in C: one map over the codes, not a Python step per glyph."""
        codes = self._codes(value)
        return self._text(codes), sum(map(self.advances.get, codes, repeat(self.default)))

    def run(self, strings: list[bytes], x: float, unit: float) -> tuple[str, float]:
        """Hexadecimal strings shown one after another from `x`: their text, and where
        the last ends. The same text and position as `decode` a string at a time
        (`x += advance * unit`, in order), in C: one map over all the codes."""
        digits = 2 * self.code_width
        lengths = set(map(len, strings))
        if any(length % digits for length in lengths):
            raise NotSimple  # half a glyph code
        codes = self._codes(bytes.fromhex(b"".join(strings).decode()))
        text = self._text(codes)
        advances: Iterable[float] = map(self.advances.get, codes, repeat(self.default))
        if lengths - {digits}:
            # Not a glyph a string: each string's advance is summed first, as decode does.
            each = iter(advances)
            advances = [sum(islice(each, len(string) // digits)) for string in strings]
        return text, reduce(add, map(mul, advances, repeat(unit)), x)

    def _codes(self, value: bytes) -> Sequence[int]:
        if len(value) % self.code_width:
            raise NotSimple  # half a glyph code
        if self.code_width == 1:
            return value
        wide = array("H", value)
        if _LITTLE_ENDIAN:
            wide.byteswap()
        return wide

    def _text(self, codes: Sequence[int]) -> str:
        try:
            return "".join(map(self.table.__getitem__, codes))
        except KeyError:
            raise NotSimple from None  # a glyph with no Unicode text: the full extractor


_TOKEN = re.compile(
    rb"(?P<hex><[0-9A-Fa-f\s]*>)"
    rb"|(?P<lit>\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))"
    rb"|(?P<open>\[)|(?P<close>\])"
    rb"|(?P<dict><<|>>)"
    rb"|(?P<name>/[^\s/<>\[\]()%{}]*)"
    rb"|(?P<num>[+-]?(?:\d+\.?\d*|\.\d+))"
    rb"|(?P<op>[A-Za-z'\"*]+)"
    rb"|(?P<comment>%[^\r\n]*)"
    rb"|(?P<other>[^\s])",
    re.DOTALL,
)
_NUM = rb"([-+]?(?:\d+\.?\d*|\.\d+))"
# A text matrix's six numbers, named a to f (the operator follows where used).
_MATRIX = rb"\s+".join(
    _NUM.replace(b"(", b"(?P<" + n + b">", 1) for n in (b"a", b"b", b"c", b"d", b"e", b"f")
)
_STATEMENT = re.compile(
    rb"\s*(?:"
    rb"(?P<tm>" + _MATRIX + rb"\s+Tm)"
    rb"|/(?P<font>[A-Za-z0-9_+.-]+)\s+(?P<size>" + _NUM[1:] + rb"\s+Tf"
    # A number inside an array has one reading (were "60" also "6" "0", or
    # "6" + "" + "0", an array that does not match would backtrack exponentially).
    rb"|\[(?P<glyphs>(?:<(?:[0-9A-Fa-f]{2})*>|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?![\d.])|\s)*)\]\s*TJ"
    # Typst's: glyph codes as literal strings (escapes, no unescaped parenthesis).
    rb"|\((?P<string>(?:[^()\\]|\\.)*)\)\s*Tj"
    rb"|\[(?P<strings>(?:\((?:[^()\\]|\\.)*\)|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?![\d.])|\s)*)\]\s*TJ"
    rb"|\d+\s+Tr"
    rb")(?![^\s\[<(/])"
)
_STRINGS = re.compile(rb"\(((?:[^()\\]|\\.)*)\)|([-+]?(?:\d+\.?\d*|\.\d+))", re.DOTALL)
# BT ... ET as whole words; each word's boundary is checked after its first
# letter matched (the same matches as \bBT\b(.*?)\bET\b, found faster).
_TEXT_OBJECT = re.compile(rb"BT(?<!\wBT)(?!\w)(.*?)ET(?<!\wET)(?!\w)", re.DOTALL)
# Stretches between text objects are tokenized only when they could change the
# font, show or hold a string (a literal, or a hex string: `<` not part of `<<`
# or `>>`), draw a form, or start an inline image. Marked content (BDC, DP) is
# text only through such strings: `/Span<</MCID 3>>BDC` alone is not.
# Every branch starts with a literal byte, so the search skips ahead in C (the
# lookbehinds come after the byte: `<` not after `<` or `>`, `T` not after a letter).
_MAYBE_TEXT = re.compile(rb"Tf|T(?<!\wT)[JjLcwz*sr]|Do|BI|\(|\)|<(?<![<>]<)(?![<>])|'|\"")
# The whole of a text object as Typst writes one: a font, a text matrix and one
# string or array shown. Read with one match instead of a statement at a time.
_SIMPLE_OBJECT = re.compile(
    rb"\s*(?:\d+\s+Tr\s*)?/(?P<font>[A-Za-z0-9_+.-]+)\s+(?P<size>"
    + _NUM[1:]
    + rb"\s+Tf\s+"
    + _MATRIX
    + rb"\s+Tm\s*"
    # Possessive: each piece has one reading, so backtracking would change nothing.
    rb"(?:\((?P<string>(?:[^()\\]++|\\.)*+)\)\s*Tj"
    rb"|\[(?P<strings>(?:\((?:[^()\\]++|\\.)*+\)|[-+]?+(?:\d++(?:\.\d*+)?+|\.\d++)(?![\d.])|\s++)*+)"
    rb"\]\s*TJ)\s*",
    re.DOTALL,
)
# The whole of a text object as WeasyPrint writes one: a text matrix, a font
# and one glyph array, a hexadecimal string per glyph. Read with one match.
_GLYPH_OBJECT = re.compile(
    rb"\s*"
    + _MATRIX
    + rb"\s+Tm\s+/(?P<font>[A-Za-z0-9_+.-]+)\s+(?P<size>"
    + _NUM[1:]
    + rb"\s+Tf\s+"
    # _STATEMENT's glyph array, possessive (each piece has one reading: no backtracking).
    rb"\[(?P<glyphs>(?:<(?:[0-9A-Fa-f]{2})*+>|[-+]?+(?:\d++(?:\.\d*+)?+|\.\d++)(?![\d.])|\s++)*+)\]"
    rb"\s*TJ\s*"
)
_HEX_STRING = re.compile(rb"<([0-9A-Fa-f]*)>")
_LITERAL_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


class ContentText:
    """Reads one page: `text` (spaces guessed from gaps), `tight` (no guessed spaces),
    and `other` (strings given to other operators, e.g. marked content)."""

    def __init__(self, fonts: dict[int, Font | None]) -> None:
        self.fonts = fonts
        self.text: list[str] = []
        self.tight: list[str] = []
        self.other: list[str] = []
        self.font: Font | None = None
        self.size = 0.0
        self.scale = 1.0
        self.line = (0.0, 0.0)  # start of the current text line
        self.moved: tuple[float, float] | None = None  # where the next glyph goes
        self.x_end, self.y = 0.0, float("nan")  # end of the last glyph shown, its baseline
        self._named: dict[int, tuple[Any, dict[str, Font]]] = {}  # see _font

    def page(self, page: Any) -> None:
        """A pypdf page's text."""
        contents = page.get_contents()
        if contents is not None:
            self.read(contents.get_data(), page.get("/Resources"))

    def read(self, contents: bytes, resources: Any) -> None:
        """A content stream's text, its fonts and forms looked up in `resources`."""
        self._run(contents, resources, depth=0)

    def _run(self, data: bytes, resources: Any, depth: int) -> None:
        if depth > 8:
            raise NotSimple
        resources = resources.get_object() if resources is not None else {}
        # Most of a page is drawing (numbers and path operators): only text
        # objects, and the stretches between them that could hold text state,
        # strings or form XObjects, are tokenized.
        last = 0
        for match in _TEXT_OBJECT.finditer(data):
            between = data[last : match.start()]
            if _MAYBE_TEXT.search(between):
                self._execute(between, resources, depth)
            body = match.group(1)
            glyphs = _GLYPH_OBJECT.fullmatch(body)
            if glyphs is not None:
                self._glyph_object(glyphs, resources)
                last = match.end()
                continue
            simple = _SIMPLE_OBJECT.fullmatch(body)
            if simple is not None:
                self._simple(simple, resources)
            else:
                self._execute(body, resources, depth)
            last = match.end()
        if _MAYBE_TEXT.search(data, last):
            self._execute(data[last:], resources, depth)

    def _execute(self, data: bytes, resources: Any, depth: int) -> None:
        # WeasyPrint's three commonest statements (a text matrix, a font, a
        # glyph array) are read whole, a statement per match; at the first
        # anything else, the general tokenizer reads the rest.
        pos, end = 0, len(data)
        while pos < end:
            match = _STATEMENT.match(data, pos)
            if match is None:
                if not data[pos:].isspace():
                    self._tokens(data[pos:], resources, depth)
                return
            pos = match.end()
            if match["tm"]:
                self._operator(
                    b"Tm",
                    [float(match[n]) for n in ("a", "b", "c", "d", "e", "f")],
                    resources,
                    depth,
                )
            elif match["font"]:
                self._operator(
                    b"Tf",
                    ["/" + match["font"].decode("latin-1"), float(match["size"])],
                    resources,
                    depth,
                )
            elif match["glyphs"] is not None:
                self._glyphs(match["glyphs"])
            elif match["string"] is not None:
                self._show([_literal(match["string"])])
            elif match["strings"] is not None:
                self._show(
                    [
                        [
                            _literal(text) if not number else float(number)
                            for text, number in _STRINGS.findall(match["strings"])
                        ]
                    ]
                )

    def _glyph_object(self, match: re.Match[bytes], resources: Any) -> None:
        # The statements _execute would read one by one: Tm, Tf, then the glyph array.
        self.scale = abs(float(match["a"])) or 1.0
        self.line = (float(match["e"]), float(match["f"]))
        self.moved = self.line
        self.font = self._font(resources, "/" + match["font"].decode("latin-1"))
        self.size = abs(float(match["size"]))
        self._glyphs(match["glyphs"])

    def _glyphs(self, glyphs: bytes) -> None:
        # A glyph array of hexadecimal strings. Its numbers are read as empty
        # strings, as they always have been here (they move nothing, add no space).
        font = self.font
        if font is None:
            raise NotSimple
        unit = self.size * self.scale / 1000
        self._move()
        text, self.x_end = font.run(_HEX_STRING.findall(glyphs), self.x_end, unit)
        self.text.append(text)
        self.tight.append(text)

    def _simple(self, match: re.Match[bytes], resources: Any) -> None:
        # The statements _execute would read one by one, in their order: Tr (no
        # text), Tf, Tm, then the string or array shown.
        self.font = self._font(resources, "/" + match["font"].decode("latin-1"))
        self.size = abs(float(match["size"]))
        self.scale = abs(float(match["a"])) or 1.0
        self.line = (float(match["e"]), float(match["f"]))
        self.moved = self.line
        if match["string"] is not None:
            self._show_items([_literal(match["string"])])
        else:
            self._show_items(
                [
                    _literal(text) if not number else float(number)
                    for text, number in _STRINGS.findall(match["strings"])
                ]
            )

    def _tokens(self, data: bytes, resources: Any, depth: int) -> None:
        operands: list[Any] = []
        stack: list[list[Any]] = []
        for match in _TOKEN.finditer(data):
            kind, token = match.lastgroup, match.group()
            if kind == "op":
                self._operator(token, operands, resources, depth)
                operands = []
            elif kind == "open":
                stack.append(operands)
                operands = []
            elif kind == "close":
                if not stack:
                    raise NotSimple
                array, operands = operands, stack.pop()
                operands.append(array)
            elif kind == "hex":
                digits = re.sub(rb"\s", b"", token[1:-1])
                operands.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
            elif kind == "lit":
                operands.append(_literal(token[1:-1]))
            elif kind == "name":
                operands.append(token.decode("latin-1"))
            elif kind == "num":
                operands.append(float(token))
            elif kind not in ("dict", "comment"):
                raise NotSimple  # stray bytes: not a content stream this reader knows
        self._strings(operands)

    def _operator(self, op: bytes, operands: list[Any], resources: Any, depth: int) -> None:
        numbers = [v for v in operands if isinstance(v, float)]
        if op in (b"BI", b"ID", b"EI", b"d0", b"d1"):
            raise NotSimple  # inline image data, Type 3 glyphs
        if op == b"Tf" and len(operands) >= 2 and isinstance(operands[-2], str):
            self.font = self._font(resources, operands[-2])
            self.size = abs(numbers[-1]) if numbers else 0.0
        elif op in (b"Tj", b"TJ", b"'", b'"'):
            if op != b"Tj" and op != b"TJ":
                self._newline()
            self._show(operands[-1:])
        elif op == b"Tm" and len(numbers) == 6:
            self.scale = abs(numbers[0]) or 1.0
            self.line = (numbers[4], numbers[5])
            self.moved = self.line
        elif op in (b"Td", b"TD") and len(numbers) == 2:
            self.line = (self.line[0] + numbers[0] * self.scale, self.line[1] + numbers[1])
            self.moved = self.line
        elif op == b"T*":
            self._newline()
        elif op == b"Do" and operands and isinstance(operands[-1], str):
            xobject = resources.get("/XObject", {}).get(operands[-1])
            xobject = xobject.get_object() if xobject is not None else None
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                self._run(xobject.get_data(), xobject.get("/Resources", resources), depth + 1)
        else:
            # Strings given to any other operator (marked content: /ActualText, /Alt).
            self._strings(operands)

    def _strings(self, operands: list[Any]) -> None:
        self.other += [_pdf_string(v) for v in _flatten(operands) if isinstance(v, bytes)]

    def _newline(self) -> None:
        self.y = float("nan")

    def _show(self, operands: list[Any]) -> None:
        font = self.font
        if font is None:
            raise NotSimple
        unit = self.size * self.scale / 1000
        self._move()
        for value in _flatten(operands):
            if isinstance(value, float):
                self.x_end -= value * unit
                if value < -200:
                    self._put(" ", "")  # a gap wider than a fifth of an em reads as a space
            elif isinstance(value, bytes):
                text, advance = font.decode(value)
                self.text.append(text)
                self.tight.append(text)
                self.x_end += advance * unit

    def _show_items(self, items: list[bytes | float]) -> None:
        # _show for one flat array (or a string alone): the same steps, fewer calls.
        font = self.font
        if font is None:
            raise NotSimple
        unit = self.size * self.scale / 1000
        self._move()
        decode, text, tight, x = font.decode, self.text, self.tight, self.x_end
        for value in items:
            if isinstance(value, float):
                x -= value * unit
                if value < -200:
                    text.append(" ")  # a gap wider than a fifth of an em reads as a space
                    tight.append("")
            else:
                shown, advance = decode(value)
                text.append(shown)
                tight.append(shown)
                x += advance * unit
        self.x_end = x

    def _move(self) -> None:
        # Where the text matrix moved to: a line break, or a space, as a reader sees it.
        if self.moved is not None:
            x, y = self.moved
            self.moved = None
            if not abs(y - self.y) <= self.size / 2:  # another line (or the first)
                self._put("\n", "\n")
            elif x - self.x_end > self.size * self.scale * 0.15 or x < self.x_end - self.size:
                self._put(" ", "")
            self.x_end, self.y = x, y

    def _put(self, text: str, tight: str) -> None:
        self.text.append(text)
        self.tight.append(tight)

    def _font(self, resources: Any, name: str) -> Font:
        # A page names a few fonts thousands of times: each name is looked up once
        # (the resources are held with their fonts, so their id is not reused).
        held = self._named.get(id(resources))
        if held is None or held[0] is not resources:
            held = self._named[id(resources)] = (resources, {})
        font = held[1].get(name)
        if font is None:
            font = held[1][name] = self._lookup(resources, name)
        return font

    def _lookup(self, resources: Any, name: str) -> Font:
        ref = resources.get("/Font", {}).get(name)
        if ref is None:
            raise NotSimple
        key = getattr(ref, "idnum", id(ref))
        if key not in self.fonts:
            self.fonts[key] = _read_font(ref.get_object())
        font = self.fonts[key]
        if font is None:
            raise NotSimple
        return font


def _flatten(values: list[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flatten(value)
        else:
            yield value


_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.DOTALL)


def _literal(body: bytes) -> bytes:
    """A literal string's bytes: escapes decoded, a backslash at a line end joins lines."""
    if b"\\" not in body:
        return body
    found = _LITERALS.get(body)
    if found is not None:
        return found
    # Split on escapes (odd places hold what follows each backslash) and decode
    # them all in one map: Typst escapes most glyph codes, so this runs per glyph.
    parts = _ESCAPE.split(body)
    escapes = parts[1::2]
    parts[1::2] = map(_UNESCAPED.get, escapes, escapes)  # unknown: the character itself
    found = b"".join(parts)
    if len(_LITERALS) >= 8192:
        _LITERALS.clear()
    _LITERALS[body] = found
    return found


# Strings decoded so far (a document shows the same words, glyph runs, many times).
_LITERALS: dict[bytes, bytes] = {}


# Every octal escape (1 to 3 digits), the named ones and line continuation, decoded ahead.
_UNESCAPED: dict[bytes, bytes] = {
    **_LITERAL_ESCAPES,
    **{
        f"{n:0{width}o}".encode(): bytes([n & 0xFF]) for width in (1, 2, 3) for n in range(8**width)
    },
    b"\r\n": b"",
    b"\r": b"",
    b"\n": b"",
}


def _pdf_string(value: bytes) -> str:
    if value.startswith(b"\xfe\xff"):
        return value[2:].decode("utf-16-be", errors="replace")
    return value.decode("latin-1")


def _read_font(font: Any) -> Font | None:
    """A font's Unicode map and glyph advances, or None when this reader cannot use it."""
    stream = font.get("/ToUnicode")
    if stream is None or font.get("/Subtype") == "/Type3":
        return None
    text = stream.get_object().get_data().decode("latin-1")
    widths = {
        len(lo) // 2
        for lo in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<[0-9A-Fa-f]+>", "".join(_sections(text, "codespacerange"))
        )
    }
    if len(widths) != 1 or not widths <= {1, 2}:
        return None
    width = widths.pop()
    table: dict[int, str] = {}
    for block in _sections(text, "bfchar"):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            if len(src) == 2 * width:  # a code of another width is never read
                table[int(src, 16)] = _utf16(dst)
    for block in _sections(text, "bfrange"):
        for lo, hi, dst in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block
        ):
            start, end, size = int(lo, 16), int(hi, 16), len(lo) // 2
            if end - start > 65535:
                return None
            if size != width:
                continue  # a code of another width is never read
            if dst.startswith("["):
                targets = re.findall(r"<([0-9A-Fa-f]*)>", dst)
                for offset, target in enumerate(targets[: end - start + 1]):
                    table[start + offset] = _utf16(target)
            else:
                base = bytes.fromhex(dst[1:-1])
                for offset in range(end - start + 1):
                    last = int.from_bytes(base[-2:] or b"\0\0", "big") + offset
                    code = base[:-2] + (last & 0xFFFF).to_bytes(2, "big")
                    table[start + offset] = code.decode("utf-16-be", errors="replace")
    advances, default = _advances(font)
    return Font(table, width, advances, default)


def _advances(font: Any) -> tuple[dict[int, float], float]:
    # Type 0 fonts give widths in their descendant's /W array; simple fonts in /Widths.
    if font.get("/Subtype") == "/Type0":
        descendant = font["/DescendantFonts"][0].get_object()
        advances: dict[int, float] = {}
        items = [v.get_object() for v in descendant.get("/W", [])]
        i = 0
        while i < len(items):
            first = int(items[i])
            if i + 1 < len(items) and isinstance(items[i + 1], list):
                for offset, width in enumerate(items[i + 1]):
                    advances[first + offset] = float(width)
                i += 2
            elif i + 2 < len(items):
                for code in range(first, min(int(items[i + 1]), first + 65535) + 1):
                    advances[code] = float(items[i + 2])
                i += 3
            else:
                break
        return advances, float(descendant.get("/DW", 1000))
    first = int(font.get("/FirstChar", 0))
    return {first + n: float(w) for n, w in enumerate(font.get("/Widths", []))}, 500.0


def _sections(text: str, name: str) -> list[str]:
    return re.findall(rf"begin{name}(.*?)end{name}", text, re.DOTALL)


def _utf16(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode("utf-16-be", errors="replace")
