"""The canary matrix generator: fresh identifiers in every variant, planted everywhere.

Each variant gets an identifier value of its own (no bundled case and no other
test uses any of them), so a value found in an output names the one variant
that let it through. The generator declares the values in a copy of a bundled
case, writes each variant into several free-text fields (every field gets
some), into a cause id, an action id, an evidence id and the record's file
name, and adds undeclared ones that detection must find, plus a positive
control: a made-up word nothing can detect, which the read-back must find.

Read-back (`read_back`) uses tools independent of rca's own extractors:
poppler's `pdftotext` and `pdfinfo`, the PPTX's raw XML through zipfile, and
`html.parser` for HTML; SVG and DOT are read as text.
"""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
import unicodedata
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from privacy_helpers import Path_, TextField, fits, read_record, seed

ROOT = Path(__file__).parent.parent.parent
BASE_CASE = ROOT / "case_reviews" / "ESC-0163.yaml"
CONTROL = "Zorblaxquend"  # undeclared and undetectable: the scan must find it

# Invented words for names and agencies: a syllable table makes as many as needed.
_SYLLABLES = [
    "vex",
    "brin",
    "quor",
    "tal",
    "mede",
    "syl",
    "dra",
    "nok",
    "fen",
    "ulb",
    "rhos",
    "kav",
]


def invented(n: int, length: int = 3) -> str:
    """A made-up word, distinct for every n (Vexbrinquor, ...)."""
    parts = []
    for _ in range(length):
        parts.append(_SYLLABLES[n % len(_SYLLABLES)])
        n //= len(_SYLLABLES)
    return "".join(parts).capitalize()


@dataclass(frozen=True)
class Variant:
    """One way an identifier can be written, with its own value."""

    klass: str  # the variant class, e.g. "separators: en dash"
    kind: str | None  # the declared kind, or None for an undeclared identifier
    value: str  # the declared value (or the undeclared one as found)
    written: str  # how the text writes it (context included)
    markers: tuple[str, ...]  # folded strings whose presence in an output means a leak
    text_only: bool = False  # holds a line break: only multi-line text fields take it


def fold(text: str) -> str:
    """The test's own folding: compatibility forms, no accents, letters and digits only."""
    text = unicodedata.normalize("NFKD", html.unescape(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.casefold() if c.isalnum())


def _zw(value: str, char: str) -> str:
    middle = len(value) // 2
    return value[:middle] + char + value[middle:]


def _full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def _groups(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    out, at = [], 0
    for size in sizes:
        out.append(digits[at : at + size])
        at += size
    if at < len(digits):
        out.append(digits[at:])
    return sep.join(p for p in out if p)


def variants() -> list[Variant]:
    """Every variant class of issue 11 (and a few more), each with a fresh value."""
    out: list[Variant] = []
    n = iter(range(10_000))

    def account(klass: str, written: Any) -> None:
        value = str(5810447300 + next(n))
        shown = written(value)
        out.append(Variant(klass, "account_id", value, shown, (value,), "\n" in shown))

    account("exact", lambda v: v)
    account("inside a file name", lambda v: f"export_{v}.csv")
    account("letters around it", lambda v: f"ID{v}")
    account("in a path", lambda v: f"/srv/exports/{v}/log.txt")
    account("in a URL", lambda v: f"https://portal.example/case?acct={v}&x=1")
    account("spaces between digit groups", lambda v: _groups(v, (3, 3, 3), " "))
    account("en dash", lambda v: _groups(v, (3, 3), "\u2013"))
    account("non-breaking hyphen U+2011", lambda v: _groups(v, (4, 3), "\u2011"))
    account("slashes", lambda v: _groups(v, (3, 3), "/"))
    account("middle dots", lambda v: _groups(v, (3, 3), "\u00b7"))
    account("dots", lambda v: _groups(v, (3, 3, 2), "."))
    account("full-width digits", _full_width)
    account("zero-width space", lambda v: _zw(v, "\u200b"))
    account("combining grapheme joiner", lambda v: _zw(v, "\u034f"))
    account("variation selector", lambda v: _zw(v, "\ufe0f"))
    account("soft hyphen", lambda v: _zw(v, "\u00ad"))
    account("word joiner", lambda v: _zw(v, "\u2060"))
    account("tag characters", lambda v: _zw(v, "\U000e0041\U000e0042"))
    account("line break inside", lambda v: _zw(v, "-\n"))
    account("URL-encoded digits", lambda v: "".join(f"%{ord(c):02X}" for c in v))
    account("HTML entities", lambda v: "".join(f"&#{ord(c)};" for c in v))

    def username(klass: str, written: Any) -> None:
        value = f"{invented(next(n)).lower()}_{invented(next(n), 2).lower()}_9"
        shown = written(value)
        out.append(Variant(klass, "username", value, shown, (fold(value),)))

    username("handle exact", lambda v: f"@{v}")
    username("hyphens for underscores", lambda v: v.replace("_", "-"))
    username("inside a profile URL", lambda v: f"https://social.example/u/{v}/posts")
    username("upper case", str.upper)
    username("in a file name", lambda v: f"dump-{v}.json")
    username("dots for underscores", lambda v: v.replace("_", "."))

    def email(klass: str, written: Any) -> None:
        local = f"{invented(next(n)).lower()}.{invented(next(n), 2).lower()}"
        value = f"{local}@mail.example"
        out.append(Variant(klass, "email", value, written(value), (fold(local),)))

    email("email exact", lambda v: v)
    email("email upper case", str.upper)
    email("zero-width space before @", lambda v: v.replace("@", "\u200b@"))
    email("%40 for @", lambda v: v.replace("@", "%40"))
    email("twice URL-encoded @", lambda v: v.replace("@", "%2540"))
    email("&#64; for @", lambda v: v.replace("@", "&#64;"))
    email("defanged [at] and [.]", lambda v: v.replace("@", "[at]").replace(".", "[.]"))
    email("mailto link", lambda v: f"mailto:{v}?subject=x")
    email("full-width letters", _full_width)

    def phone(klass: str, written: Any) -> None:
        last = 100 + next(n) % 99
        value = f"+1-406-555-0{last:03d}"
        digits = f"406555{'0'}{last:03d}"
        out.append(Variant(klass, "phone", value, written(value, digits), (digits,)))

    phone("phone exact", lambda v, d: v)
    phone("national format", lambda v, d: f"({d[:3]}) {d[3:6]}-{d[6:]}")
    phone("dotted", lambda v, d: f"{d[:3]}.{d[3:6]}.{d[6:]}")
    phone("digits only", lambda v, d: d)
    phone("spaces, with country code", lambda v, d: f"+1 {d[:3]} {d[3:6]} {d[6:]}")
    phone("en dashes", lambda v, d: f"{d[:3]}\u2013{d[3:6]}\u2013{d[6:]}")
    phone("tel: link", lambda v, d: f"tel:+1{d}")

    def ipv4(klass: str, written: Any) -> None:
        value = f"198.51.100.{100 + next(n) % 150}"
        out.append(Variant(klass, "ip_address", value, written(value), (fold(value),)))

    ipv4("IPv4 exact", lambda v: v)
    ipv4("IPv4 zero-padded", lambda v: ".".join(f"{int(o):03d}" for o in v.split(".")))
    ipv4("IPv4 defanged", lambda v: v.replace(".", "[.]"))
    ipv4("IPv4-mapped IPv6", lambda v: f"::ffff:{v}")
    ipv4("IPv4 in a URL", lambda v: f"http://{v}:8080/admin")

    def ipv6(klass: str, written: Any) -> None:
        value = f"2001:db8:{0x4E2 + next(n):x}::3b"
        expanded = ":".join(f"{int(g or '0', 16):04x}" for g in _expand(value))
        markers = (fold(expanded), fold(value))
        out.append(Variant(klass, "ip_address", value, written(value, expanded), markers))

    ipv6("IPv6 exact", lambda v, e: v)
    ipv6("IPv6 expanded", lambda v, e: e)
    ipv6("IPv6 upper case", lambda v, e: v.upper())
    ipv6("IPv6 in brackets", lambda v, e: f"http://[{v}]/")

    def person(klass: str, kind: str, title: str, written: Any) -> None:
        given, surname = invented(next(n), 2), invented(next(n))
        value = f"{title}{given} {surname}"
        shown = written(given, surname)
        out.append(Variant(klass, kind, value, shown, (fold(surname),), "\n" in shown))

    person("name exact", "person_name", "", lambda g, s: f"{g} {s}")
    person("surname first", "person_name", "", lambda g, s: f"{s} {g}")
    person("surname, given", "person_name", "", lambda g, s: f"{s}, {g}")
    person("initial and surname", "person_name", "", lambda g, s: f"{g[0]}. {s}")
    person("possessive", "person_name", "", lambda g, s: f"{g} {s}'s")
    person("hyphen-joined", "person_name", "", lambda g, s: f"{g}-{s}")
    person("run together", "person_name", "", lambda g, s: f"{g}{s}")
    person("name in lower case", "person_name", "", lambda g, s: f"{g} {s}".lower())
    person("name split by a line", "person_name", "", lambda g, s: f"{g}\n{s}")
    person("officer with title", "officer_name", "Sgt. ", lambda g, s: f"Sgt. {g} {s}")
    person("officer without title", "officer_name", "Sgt. ", lambda g, s: f"{g} {s}")
    person("officer title and surname", "officer_name", "Sgt. ", lambda g, s: f"Sergeant {s}")
    person("officer surname first", "officer_name", "Det. ", lambda g, s: f"{s}, {g}")
    person("officer initials", "officer_name", "Det. ", lambda g, s: f"{g[0]} {s}")
    person("officer possessive", "officer_name", "Det. ", lambda g, s: f"Det. {s}\u2019s")

    def agency(klass: str, written: Any) -> None:
        place = invented(next(n))
        value = f"Fiscalía de {place[:-1]}á"
        shown = written(value)
        out.append(Variant(klass, "agency_name", value, shown, (fold(place[:-1] + "a"),)))

    agency("accented agency exact", lambda v: v)
    agency(
        "accents dropped",
        lambda v: unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode(),
    )
    agency("agency upper case", str.upper)
    agency("decomposed accents", lambda v: unicodedata.normalize("NFD", v))

    def case_number(klass: str, written: Any) -> None:
        value = f"QCN-2026-{770100 + next(n)}"
        out.append(Variant(klass, "agency_case_number", value, written(value), (fold(value[4:]),)))

    case_number("case number exact", lambda v: v)
    case_number("case number spaces", lambda v: v.replace("-", " "))
    case_number("case number digits", lambda v: re.sub(r"\D", "", v))
    case_number("case number in a file name", lambda v: f"{v.lower()}_production.zip")

    def device(klass: str, written: Any) -> None:
        value = f"DV-{invented(next(n)).upper()}-{next(n):04d}"
        out.append(Variant(klass, "device_id", value, written(value), (fold(value),)))

    device("device exact", lambda v: v)
    device("device lower case, no dashes", lambda v: v.replace("-", "").lower())

    # Undeclared: detection must find them (not declared anywhere).
    def undeclared(klass: str, value: str, marker: str | None = None) -> None:
        out.append(Variant(klass, None, value, value, (fold(marker or value),)))

    undeclared("undeclared Brazilian phone", "+55 41 5555-0177", "554155550177")
    undeclared("undeclared UK phone", "+44 20 7946 0412", "442079460412")
    undeclared("undeclared German phone", "+49 30 90182455", "493090182455")
    undeclared("undeclared US phone", "(406) 555-0148", "4065550148")
    undeclared("undeclared card, spaces", "4012 8888 8888 1881", "4012888888881881")
    undeclared("undeclared card, dashes", "5555-5555-5555-4444", "5555555555554444")
    undeclared("undeclared 16 digits, no Luhn", "4417 1234 5678 9110", "4417123456789110")
    undeclared("undeclared IPv4-mapped IPv6", "::ffff:203.0.113.47", "203011347")
    undeclared("undeclared zero-padded IPv4", "203.000.113.048", "203000113048")
    undeclared("undeclared defanged IPv4", "203[.]0[.]113[.]49", "203011349")
    undeclared("undeclared IPv6", "2001:db8:9f1::44", "2001db89f144")
    undeclared("undeclared IDNA email", "rosa.quill@correo-ñandú.example", "rosaquill")
    undeclared("undeclared email", "ottilie.brand@mail.example", "ottiliebrand")
    undeclared("undeclared long number", "774410992381", "774410992381")
    return out


def _expand(value: str) -> list[str]:
    head, _, tail = value.partition("::")
    left = head.split(":") if head else []
    right = tail.split(":") if tail else []
    return left + ["0"] * (8 - len(left) - len(right)) + right


# --------------------------------------------------------------------------- planting


_ROLE = re.compile(r"^[A-Za-z][A-Za-z0-9 &/()._,'-]*$")


class Planter:
    """Seed text for each free-text field: the variants in turn, several a field."""

    def __init__(self, items: list[Variant]) -> None:
        self.items = items
        self.turn = 0
        self.placed: dict[str, list[Path_]] = {v.written: [] for v in items}

    def _next(self) -> Iterator[Variant]:
        while True:
            yield self.items[self.turn % len(self.items)]
            self.turn += 1

    def __call__(self, field: TextField, path: Path_, current: str | None) -> str:
        base = (current or "Seeded").replace("\n", " ")[:60]
        if field.kind in ("text", "restricted"):
            chosen = [v for _, v in zip(range(6), self._next(), strict=False)]
            self.turn += 1
            text = f"{base}\nNoted: " + "; ".join(v.written for v in chosen) + f"; {CONTROL}."
            for v in chosen:
                self.placed[v.written].append(path)
            return text
        for variant in self._next():
            self.turn += 1
            if variant.text_only:
                continue
            candidate = (
                f"Team {variant.written}" if field.kind == "role" else f"{base} {variant.written}"
            )
            if fits(field, candidate) and (field.kind != "role" or _ROLE.fullmatch(candidate)):
                self.placed[variant.written].append(path)
                return candidate
            if self.turn > 10 * len(self.items):
                return current or "Seeded"
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class Planted:
    """The seeded record, where each variant went, and the file it was saved as."""

    path: Path
    variants: list[Variant]
    placed: dict[str, list[Path_]]
    fields: list[Path_]


def plant(folder: Path) -> Planted:
    """A copy of a bundled case with every variant planted; saved under `folder`."""
    import yaml

    items = variants()
    data = read_record(BASE_CASE)
    declared = [v for v in items if v.kind is not None]
    data["identifiers"] = list(data["identifiers"]) + [
        {"id": f"K{i}", "kind": v.kind, "value": v.value, "label": "canary"}
        for i, v in enumerate(declared, 1)
    ]
    planter = Planter(items)
    fields = seed(data, planter)
    # Ids and the file name: an account id in a cause, an action and an evidence id.
    ids = next(v for v in items if v.klass == "exact" and v.kind == "account_id")
    _rename(data, data["causes"][0]["id"], f"C-{ids.value}")
    _rename(data, data["actions"][0]["id"], f"A_{ids.value}")
    _rename(data, data["evidence"][0]["id"], f"E{ids.value}")
    name_variant = next(v for v in items if v.klass == "inside a file name")
    path = folder / f"{name_variant.written.removesuffix('.csv')}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Planted(path, items, planter.placed, fields)


def _rename(data: Any, old: str, new: str) -> None:
    """Every string equal to `old` in the record (an id and its references) becomes `new`."""
    if isinstance(data, dict):
        for key, value in data.items():
            if value == old:
                data[key] = new
            else:
                _rename(value, old, new)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            if value == old:
                data[i] = new
            else:
                _rename(value, old, new)


# --------------------------------------------------------------------------- reading back


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [value for _, value in attrs if value]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.parts.append(data)


def read_back(name: str, data: bytes) -> str:
    """An artifact's text as independent tools read it (not rca.privacy.extract)."""
    suffix = name.rpartition(".")[2]
    if suffix == "pdf":
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(data)
            handle.flush()
            text = subprocess.run(
                ["pdftotext", "-q", handle.name, "-"], capture_output=True, check=True, text=True
            ).stdout
            info = subprocess.run(
                ["pdfinfo", handle.name], capture_output=True, check=True, text=True
            ).stdout
        return text + "\n" + info
    if suffix == "pptx":
        with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
            parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        raw = "\n".join(parts)
        return raw + "\n" + re.sub(r"<[^>]+>", "", raw)
    if suffix == "html":
        parser = _HtmlText()
        parser.feed(data.decode("utf-8"))
        return "\n".join(parser.parts)
    if suffix in ("svg", "dot"):
        return data.decode("utf-8")
    return data.decode("latin-1")


def leaked_markers(text: str, items: list[Variant]) -> set[str]:
    """The variants (by how they were written) whose markers are in the text."""
    folded = fold(urllib.parse.unquote(urllib.parse.unquote(text)))
    return {v.written for v in items if any(m in folded for m in v.markers)}
