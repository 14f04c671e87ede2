"""Finding the identifiers a record declares in text, in every form they take.

Each declared value gets its variants (a phone number's national digits, an IP
address's other spellings, a name surname first or as initials and surname),
and every variant and every text is compared through the one normaliser
(`rca.privacy.normalise`), with one Aho-Corasick automaton over all of them:
the cost is linear in the text whatever the number of identifiers. The
redactor and the leak guard both use `DeclaredMatcher`; undeclared patterns
are `rca.privacy.detect`'s.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ahocorasick

from rca.model import CaseReview, IdentifierKind
from rca.privacy.detect import PATTERN_LABEL, PATTERN_NOUN, PatternHit, pattern_hits, regions_of
from rca.privacy.normalise import fold as fold_text
from rca.privacy.normalise import invisible, light, skeleton, spaced

__all__ = [
    "CATEGORY_NOUN",
    "CATEGORY_WORD",
    "PATTERN_LABEL",
    "PATTERN_NOUN",
    "PSEUDONYM",
    "Declared",
    "DeclaredMatch",
    "DeclaredMatcher",
    "PatternHit",
    "declared_identifiers",
    "pattern_hits",
    "pseudonym",
    "record_regions",
    "typed_variants",
]


@dataclass(frozen=True)
class Declared:
    """A personal identifier the record declares (or implies, like the requester agency)."""

    kind: IdentifierKind
    value: str
    label: str | None
    index: int  # position among identifiers of the same pseudonym family, from 0


# Pseudonym families: user-side identifiers get letters ("Account A"),
# requester-side ones numbers ("Officer 1"), so the two never read alike.
PSEUDONYM = {
    IdentifierKind.ACCOUNT_ID: ("Account", "letter"),
    IdentifierKind.USERNAME: ("Username", "letter"),
    IdentifierKind.EMAIL: ("Email", "letter"),
    IdentifierKind.PHONE: ("Phone", "letter"),
    IdentifierKind.IP_ADDRESS: ("IP address", "letter"),
    IdentifierKind.DEVICE_ID: ("Device", "letter"),
    IdentifierKind.PERSON_NAME: ("Person", "letter"),
    IdentifierKind.OFFICER_NAME: ("Officer", "number"),
    IdentifierKind.AGENCY_NAME: ("Requester", "number"),
    IdentifierKind.AGENCY_CASE_NUMBER: ("Agency case", "number"),
    IdentifierKind.OTHER: ("Identifier", "number"),
}

# What leadership reads instead of an identifier: its category, no value.
CATEGORY_WORD = {
    IdentifierKind.ACCOUNT_ID: "[account]",
    IdentifierKind.USERNAME: "[username]",
    IdentifierKind.EMAIL: "[email address]",
    IdentifierKind.PHONE: "[phone number]",
    IdentifierKind.IP_ADDRESS: "[IP address]",
    IdentifierKind.DEVICE_ID: "[device]",
    IdentifierKind.PERSON_NAME: "[person]",
    IdentifierKind.OFFICER_NAME: "[officer]",
    IdentifierKind.AGENCY_NAME: "[requesting agency]",
    IdentifierKind.AGENCY_CASE_NUMBER: "[agency case number]",
    IdentifierKind.OTHER: "[identifier]",
}

CATEGORY_NOUN = {
    IdentifierKind.ACCOUNT_ID: ("account", "accounts"),
    IdentifierKind.USERNAME: ("username", "usernames"),
    IdentifierKind.EMAIL: ("email address", "email addresses"),
    IdentifierKind.PHONE: ("phone number", "phone numbers"),
    IdentifierKind.IP_ADDRESS: ("IP address", "IP addresses"),
    IdentifierKind.DEVICE_ID: ("device", "devices"),
    IdentifierKind.PERSON_NAME: ("named person", "named people"),
    IdentifierKind.OFFICER_NAME: ("officer", "officers"),
    IdentifierKind.AGENCY_NAME: ("agency", "agencies"),
    IdentifierKind.AGENCY_CASE_NUMBER: ("agency case number", "agency case numbers"),
    IdentifierKind.OTHER: ("other identifier", "other identifiers"),
}


def pseudonym(item: Declared) -> str:
    """ "Account A", "Officer 1", ...: stable within one record."""
    noun, style = PSEUDONYM[item.kind]
    if style == "number":
        return f"{noun} {item.index + 1}"
    letters, n = "", item.index
    while True:  # A..Z, AA..AZ, ...
        letters = chr(ord("A") + n % 26) + letters
        n = n // 26 - 1
        if n < 0:
            return f"{noun} {letters}"


def declared_identifiers(record: CaseReview) -> list[Declared]:
    """Every identifier of the record, in declaration order, with the agency name implied."""
    found: list[Declared] = []
    counts: dict[str, int] = {}
    seen: set[tuple[IdentifierKind, str]] = set()

    def add(kind: IdentifierKind, value: str, label: str | None) -> None:
        key = (kind, skeleton(value) or value.casefold())
        if key in seen:
            return
        seen.add(key)
        family = PSEUDONYM[kind][0]
        found.append(Declared(kind, value, label, counts.get(family, 0)))
        counts[family] = counts.get(family, 0) + 1

    for ident in record.identifiers:
        add(ident.kind, ident.value, ident.label)
    for request in record.requests:
        if request.requester.agency:
            add(IdentifierKind.AGENCY_NAME, request.requester.agency, "requesting agency")
        if request.issued_by is not None and request.issued_by.name:
            add(IdentifierKind.AGENCY_NAME, request.issued_by.name, "issuing authority")
    return found


def public_codes(record: CaseReview) -> frozenset[str]:
    """Texts in the record's codes (case id, version, related cases) that look like identifiers.

    The schema constrains these, so a pattern hit on exactly one of them (the
    long number in ESC-2026030401) is a code, not an identifier. Declared
    identifiers are looked for regardless.
    """
    tokens = [record.case_id, record.version, *record.escalation.related_cases]
    return frozenset(hit.text for token in tokens for hit in pattern_hits(token))


def record_regions(record: CaseReview) -> tuple[str, ...]:
    """Phone regions the record's jurisdictions suggest (US always)."""
    places = [r.requester.jurisdiction for r in record.requests]
    places += [r.issued_by.jurisdiction for r in record.requests if r.issued_by is not None]
    return regions_of(
        [p for p in places if isinstance(p, str) and p not in ("unknown", "not_applicable")]
    )


# Titles and ranks a declared name may start with, by what they may also be written as.
_TITLES = {
    "det": ("det", "detective", "det."),
    "detective": ("det", "detective"),
    "sgt": ("sgt", "sergeant"),
    "sergeant": ("sgt", "sergeant"),
    "lt": ("lt", "lieutenant"),
    "lieutenant": ("lt", "lieutenant"),
    "capt": ("capt", "captain", "cpt"),
    "captain": ("capt", "captain"),
    "cpl": ("cpl", "corporal"),
    "corporal": ("cpl", "corporal"),
    "officer": ("officer", "ofc", "off"),
    "ofc": ("officer", "ofc"),
    "deputy": ("deputy", "dep"),
    "dep": ("deputy", "dep"),
    "agent": ("agent", "special agent", "sa"),
    "sa": ("agent", "special agent", "sa"),
    "special": ("agent", "special agent", "sa"),
    "inv": ("inv", "investigator"),
    "investigator": ("inv", "investigator"),
    "trooper": ("trooper", "tpr"),
    "tpr": ("trooper", "tpr"),
    "chief": ("chief",),
    "sheriff": ("sheriff",),
    "dr": ("dr", "doctor"),
    "mr": ("mr",),
    "mrs": ("mrs",),
    "ms": ("ms",),
    "mx": ("mx",),
}
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "esq", "phd"})
_NAMES = (IdentifierKind.PERSON_NAME, IdentifierKind.OFFICER_NAME)


def _name_variants(value: str) -> dict[str, str]:
    """A person's name in the orders text writes it: surname first, initials, with a title."""
    words = value.replace(",", " ").split()
    titles: list[str] = []
    while words and skeleton(words[0]) in _TITLES and len(words) > 2:
        titles.append(skeleton(words.pop(0)))
    if titles == ["special"] and words and skeleton(words[0]) == "agent":
        words.pop(0)
    while len(words) > 2 and skeleton(words[-1]) in _SUFFIXES:
        words.pop()
    if len(words) < 2:
        return {}
    given, surname = words[:-1], words[-1]
    first = " ".join(given)
    initials = " ".join(g[0] for g in given)
    out = {
        f"{first} {surname}": "name",
        f"{surname} {first}": "name order",
        f"{surname}, {first}": "name order",
        f"{initials} {surname}": "initials",
        f"{given[0][0]} {surname}": "initials",
        f"{surname}, {initials}": "initials",
    }
    for title in titles[:1]:
        for spelled in _TITLES[title]:
            out.setdefault(f"{spelled} {surname}", "title and surname")
            out.setdefault(f"{spelled} {first} {surname}", "name")
    return out


def _phone_variants(value: str) -> dict[str, str]:
    import phonenumbers

    digits = re.sub(r"\D", "", value)
    out: dict[str, str] = {}
    if len(digits) >= 7:
        out[digits] = "digits"
    if len(digits) == 11 and digits.startswith("1"):
        out[digits[1:]] = "digits"
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return out
    national = phonenumbers.national_significant_number(number)
    if len(national) >= 7:
        out.setdefault(national, "digits")
        out.setdefault(f"{number.country_code}{national}", "digits")
    return out


def _ip_variants(value: str) -> dict[str, str]:
    try:
        address = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return {}
    out = {str(address): "ip-compressed"}
    if isinstance(address, ipaddress.IPv4Address):
        octets = str(address).split(".")
        out.setdefault(".".join(f"{int(o):03d}" for o in octets), "ip-zero-padded")
        mapped = ipaddress.IPv6Address(f"::ffff:{address}")
        groups = mapped.exploded.split(":")[-2:]
        out.setdefault(f"::ffff:{address}", "ip-mapped")
        out.setdefault(
            f"::ffff:{groups[0].lstrip('0') or '0'}:{groups[1].lstrip('0') or '0'}", "ip-mapped"
        )
    else:
        out.setdefault(address.exploded, "ip-expanded")
        out.setdefault(
            ":".join(f"{int(g, 16):x}" for g in address.exploded.split(":")), "ip-expanded"
        )
        if address.ipv4_mapped is not None:
            out.update(_ip_variants(str(address.ipv4_mapped)))
    return out


def _email_variants(value: str) -> dict[str, str]:
    local, at, domain = value.rpartition("@")
    if not at:
        return {}
    out: dict[str, str] = {}
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
        unicode_domain = ascii_domain.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return out
    for form in (ascii_domain, unicode_domain):
        out.setdefault(f"{local}@{form}", "idna")
    return out


def typed_variants(item: Declared) -> dict[str, str]:
    """The forms a declared value is looked for in, each with what kind of variant it is."""
    value = item.value
    out = {value: "exact"}
    kind = item.kind
    if kind is IdentifierKind.PHONE:
        out.update({k: v for k, v in _phone_variants(value).items() if k not in out})
    elif kind in (IdentifierKind.ACCOUNT_ID, IdentifierKind.AGENCY_CASE_NUMBER):
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 6:
            out.setdefault(digits, "digits")
    elif kind is IdentifierKind.IP_ADDRESS:
        out.update({k: v for k, v in _ip_variants(value).items() if k not in out})
    elif kind is IdentifierKind.EMAIL:
        out.update({k: v for k, v in _email_variants(value).items() if k not in out})
    elif kind in _NAMES:
        out.update({k: v for k, v in _name_variants(value).items() if k not in out})
    elif kind is IdentifierKind.AGENCY_NAME:
        if re.match(r"(?i)the\s", value):
            out.setdefault(value[4:].strip(), "exact")
        if "&" in value:
            out.setdefault(value.replace("&", " and "), "and")
        elif re.search(r"(?i)\sand\s", value):
            out.setdefault(re.sub(r"(?i)\sand\s", " & ", value), "and")
    elif kind is IdentifierKind.USERNAME:
        out.setdefault(value.lstrip("@"), "exact")
    return {v: t for v, t in out.items() if len(skeleton(v)) >= 3}


def variants(item: Declared) -> set[str]:
    """Every form a declared value is looked for in."""
    return set(typed_variants(item))


# A declared value at least this long (folded) is found inside longer tokens:
# export_4411223344.csv, ID4411223344. A shorter one must stand alone.
INSIDE_TOKENS = 6


@dataclass(frozen=True)
class DeclaredMatch:
    """A declared identifier found in text: its span in the original text and how it matched."""

    start: int
    end: int
    item: Declared
    variant: str  # exact, digits, name order, ...; with ", folded" when written differently
    text: str


@dataclass(frozen=True)
class _Entry:
    item: Declared
    spellings: dict[str, str]  # the variants folding to this key -> what kind of variant each is
    short: frozenset[str] | None  # spaced forms a short value must equal; None: long value


class DeclaredMatcher:
    """Every variant of every declared identifier, folded, in one Aho-Corasick automaton."""

    def __init__(self, identifiers: Iterable[Declared]) -> None:
        self.identifiers = list(identifiers)
        self._automaton: ahocorasick.Automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        entries: dict[str, _Entry] = {}
        for item in self.identifiers:
            for variant, kind in typed_variants(item).items():
                key = skeleton(variant)
                previous = entries.get(key)
                if previous is None:
                    short = frozenset({spaced(variant)}) if len(key) < INSIDE_TOKENS else None
                    entries[key] = _Entry(item, {variant: kind}, short)
                elif previous.item is item:  # another spelling of the same value
                    previous.spellings.setdefault(variant, kind)
                    if previous.short is not None:
                        entries[key] = _Entry(
                            item, previous.spellings, previous.short | {spaced(variant)}
                        )
        self.variants = {key: entry.item for key, entry in entries.items()}
        for key, entry in entries.items():
            self._automaton.add_word(key, (len(key), entry))
        self.empty = not entries
        if not self.empty:
            self._automaton.make_automaton()

    @staticmethod
    def of(identifiers: Iterable[Declared]) -> DeclaredMatcher:
        """The matcher of these identifiers, built once for every audience of a case and its guard."""
        return _matcher(tuple(identifiers))

    def find(self, text: str, *, strict: bool = False) -> list[DeclaredMatch]:
        """Non-overlapping matches in text order, the longest at each place.

        `strict` is for text made of many unrelated values (coordinates, ids,
        bytes): a match must then stand alone and within one line.
        """
        if self.empty or not text:
            return []
        folded = fold_text(text)
        candidates: list[tuple[int, int, _Entry]] = []
        for last, (length, entry) in self._automaton.iter(folded.text):
            start, end = _balanced(text, *folded.span(last - length + 1, last + 1), entry)
            if entry.short is not None and not _stands_alone(text, start, end, entry.short):
                continue
            if entry.item.kind in _WORDS and not _word_edges(text, start, end):
                continue
            if entry.item.kind is IdentifierKind.IP_ADDRESS and not _address_edges(
                text, start, end
            ):
                continue
            if strict and (not _bounded(text, start, end) or "\n" in text[start:end]):
                continue
            candidates.append((start, end, entry))
        candidates.sort(key=lambda c: (c[0], -c[1]))
        out: list[DeclaredMatch] = []
        reached = 0
        for start, end, entry in candidates:
            if start < reached:
                continue
            written = text[start:end]
            out.append(DeclaredMatch(start, end, entry.item, _how(written, entry), written))
            reached = end
        return out

    def search(self, text: str) -> bool:
        """Whether any declared identifier is in text."""
        return bool(self.find(text))

    def sub(self, text: str, replace: Callable[[DeclaredMatch], str]) -> str:
        """Text with each match replaced by replace(match)."""
        out, last = [], 0
        for match in self.find(text):
            out.append(text[last : match.start])
            out.append(replace(match))
            last = match.end
        out.append(text[last:])
        return "".join(out)


# Names are words: "Rowan Ellery" is not inside "Rowan Elleryson" (another
# person), though it is inside "RowanElleryReport" and "export_rowan_ellery".
_WORDS = frozenset({*_NAMES, IdentifierKind.AGENCY_NAME})


def _word_edges(text: str, start: int, end: int) -> bool:
    before = start > 0 and text[start - 1].isalpha() and not text[start].isupper()
    after = end < len(text) and text[end].isalpha() and not text[end].isupper()
    return not before and not after


def _address_edges(text: str, start: int, end: int) -> bool:
    # 203.0.113.90 is another address than 203.0.113.9 (but 203.0.113.9:8080 is it).
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    if ":" not in text[start:end]:
        return not re.search(r"\d\.?$", before) and not re.match(r"\.?\d", after)
    return not re.search(r"[0-9A-Fa-f][.:]?$", before) and not re.match(r"[.:]?[0-9A-Fa-f]", after)


@functools.lru_cache(maxsize=4)
def _matcher(identifiers: tuple[Declared, ...]) -> DeclaredMatcher:
    return DeclaredMatcher(identifiers)


def _bounded(text: str, start: int, end: int) -> bool:
    return not (start > 0 and text[start - 1].isalnum()) and not (
        end < len(text) and text[end].isalnum()
    )


def _stands_alone(text: str, start: int, end: int, forms: frozenset[str]) -> bool:
    # A short value: no letter or digit touching it, written with the value's own separators.
    return _bounded(text, start, end) and spaced(text[start:end]) in forms


def _balanced(text: str, start: int, end: int, entry: _Entry) -> tuple[int, int]:
    # Separators the folded match leaves out but that belong to the value: a
    # leading + of a number, the bracket of "(202) 555-0143", what the value starts with.
    if start > 0 and text[start - 1] == "+" and text[start].isdigit():
        start -= 1
    if start > 0 and text[start - 1] == "@" and entry.item.kind is IdentifierKind.USERNAME:
        start -= 1  # the handle's sign goes with it
    while end < len(text) and invisible(text[end]):
        end += 1  # a combining accent or joiner left after the value
    for spelled in entry.spellings:
        lead = spelled[: len(spelled) - len(spelled.lstrip("+([{@#'\"_-."))]
        if lead and text[max(0, start - len(lead)) : start] == lead:
            start -= len(lead)
            break
    inside = text[start:end]
    for opening, closing in ("()", "[]"):
        if (
            inside.count(closing) > inside.count(opening)
            and start > 0
            and text[start - 1] == opening
        ):
            start -= 1
        elif inside.count(opening) > inside.count(closing) and text[end : end + 1] == closing:
            end += 1
    return start, end


def _how(written: str, entry: _Entry) -> str:
    """How a match differs from the variant it matched: exact, digits, case, url-encoded, ..."""
    if written in entry.spellings:
        return entry.spellings[written]
    spelled, variant = next(iter(entry.spellings.items()))
    changes = [] if variant == "exact" else [variant]
    if "%" in written:
        changes.append("url-encoded")
    if "&" in written:
        changes.append("entity-encoded")
    if not written.isascii():
        changes.append("unicode-normalised")
    plain = light(written).text
    letters = [c for c in plain if c.isalnum()]
    wanted = [c for c in spelled if c.isalnum()]
    if letters != wanted and [c.casefold() for c in letters] == [c.casefold() for c in wanted]:
        changes.append("case")
    separators = [c for c in plain if not c.isalnum()]
    if separators != [c for c in spelled if not c.isalnum()]:
        between = set(separators) ^ {c for c in spelled if not c.isalnum()}
        changes.append("whitespace" if all(c.isspace() for c in between) else "separators")
    return ", ".join(dict.fromkeys(changes)) or "exact"
