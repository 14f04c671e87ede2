"""Undeclared identifiers in text: emails, phone numbers, card numbers, IP addresses, handles.

What a record does not declare is found by maintained libraries where one
exists rather than by home-made patterns: `phonenumbers` (Google's
libphonenumber) decides what is a phone number of any region, `ipaddress`
what is an IP address; card numbers must pass the Luhn check. Regexes only
propose candidates. Every detector reads the text through the one normaliser
(`rca.privacy.normalise.light`: entities, URL escapes and defanging decoded,
invisible characters dropped, full-width forms folded), and every hit is
given as a span of the original text, so a replacement covers what was
written (`jane%40example.com`, `198[.]51[.]100[.]7`).

This module imports nothing from the rest of rca but the normaliser: the model
and the loader use it to mask values in messages.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rca.privacy.normalise import light


@dataclass(frozen=True)
class PatternHit:
    """An undeclared identifier-like string in text (start and end index the original text)."""

    kind: str
    start: int
    end: int
    text: str


PATTERN_LABEL = {
    "email": "[email address]",
    "ipv4": "[IP address]",
    "ipv6": "[IP address]",
    "phone": "[phone number]",
    "card": "[card number]",
    "handle": "[username]",
    "long_number": "[number]",
}
PATTERN_NOUN = {
    "email": "email address",
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "phone": "phone number",
    "card": "card number",
    "handle": "@handle",
    "long_number": "long number (9+ digits)",
}
# Which of two hits on the same span names it (a Luhn-valid number is a card, not a number).
_PRIORITY = {"card": 0, "email": 1, "ipv6": 2, "ipv4": 3, "phone": 4, "handle": 5, "long_number": 6}

# The lookbehind starts a match only where a local part can start: without it
# a long run of letters costs quadratic time. Letters of any script (IDNA).
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)",
    re.IGNORECASE,
)
# Each pattern starts with the character class its first character is in and
# checks what precedes it only then (a lookbehind after that character), so the
# search skips in C to where a match can start instead of testing every place.
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}(?:\.\d{1,3}){3}(?![\w.]*\d)")
# Bounded repetition keeps the candidate search linear on long runs of hex and colons.
# (The first group, (?:[0-9A-Fa-f]{0,4}:), is ":" alone when the match starts with one.)
_IPV6 = re.compile(
    r"[0-9A-Fa-f:](?<![\w:.].)(?:(?<=:)|(?<=[0-9A-Fa-f])[0-9A-Fa-f]{0,3}:)"
    r"(?:[0-9A-Fa-f]{0,4}:){1,6}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%\w+)?(?![\w:])"
)
# Phone candidates: a + or a bracket or separators between digit groups (a bare
# run of digits is a long number, not a phone: case ids, dates and account ids
# look like that). Not inside a token: FCSO-2026-004417 is a case number.
# (A + may be followed by a space and a bracket, a bracket by a digit.)
_PHONE = re.compile(
    r"[+(\d](?<![\w+\-/.].)(?:(?<=\+)\s?\(?\d|(?<=\()\d|(?<=\d))[\d\s().\-/]{5,22}\d(?![\w])"
)
_DATE_TIME = re.compile(
    r"\d(?:\d{3}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?|\d?:\d{2}(?::\d{2})?"
    r"|\d?/\d{1,2}/\d{2,4}|\d{3}/\d{1,2}/\d{1,2})"
)
_CARD = re.compile(r"\d(?<![\w.]\d)(?:[ -]?\d){12,18}(?![\w])")
_HANDLE = re.compile(r"@(?<![\w@.%/]@)[A-Za-z0-9_][A-Za-z0-9_.]{2,29}(?<!\.)")
# Digits written in groups (a card that fails the Luhn check, an account id spaced out).
_GROUPED = re.compile(r"\d(?<![\w.]\d)\d{1,5}(?:[ -]\d{2,6}){2,}(?![\w])")
_LONG_NUMBER = re.compile(r"\d(?<![\w.]\d)\d{8,}(?!\w|\.\d)")  # a full stop may end the sentence
_DIGITS = re.compile(r"\d")
_DECIMAL = re.compile(r"\d+[.,]\d+")


def pattern_hits(text: str, regions: Iterable[str] = ("US",)) -> Iterator[PatternHit]:
    """Undeclared identifiers in text, as spans of the original text.

    `regions` are ISO country codes whose national phone formats count (the
    record's jurisdictions); numbers written with a + and a country code count
    for every region.
    """
    folded = light(text)
    readable = folded.text
    for kind, start, end in _candidates(readable, tuple(regions)):
        s, e = folded.span(start, end)
        yield PatternHit(kind, s, e, text[s:e])


def _candidates(text: str, regions: tuple[str, ...]) -> Iterator[tuple[str, int, int]]:
    if "@" in text:
        for m in _EMAIL.finditer(text):
            yield "email", m.start(), m.end()
        for m in _HANDLE.finditer(text):
            yield "handle", m.start(), m.end()
    if not _DIGITS.search(text):
        return
    for m in _IPV4.finditer(text):
        if all(int(octet) <= 255 for octet in m.group().split(".")):
            yield "ipv4", m.start(), m.end()
    if ":" in text:
        for m in _IPV6.finditer(text):
            if _is_ipv6(m.group()):
                yield "ipv6", m.start(), m.end()
    # Dates and times are blanked for the number searches (same length, so offsets hold).
    dateless = _DATE_TIME.sub(lambda m: " " * len(m.group()), text)
    for m in _CARD.finditer(dateless):
        if _luhn(re.sub(r"\D", "", m.group())):
            yield "card", m.start(), m.end()
    for m in _PHONE.finditer(dateless):
        candidate = m.group()
        digits = len(_DIGITS.findall(candidate))
        if candidate.isdigit() or _DECIMAL.fullmatch(candidate):
            continue  # a bare run of digits is a long number; 310260.0 is a measurement
        if digits < (7 if candidate.lstrip("(").startswith("+") else 9):
            continue
        for start, end in _phones(candidate, regions):
            yield "phone", m.start() + start, m.start() + end
    for m in _GROUPED.finditer(dateless):
        if len(_DIGITS.findall(m.group())) >= 12:
            yield "long_number", m.start(), m.end()
    for m in _LONG_NUMBER.finditer(text):
        yield "long_number", m.start(), m.end()


def _is_ipv6(candidate: str) -> bool:
    address = candidate.split("%", 1)[0]
    if "::" not in address and not any(c.isalpha() for c in address):
        return False  # 09:15:00 and other times
    if not any(c.isalnum() for c in address):
        return False  # "::" alone
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def _luhn(digits: str) -> bool:
    total = 0
    for n, char in enumerate(reversed(digits)):
        value = int(char) * (2 if n % 2 else 1)
        total += value - 9 if value > 9 else value
    return 13 <= len(digits) <= 19 and total % 10 == 0


@functools.lru_cache(maxsize=4096)
def _phones(candidate: str, regions: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    import phonenumbers

    found: dict[tuple[int, int], None] = {}
    for region in regions if not candidate.lstrip("(").startswith("+") else ("ZZ",):
        for match in phonenumbers.PhoneNumberMatcher(
            candidate, region, leniency=phonenumbers.Leniency.VALID
        ):
            found[(match.start, match.end)] = None
    return tuple(found)


def sorted_hits(hits: Iterable[PatternHit]) -> list[PatternHit]:
    """Hits in text order, the longest (then the most specific kind) first at each start."""
    return sorted(hits, key=lambda h: (h.start, -h.end, _PRIORITY[h.kind]))


def regions_of(jurisdictions: Iterable[str]) -> tuple[str, ...]:
    """Phone regions for a record's jurisdictions (`US-CA` -> `US`), US always included."""
    regions = dict.fromkeys(j.split("-", 1)[0].upper() for j in jurisdictions if j)
    regions.setdefault("US", None)
    return tuple(regions)


_KIND_SHOWN = {
    "email": "an email address",
    "ipv4": "an IP address",
    "ipv6": "an IP address",
    "phone": "a phone number",
    "card": "a card number",
    "handle": "a @handle",
    "long_number": "a long number",
}


def mask_value(text: str, regions: Iterable[str] = ("US",)) -> str | None:
    """A masked form of text that holds an identifier (`'r…@…' (an email address)`); else None.

    For messages that would otherwise print a value: validation errors, logs.
    """
    hits = sorted_hits(pattern_hits(text, regions))
    if not hits:
        return None
    kind = hits[0].kind
    return f"'{_masked(text, kind)}' ({_KIND_SHOWN[kind]})"


def _masked(text: str, kind: str) -> str:
    first = next((c for c in text if c.isalnum()), "")
    if kind == "email":
        return f"{first}…@…"
    return f"{first}…" if first and not first.isdigit() else "…"
