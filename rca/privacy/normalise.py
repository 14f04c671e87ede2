"""One identifier normaliser: what the redactor and the leak guard both compare.

Declared values and text go through the same folding, so a value matches
however it was written:

- decoded: HTML entities (`&#64;`, `&commat;`), URL escapes (`%40`, twice
  encoded `%2540`), defanged forms (`[.]`, `(dot)`, `[at]`);
- Unicode: NFKC (full-width digits and letters, ligatures), casefold, accents
  and other combining marks dropped, any script's decimal digits as ASCII;
- invisible: format, joining, variation-selector and tag characters, soft
  hyphens, control characters, Hangul fillers, removed;
- separators: spaces, dashes of every kind (en dash, U+2011...), underscores,
  slashes, dots, middle dots, brackets, apostrophes and `+` removed, so
  `441 122 334 4`, `441\u2013122\u20133344`, `user-moss-fern` and `JordanVale` read as
  `4411223344`, `user_moss_fern` and `Jordan Vale` do.

`fold(text)` is the *skeleton*: every step above. `light(text)` decodes and
drops invisible characters but keeps separators and case: undeclared-pattern
detectors (emails, phones, addresses) read it. Both return a `Folded` whose
`span` maps a range of the folded text back to the original text, so a
replacement covers the whole original span (`jane%40example.com`, a value
with a zero-width space inside).

This module imports nothing from rca: the model, the loader, the redactor and
the guard may all use it.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate

# Characters that fold to nothing wherever they are: invisible to a reader.
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0\u2800")
# Separators between digit or letter groups: removed in the skeleton.
SEPARATORS = frozenset(
    " \t\n\r\v\f\u00a0\u1680\u2028\u2029\u202f\u205f\u3000"
    "-_/\\.+()[]{}'\u2018\u2019\u02bc\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65\u2044\u2215"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\u2e3a\u2e3b"
)
_DOTS = frozenset("\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65")
# Letters NFKD does not take apart.
_LETTERS = {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i"}

# Escapes decoded before folding (each is replaced as a whole in the original).
# (Its first character as a class, then which escape it starts: the search skips
# in C to the next &, %, or bracket.)
_ESCAPE = re.compile(
    r"[&%\[({](?:(?<=&)(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?"
    r"|(?<=%)[0-9A-Fa-f]{2}"
    r"|(?<=[\[({])\s*(?:at|dot|\.|@)\s*[\])}])",
    re.IGNORECASE,
)
_DEFANGED = {"at": "@", "@": "@", "dot": ".", ".": "."}
_DECODE_ROUNDS = 3  # `%2540` is `%40` is `@`


def invisible(char: str) -> bool:
    """Whether a character folds to nothing: format, combining, control, filler."""
    if char in _INVISIBLE_EXTRA:
        return True
    category = unicodedata.category(char)
    # Cf: format (zero-width space and joiners, soft hyphen, bidi marks, tags);
    # Mn/Me: combining marks, variation selectors included; Cc: control characters.
    return category in ("Cf", "Mn", "Me", "Co", "Cs") or (category == "Cc" and not char.isspace())


def _light_char(char: str) -> str:
    if invisible(char):
        return ""
    if char.isspace():
        return char if char in " \n" else " "
    if char.isascii():
        return char
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category == "Pd" or char == "\u2212":  # every dash reads as a hyphen
        return "-"
    if char in _DOTS:
        return "."
    return "".join(c for c in unicodedata.normalize("NFKC", char) if not invisible(c))


def _skeleton_char(char: str) -> str:
    out = []
    for piece in _light_char(char).casefold():
        if piece in SEPARATORS:
            continue
        for part in unicodedata.normalize("NFKD", piece):
            if not invisible(part) and part not in SEPARATORS:
                out.append(_LETTERS.get(part, part))
    return "".join(out)


class _Table(dict[int, str]):
    """A str.translate table filled on first use of each character."""

    def __init__(self, fold: object) -> None:
        super().__init__()
        self.fold = fold

    def __missing__(self, key: int) -> str:
        value: str = self.fold(chr(key))  # type: ignore[operator]
        self[key] = value
        return value


_SKELETON = _Table(_skeleton_char)
_LIGHT = _Table(_light_char)
for _code in range(128):  # ASCII up front: the common case stays at C speed
    _SKELETON[_code] = _skeleton_char(chr(_code))
    _LIGHT[_code] = _light_char(chr(_code))


def _bytes_table(table: dict[int, str]) -> tuple[bytes, bytes]:
    """The ASCII part of a table for bytes.translate: (256-byte map, bytes to delete)."""
    mapping, delete = bytearray(range(256)), bytearray()
    for code in range(128):
        out = table[code]
        if not out:
            delete.append(code)
        else:
            assert len(out) == 1 and out.isascii(), (code, out)  # one ASCII character or none
            mapping[code] = ord(out)
    return bytes(mapping), bytes(delete)


# ASCII stretches (most of any text) are folded by bytes.translate, about fifty
# times faster than str.translate through a dict; the rest through the tables.
_ASCII_TABLES = {id(_SKELETON): _bytes_table(_SKELETON), id(_LIGHT): _bytes_table(_LIGHT)}
_NOT_ASCII = re.compile(r"([^\x00-\x7f]+)")


def _translate(text: str, table: _Table) -> str:
    """text.translate(table), the same result, faster."""
    mapping, delete = _ASCII_TABLES[id(table)]
    if text.isascii():
        return text.encode("ascii").translate(mapping, delete).decode("ascii")
    parts = _NOT_ASCII.split(text)  # even places ASCII, odd places the runs between
    for index, part in enumerate(parts):
        if index % 2:
            parts[index] = part.translate(table)
        elif part:
            parts[index] = part.encode("ascii").translate(mapping, delete).decode("ascii")
    return "".join(parts)


class _Round:
    """One round of decoding: where each piece of the decoded text came from."""

    def __init__(self) -> None:
        self.starts: list[int] = []  # where each piece starts in the decoded text
        self.pieces: list[tuple[int, int, bool]] = []  # (start, end) in the input; escape?

    def add(self, decoded_at: int, start: int, end: int, escape: bool) -> None:
        if end > start:
            self.starts.append(decoded_at)
            self.pieces.append((start, end, escape))

    def span(self, index: int) -> tuple[int, int]:
        """The input span decoded character `index` came from."""
        k = bisect_right(self.starts, index) - 1
        start, end, escape = self.pieces[k]
        if escape:
            return start, end
        offset = start + index - self.starts[k]
        return offset, offset + 1


@dataclass
class Folded:
    """Text folded for matching, with the way back to the original's positions."""

    text: str
    original: str
    _decoded: str
    _rounds: list[_Round]
    _table: dict[int, str]
    _starts: list[int] | None = field(default=None, repr=False)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that folded[start:end] came from (whole characters, whole escapes)."""
        if self.text == self._decoded:  # folding changed nothing
            first, last = start, end - 1
        else:
            starts = self._char_starts()
            # Folded position -> decoded character (the last whose output starts at or before it).
            first = bisect_right(starts, start) - 1
            last = bisect_right(starts, end - 1) - 1
        begin, finish = first, last + 1
        for round_ in reversed(self._rounds):
            begin, finish = round_.span(begin)[0], round_.span(finish - 1)[1]
        return begin, finish

    def _char_starts(self) -> list[int]:
        # starts[i] = where the decoded character i's output begins in the folded text
        # (characters folding to nothing share the next one's start; bisect takes the last).
        if self._starts is None:
            lengths = map(len, map(self._table.__getitem__, map(ord, self._decoded)))
            self._starts = list(accumulate(lengths, initial=0))[:-1]
        return self._starts


def _decode_escape(raw: str) -> str:
    if raw[0] == "&":
        return html.unescape(raw)
    if raw[0] == "%":
        code = int(raw[1:], 16)
        return chr(code) if code < 0x80 else raw  # multi-byte sequences: see _utf8_escape
    inner = raw[1:-1].strip().lower()
    return _DEFANGED.get(inner, raw)


def _utf8_escape(raw: str) -> str:
    # `%C3%A9` is é: a run of high escapes decodes as UTF-8, as a whole.
    try:
        return bytes.fromhex(raw.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return raw


_UTF8_ESCAPES = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")


def _decode_round(
    text: str, pattern: re.Pattern[str], decode_one: Callable[[str], str]
) -> tuple[str, _Round] | None:
    """One round of decoding, with where each piece came from; None if nothing changed."""
    pieces: list[str] = []
    round_ = _Round()
    last = at = 0
    for match in pattern.finditer(text):
        raw = match.group()
        decoded = decode_one(raw)
        if decoded == raw:
            continue
        round_.add(at, last, match.start(), False)
        pieces.append(text[last : match.start()])
        at += match.start() - last
        round_.add(at, match.start(), match.end(), True)
        pieces.append(decoded)
        at += len(decoded)
        last = match.end()
    if not pieces:
        return None
    round_.add(at, last, len(text), False)
    pieces.append(text[last:])
    return "".join(pieces), round_


def decode(text: str) -> tuple[str, list[_Round]]:
    """Text with entities, URL escapes and defanging decoded, and how to map positions back."""
    rounds: list[_Round] = []
    for _ in range(_DECODE_ROUNDS):
        if "&" not in text and "%" not in text and "[" not in text and "(" not in text:
            break
        step = _decode_round(text, _ESCAPE, _decode_escape)
        if step is None and "%" in text:
            step = _decode_round(text, _UTF8_ESCAPES, _utf8_escape)
        if step is None:
            break
        text, round_ = step
        rounds.append(round_)
    return text, rounds


def fold(text: str) -> Folded:
    """The skeleton of text: decoded, Unicode-folded, casefolded, no invisible characters or separators."""
    decoded, rounds = _decoded(text)
    return Folded(_translate(decoded, _SKELETON), text, decoded, rounds, _SKELETON)


def light(text: str) -> Folded:
    """Text decoded and Unicode-folded, invisible characters removed; case and separators kept."""
    decoded, rounds = _decoded(text)
    return Folded(_translate(decoded, _LIGHT), text, decoded, rounds, _LIGHT)


@functools.lru_cache(maxsize=4)
def _decoded(text: str) -> tuple[str, list[_Round]]:
    # The guard folds each text twice (declared values, then patterns): decode once.
    # (Neither the text nor the rounds are changed after this.)
    return decode(text)


def skeleton(text: str) -> str:
    """fold(text).text: the form declared values are compared in."""
    return fold(text).text


def spaced(text: str) -> str:
    """The skeleton with each run of separators kept as one space (for short values' checks)."""
    decoded, _ = decode(text)
    out: list[str] = []
    for char in decoded.translate(_LIGHT).casefold():
        if char in SEPARATORS:
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(_SKELETON[ord(char)])
    return "".join(out).strip()
