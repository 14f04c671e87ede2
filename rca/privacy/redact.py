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
        if self.mode is PersonalData.RAW:
            return text

        used: set[str] = set()

        def declared(m: re.Match[str]) -> str:
            item = lookup(self._by_variant, m.group())
            stand_in = self.replacement(item) if item is not None else "[identifier]"
            used.add(stand_in)
            return stand_in

        text = self._regex.sub(declared, text)
        for stand_in in used:
            # "Account 8843120076" -> "Account Account A" -> "Account A".
            noun = stand_in.strip("[]").split()[0]
            text = re.sub(
                rf"\b{re.escape(noun)}\s+(?={re.escape(stand_in)})", "", text, flags=re.IGNORECASE
            )
        hits = sorted(pattern_hits(text), key=lambda h: (h.start, -h.end))
        out, last = [], 0
        for hit in hits:
            if hit.start < last:
                continue  # overlaps a longer hit already replaced
            out.append(text[last : hit.start])
            out.append(PATTERN_LABEL[hit.kind])
            last = hit.end
        out.append(text[last:])
        return "".join(out)


def redact_record(record: CaseReview, privacy: Privacy) -> dict[str, Any]:
    """The record as this audience may see it: plain data, nothing it may not read."""
    identifiers = declared_identifiers(record)
    scrub = Scrubber(identifiers, privacy.personal)
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
