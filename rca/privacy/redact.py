"""An audience's view of a record: only what its profile allows, identifiers replaced.

Templates never see the record itself. `redact_record` walks the model field by
field and decides from each field's `Sensitive` tag; free text is scrubbed of
every declared identifier (and its variants) and of undeclared identifier-like
patterns. The result is plain data (dicts, lists, str, int, bool, None).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel

from rca.audience import PersonalData, Privacy
from rca.model import CaseReview, Evidence, Sensitivity, sensitivity_of
from rca.privacy.detect import PATTERN_LABEL, pattern_hits, sorted_hits
from rca.privacy.identifiers import (
    CATEGORY_NOUN,
    Declared,
    DeclaredMatch,
    DeclaredMatcher,
    declared_identifiers,
    pseudonym,
    public_codes,
    record_regions,
)
from rca.privacy.wording import NOUNS, Found, category_text

WITHHELD = "[withheld]"


class Scrubber:
    """Replaces identifiers in text the way an audience's privacy setting says."""

    def __init__(
        self,
        identifiers: list[Declared],
        mode: PersonalData,
        regions: tuple[str, ...] = ("US",),
        public: frozenset[str] = frozenset(),
    ) -> None:
        self.identifiers = identifiers
        self.mode = mode
        self.regions = regions
        # Pattern hits that are codes the record's schema allows (its case id,
        # version, related case ids): left as they are, as the guard leaves them.
        self.public = public
        self.matcher = DeclaredMatcher.of(identifiers)
        self._done: dict[str, str] = {}

    @classmethod
    def for_record(cls, record: CaseReview, mode: PersonalData) -> Scrubber:
        """The record's scrubber for an audience's setting."""
        return cls(declared_identifiers(record), mode, record_regions(record), public_codes(record))

    def replacement(self, item: Declared) -> str:
        """What the audience reads instead of this identifier."""
        if self.mode is PersonalData.RAW:
            return item.value
        if self.mode is PersonalData.PSEUDONYM:
            return pseudonym(item)
        return NOUNS[item.kind].one

    def __call__(self, text: str) -> str:
        done = self._done.get(text)
        if done is None:
            done = self._done[text] = self._scrub(text)
        return done

    def _scrub(self, text: str) -> str:
        keep: list[tuple[int, int]] = []  # spans of declared values a raw audience may read
        if self.mode is PersonalData.RAW:
            keep = [(m.start, m.end) for m in self.matcher.find(text)]
        else:
            text = self._replace_declared(text)
        # Undeclared identifier-like text is scrubbed for every audience, raw
        # included: a profile's clearance covers the identifiers a record declares.
        hits = sorted_hits(pattern_hits(text, self.regions))
        out, last = [], 0
        for hit in hits:
            if hit.start < last or any(s < hit.end and hit.start < e for s, e in keep):
                continue  # overlaps a longer hit already replaced, or a declared raw value
            if hit.text in self.public:
                continue
            out.append(text[last : hit.start])
            out.append(PATTERN_LABEL[hit.kind])
            last = hit.end
        out.append(text[last:])
        return "".join(out)

    def _replace_declared(self, text: str) -> str:
        matches = self.matcher.find(text)
        if not matches:
            return text
        if self.mode is PersonalData.CATEGORY:
            found = [Found(m.start, m.end, m.item.kind, m.item.index) for m in matches]
            return category_text(text, found)
        used: set[str] = set()

        def declared(m: DeclaredMatch) -> str:
            stand_in = self.replacement(m.item)
            used.add(stand_in)
            return stand_in

        text = self.matcher.sub(text, declared)
        for stand_in in used:
            text = _collapse(text, stand_in)
        return text


def _collapse(text: str, stand_in: str) -> str:
    # "account 8843120076" -> "account Account A" -> "Account A"; likewise
    # "agency case FCSO-1" -> "Agency case 1", and "the Requester 1" -> "Requester 1".
    return _collapser(stand_in.rsplit(" ", 1)[0]).sub("", text)


@functools.lru_cache(maxsize=64)
def _collapser(family: str) -> re.Pattern[str]:
    # One pattern a pseudonym family ("Account", "Agency case"), not one a
    # stand-in: a case with 5,000 identifiers compiles a dozen, not 5,000.
    words = family.split()
    nouns = {" ".join(words[:n]) for n in range(1, len(words) + 1)} | {"the"}
    alternatives = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
    return re.compile(rf"(?i:\b(?:(?:{alternatives})\s+)+)(?={re.escape(family)} (?:[A-Z]+|\d+)\b)")


def redact_record(
    record: CaseReview, privacy: Privacy, scrub: Scrubber | None = None
) -> dict[str, Any]:
    """The record as this audience may see it: plain data, nothing it may not read.

    `scrub` is this record's Scrubber for the audience, when the caller has one.
    """
    scrub = scrub or Scrubber.for_record(record, privacy.personal)
    identifiers = scrub.identifiers
    # The declarations are viewed below, not walked: 5,000 of them would each be
    # scrubbed (to their own stand-in) only to be thrown away.
    view = _model(record, privacy, scrub, skip="identifiers")
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


def _model(obj: BaseModel, privacy: Privacy, scrub: Scrubber, skip: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    cls = type(obj)
    for name in cls.model_fields:
        if name == skip:
            out[name] = None  # the caller fills it in, in its place
            continue
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
            # Ids, codes and case ids are printed too: a cause id can hold an identifier.
            return scrub(value)
        if level is Sensitivity.PERSONAL:
            return scrub(value)  # a declared value becomes its stand-in
        if not _allowed(level, privacy):
            return WITHHELD
        return scrub(value)
    raise TypeError(f"cannot redact a {type(value).__name__}")
