"""How every output words small things: dates, times, UTC offsets, code labels, plurals.

One copy of each, shared by the deck, the brief, the diagrams, the decisions
and the trends report, so the same value reads the same everywhere. Plain
functions of plain values; month and weekday names are spelt out here rather
than taken from `strftime`, whose `%b` and `%a` follow the process locale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from rca.labels import label as code_label

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MINUS = "\u2212"  # a true minus sign: viewers break lines after a hyphen


def day(value: str | date | None) -> str:
    """`2026-05-31` -> `31 May 2026`; a timestamp gives its own local date; nothing -> `not set`."""
    if not value:
        return "not set"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def day_month(ts: str | datetime) -> str:
    """`2026-03-04T09:15:00+00:00` -> `4 Mar` (the timestamp's own local date)."""
    at = _at(ts)
    return f"{at.day} {MONTHS[at.month - 1]}"


def clock_time(ts: str | datetime) -> str:
    """`2026-03-04T09:15:00+00:00` -> `09:15` (local time)."""
    return f"{_at(ts):%H:%M}"


def weekday(ts: str | datetime) -> str:
    """`2026-03-04T09:15:00+00:00` -> `Wed` (the local day)."""
    return WEEKDAYS[_at(ts).weekday()]


def offset_minutes(ts: str | datetime) -> int:
    """A timestamp's UTC offset in whole minutes, as written: seconds are dropped, not rounded.

    Truncating the magnitude keeps the sign symmetric (-03:30:45 and +03:30:45
    both give 3:30); flooring would turn the first into -3:31.
    """
    offset = _at(ts).utcoffset()
    if offset is None:
        return 0
    seconds = int(offset.total_seconds())
    minutes = abs(seconds) // 60
    return -minutes if seconds < 0 else minutes


def utc_offset(ts: str | datetime) -> str:
    """`UTC`, `UTC+1`, `UTC\u22123:30`: the offset written with a true minus sign."""
    return _offset_text(offset_minutes(ts))


def zone_label(times: Sequence[str], name: str | None = None) -> str:
    """The reference clock as a reader needs it: `UTC-7 (America/Los_Angeles)`, `UTC-8/-7 (...)`.

    Lists each offset the case's times take in the zone (a daylight-saving change
    gives two), so a reader can convert any time shown.
    """
    offsets: list[int] = []
    for ts in times:
        minutes = offset_minutes(ts)
        if minutes not in offsets:
            offsets.append(minutes)
    if not offsets:
        return name or "UTC"
    text = (
        utc_offset(times[0])
        if len(offsets) == 1
        else "/".join(
            _offset_text(m) if i == 0 else _offset_text(m).removeprefix("UTC")
            for i, m in enumerate(sorted(offsets))
        )
    )
    return f"{text} ({name})" if name else text


def _offset_text(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else MINUS}{hours}" + (f":{rest:02d}" if rest else "")


def label(labels: Mapping[str, str], code: str | None) -> str:
    """A code's human label: the context's labels (enums, the case's taxonomy), else `rca.labels`."""
    if not code:
        return ""
    return labels.get(code) or code_label(code)


def sentence_case(text: str) -> str:
    """A label inside a sentence: "Second review / QA" -> "second review / QA", acronyms kept."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def plural(n: int | str, one: str, many: str | None = None) -> str:
    """`1 case`, `3 cases`, `2 categories`, `1,204 accounts`; `unknown number of accounts`."""
    if many is None:
        if one.endswith("y") and one[-2:-1] not in "aeiou":
            many = one[:-1] + "ies"
        elif one.endswith(("s", "x", "z", "ch", "sh")):
            many = one + "es"  # IP addresses, not addresss
        else:
            many = one + "s"
    if not isinstance(n, int):  # unknown / not_applicable
        return f"{str(n).replace('_', ' ')} number of {many}"
    return f"{n:,} {one if n == 1 else many}"


def _at(ts: str | datetime) -> datetime:
    return datetime.fromisoformat(ts) if isinstance(ts, str) else ts


# Severity, least to most severe (rca.model.Severity): shown with its place on the scale.
SEVERITY_SCALE = ("near_miss", "recordable", "reportable", "serious")


def severity_scale(labels: Mapping[str, str], code: str) -> str:
    """`3 of 4, from near miss to serious`: where a severity sits on the scale, least severe first."""
    if code not in SEVERITY_SCALE:
        return ""
    low, high = (sentence_case(label(labels, c)) for c in (SEVERITY_SCALE[0], SEVERITY_SCALE[-1]))
    return f"{SEVERITY_SCALE.index(code) + 1} of {len(SEVERITY_SCALE)}, from {low} to {high}"


_REVIEW = {
    "draft": "review in draft",
    "in_review": "review under way",
    "approved": "review approved",
    "published": "review published",
}


def review_phrase(status: str) -> str:
    """The review's status as a phrase ("review under way", never "review in review")."""
    return _REVIEW.get(status, f"review {status.replace('_', ' ')}")


# Words whose full stop ends no sentence: times, legal citations, titles, common Latin.
_ABBREVIATIONS = frozenset(
    " ".join(
        (
            "a.m p.m u.s u.s.c e.g i.e etc no nos det sgt tpr lt capt insp supt mr mrs ms dr st",
            "inc ltd co corp vs approx cf fig sec secs art para ch ed jan feb mar apr jun jul aug",
            "sep sept oct nov dec mon tue wed thu fri sat sun cal pen stat ann rev ct al",
        )
    ).split()
)
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """A text split into sentences, not after "p.m.", "U.S.C.", "Det.", an initial or a section number."""
    text = " ".join(str(text).split())
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start()
        word = text[start:end].rsplit(" ", 1)[-1].lower().lstrip("(\"'[")
        if text[end] == "." and (word in _ABBREVIATIONS or len(word) == 1 or word.endswith("§")):
            continue
        out.append(text[start : match.end()].strip())
        start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out
