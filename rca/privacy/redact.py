"""An audience's view of a record: only what its profile allows, identifiers replaced.

Templates never see the record itself. `redact_record` walks the model field by
field and decides from each field's `Sensitive` tag; free text is scrubbed of
every declared identifier (and its variants) and of undeclared identifier-like
patterns. The result is plain data (dicts, lists, str, int, bool, None).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel

from rca.audience import PersonalData, Privacy
from rca.model import CaseReview, Evidence, Sensitivity, sensitivity_of
from rca.privacy.identifiers import (
    CATEGORY_NOUN,
    CATEGORY_WORD,
    PATTERN_LABEL,
    Declared,
    declared_identifiers,
    declared_pattern,
    lookup,
    pattern_hits,
    pseudonym,
)

WITHHELD = "[withheld]"


class Scrubber:
    """Replaces identifiers in text the way an audience's privacy setting says."""

    def __init__(self, identifiers: list[Declared], mode: PersonalData) -> None:
        self.identifiers = identifiers
        self.mode = mode
        self._regex, self._by_variant = declared_pattern(identifiers)

    def replacement(self, item: Declared) -> str:
        """What the audience reads instead of this identifier."""
        if self.mode is PersonalData.RAW:
            return item.value
        if self.mode is PersonalData.PSEUDONYM:
            return pseudonym(item)
        return CATEGORY_WORD[item.kind]

    def __call__(self, text: str) -> str:
        keep: list[tuple[int, int]] = []  # spans of declared values a raw audience may read
        if self.mode is PersonalData.RAW:
            keep = [m.span() for m in self._regex.finditer(text)]
        else:
            text = self._replace_declared(text)
        # Undeclared identifier-like text is scrubbed for every audience, raw
        # included: a profile's clearance covers the identifiers a record declares.
        hits = sorted(pattern_hits(text), key=lambda h: (h.start, -h.end))
        out, last = [], 0
        for hit in hits:
            if hit.start < last or any(s < hit.end and hit.start < e for s, e in keep):
                continue  # overlaps a longer hit already replaced, or a declared raw value
            out.append(text[last : hit.start])
            out.append(PATTERN_LABEL[hit.kind])
            last = hit.end
        out.append(text[last:])
        return "".join(out)

    def _replace_declared(self, text: str) -> str:
        used: set[str] = set()

        def declared(m: re.Match[str]) -> str:
            item = lookup(self._by_variant, m.group())
            stand_in = self.replacement(item) if item is not None else "[identifier]"
            used.add(stand_in)
            return stand_in

        text = self._regex.sub(declared, text)
        for stand_in in used:
            text = _collapse(text, stand_in)
        return text


def _collapse(text: str, stand_in: str) -> str:
    # "account 8843120076" -> "account Account A" -> "Account A"; likewise
    # "agency case FCSO-1" -> "Agency case 1", and "the Requester 1" -> "Requester 1".
    words = stand_in.strip("[]").split()
    nouns = {" ".join(words[:n]) for n in range(1, len(words) + 1)}
    if not stand_in.startswith("["):
        nouns.add("the")
    alternatives = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
    pattern = rf"\b(?:(?:{alternatives})\s+)+(?={re.escape(stand_in)})"
    return re.sub(pattern, "", text, flags=re.IGNORECASE)


def redact_record(
    record: CaseReview, privacy: Privacy, scrub: Scrubber | None = None
) -> dict[str, Any]:
    """The record as this audience may see it: plain data, nothing it may not read.

    `scrub` is this record's Scrubber for the audience, when the caller has one.
    """
    identifiers = scrub.identifiers if scrub is not None else declared_identifiers(record)
    scrub = scrub or Scrubber(identifiers, privacy.personal)
    view = _model(record, privacy, scrub)
    view["identifiers"] = _identifier_view(identifiers, privacy, scrub)
    return view


def identifier_summary(identifiers: list[Declared]) -> list[str]:
    """Counts by kind, for audiences that see no identifier: ["2 accounts", "1 officer"]."""
    counts = Counter(item.kind for item in identifiers)
    return [
        f"{n} {CATEGORY_NOUN[kind][0] if n == 1 else CATEGORY_NOUN[kind][1]}"
        for kind, n in counts.items()
    ]


def _identifier_view(
    identifiers: list[Declared], privacy: Privacy, scrub: Scrubber
) -> dict[str, Any]:
    items = []
    if privacy.personal is not PersonalData.CATEGORY:
        items = [
            {
                "kind": item.kind.value,
                "shown_as": scrub.replacement(item),
                "label": scrub(item.label) if item.label else None,
            }
            for item in identifiers
        ]
    return {"summary": identifier_summary(identifiers), "items": items}


def _allowed(level: Sensitivity, privacy: Privacy) -> bool:
    return level is Sensitivity.PUBLIC or level in privacy.allow


def _model(obj: BaseModel, privacy: Privacy, scrub: Scrubber) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cls = type(obj)
    for name in cls.model_fields:
        level = sensitivity_of(cls, name)
        out[name] = _value(getattr(obj, name), level, privacy, scrub)
    if isinstance(obj, Evidence) and not _allowed(obj.sensitivity, privacy):
        out["description"] = WITHHELD
        out["source"] = None
    return out


def _value(value: Any, level: Sensitivity, privacy: Privacy, scrub: Scrubber) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, BaseModel):
        return _model(value, privacy, scrub)
    if isinstance(value, list):
        return [_value(v, level, privacy, scrub) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, str):
        if level is Sensitivity.PUBLIC:
            return value
        if level is Sensitivity.PERSONAL:
            return scrub(value)  # a declared value becomes its stand-in
        if not _allowed(level, privacy):
            return WITHHELD
        return scrub(value)
    raise TypeError(f"cannot redact a {type(value).__name__}")
