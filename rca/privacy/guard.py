"""The leak guard: the last check before anything is written, and it fails closed.

Redaction decides what each audience reads; the guard does not trust it. It
reads back every artifact the way a person or a tool could (see `extract`) and
looks for every declared identifier in its simple variants (case, digits only,
URL-encoded, expanded IPv6, other separators, a line break inside a name), in
the text as written and decoded (HTML entities, %-escapes, Unicode
compatibility forms and invisible characters), and for undeclared
identifier-like patterns (emails, phones, IP addresses, @handles, long numbers).

Which hits are leaks depends on the artifact's audience: a `raw` profile may
read the identifiers the record declares; nothing else may. An undeclared
pattern is a leak for every audience. One hit anywhere stops the build: the
error lists every hit, and `rca.pipeline` writes nothing.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from rca.audience import PersonalData, Profile
from rca.errors import Leak, LeakError, TooLargeError
from rca.load import LoadedRecord, format_path
from rca.privacy.detect import PATTERN_NOUN, pattern_hits
from rca.privacy.extract import Chunk, TooLarge, Unreadable, extract
from rca.privacy.identifiers import (
    Declared,
    DeclaredMatcher,
    declared_identifiers,
    pseudonym,
    public_codes,
    record_regions,
)
from rca.privacy.normalise import skeleton

if TYPE_CHECKING:
    from rca.artifact import Artifact


def check_artifacts(
    loaded: LoadedRecord, profiles: dict[str, Profile], artifacts: Sequence[Artifact]
) -> None:
    """Raise LeakError listing every leak in a case's artifacts; return if there is none."""
    too_large: list[str] = []
    leaks = find_leaks(loaded, profiles, artifacts, too_large=too_large)
    if leaks:
        raise LeakError(loaded.record.case_id, leaks)
    if too_large:
        raise TooLargeError(loaded.record.case_id, too_large)


def find_leaks(
    loaded: LoadedRecord,
    profiles: dict[str, Profile],
    artifacts: Sequence[Artifact],
    *,
    too_large: list[str] | None = None,
) -> list[Leak]:
    """Every leak in a case's artifacts, in artifact order.

    An artifact too large to read is not a leak: it is listed in `too_large`
    when given (else reported as unreadable, which fails closed all the same).
    """
    config = _scan_config(loaded)
    scanner: Scanner | None = None
    leaks: list[Leak] = []
    for artifact in artifacts:
        profile = profiles.get(artifact.audience)
        # An artifact of an audience with no profile is held to the strictest rule.
        raw = profile is not None and profile.privacy.personal is PersonalData.RAW
        # The verdict is a pure function of the bytes, how they are read (the
        # extension), the audience's rule and the identifiers looked for; an
        # artifact already found clean under all four (a diagram unchanged by an
        # edit, a rebuild) is not read again.
        key = hashlib.sha256(
            f"{config}\0{raw}\0{Path(artifact.name).suffix}\0".encode() + artifact.data
        ).hexdigest()
        if key in _CLEAN:
            _CLEAN.move_to_end(key)
            continue
        scanner = scanner or Scanner(loaded)
        try:
            chunks = extract(artifact.name, artifact.data)
        except Unreadable as exc:
            if isinstance(exc, TooLarge) and too_large is not None:
                too_large.append(f"{scanner.mask(artifact.name)}: {exc}")
                continue
            leaks.append(
                scanner.safe(
                    Leak(
                        artifact.name,
                        "whole file",
                        f"cannot be read, so cannot be shown clean: {exc}",
                        "unreadable",
                    )
                )
            )
            continue
        found = scanner.scan(artifact.name, chunks, allow_declared=raw)
        if not found:
            _CLEAN[key] = None
            if len(_CLEAN) > _CLEAN_SIZE:
                _CLEAN.popitem(last=False)
        leaks += found
    return leaks


# Keys of artifacts found clean (see find_leaks); a verdict never changes for a key.
_CLEAN: OrderedDict[str, None] = OrderedDict()
_CLEAN_SIZE = 2048


def _scan_config(loaded: LoadedRecord) -> str:
    """What a scan looks for in a case: its identifiers and the texts its schema allows."""
    identifiers = sorted((d.kind.value, d.value) for d in declared_identifiers(loaded.record))
    public = sorted(_public_pattern_texts(loaded))
    return hashlib.sha256(repr((identifiers, public)).encode()).hexdigest()


class Scanner:
    """The record's identifiers as one regex, with what the guard needs to explain a hit."""

    def __init__(self, loaded: LoadedRecord) -> None:
        identifiers = declared_identifiers(loaded.record)
        self._setup(
            [loaded],
            identifiers,
            DeclaredMatcher.of(identifiers),
            record_regions(loaded.record),
            _public_pattern_texts(loaded),
        )

    def _setup(
        self,
        records: Sequence[LoadedRecord],
        identifiers: Sequence[Declared],
        matcher: DeclaredMatcher,
        regions: tuple[str, ...],
        public: frozenset[str],
    ) -> None:
        # Every constructor ends here, so a scanner's state is set in one place.
        self.records = list(records)
        self.identifiers = list(identifiers)
        self.matcher = matcher
        self.regions = regions
        self.public = public
        self._fields = [(r, path, text) for r in records for path, text in _strings(r.record, ())]
        self._folded_fields: list[str] | None = None
        self._memo: dict[tuple[str, bool, bool], list[_Hit]] = {}

    @classmethod
    def of_library(cls, records: Sequence[LoadedRecord]) -> Scanner:
        """One scanner for many records: every case's identifiers in one matcher, one pass.

        For outputs that hold text from many cases (the trends, a site): its cost
        grows with the identifiers, not with identifiers times cases. It knows every
        case's schema-constrained codes and hashes and every record's phone regions;
        a leak's "from record field" note names the case's file where the text is.
        """
        if not records:
            raise ValueError("a library scanner needs at least one record")
        identifiers = [i for r in records for i in declared_identifiers(r.record)]
        scanner = cls.__new__(cls)
        scanner._setup(
            records,
            identifiers,
            DeclaredMatcher(identifiers),  # not kept in of()'s small cache
            tuple(dict.fromkeys(x for r in records for x in record_regions(r.record))),
            frozenset().union(*(_public_pattern_texts(r) for r in records)),
        )
        return scanner

    @classmethod
    def of_parts(
        cls,
        identifiers: Sequence[Declared],
        regions: tuple[str, ...],
        public: frozenset[str],
        matcher: DeclaredMatcher | None = None,
    ) -> Scanner:
        """A library scanner from what the records add (rca.site.guard keeps it between runs).

        It finds what `of_library` finds; knowing no record's fields, it cannot say
        which field a leak comes from (`of_library` over the records can).
        """
        scanner = cls.__new__(cls)
        if matcher is None:
            matcher = DeclaredMatcher(list(identifiers))
        scanner._setup([], identifiers, matcher, regions, public)
        return scanner

    def scan(
        self,
        artifact: str,
        chunks: Sequence[Chunk],
        *,
        allow_declared: bool,
        patterns: bool = True,
    ) -> list[Leak]:
        """The leaks in one artifact's chunks (`patterns=False`: declared identifiers only)."""
        leaks: dict[tuple[str, str, str], Leak] = {}
        # A place read twice (a PDF page with and without guessed spaces, DOT
        # source as written and as its labels show): report what the second
        # reading adds, not what the first already found.
        reported: dict[str, set[str]] = defaultdict(set)
        for chunk in chunks:
            found: dict[str, list[tuple[str, str, _Hit]]] = {}  # key -> (where, variant, hit)
            earlier = reported[chunk.where]
            for hit in self._hits(chunk.text, strict=not chunk.patterns, patterns=patterns):
                if hit.key in earlier:
                    continue
                found.setdefault(hit.key, []).append((_where(chunk, hit.start), hit.variant, hit))
            earlier |= set(found)
            for key, places in found.items():
                whole = key.removesuffix(_FRAGMENT)
                if key.endswith(_FRAGMENT) and (whole in found or whole in earlier):
                    continue  # the whole value is found too
                for where, variant, hit in places:
                    if hit.item is None or not allow_declared:
                        leaks.setdefault(
                            (where, hit.what, variant),
                            self._leak(artifact, where, hit.what, variant, hit.text, hit.item),
                        )
        return list(leaks.values())

    def _hits(self, text: str, *, strict: bool, patterns: bool) -> list[_Hit]:
        # The same text is often read twice in a case (a part both decks share,
        # a diagram's labels in its SVG and its DOT): its hits are found once.
        key = (text, strict, patterns)
        hits = self._memo.get(key)
        if hits is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            hits = self._memo[key] = list(self._find_hits(text, strict=strict, patterns=patterns))
        return hits

    def _find_hits(self, text: str, *, strict: bool, patterns: bool) -> Iterator[_Hit]:
        # Text that is not meant to be read (geometry, ids, bytes) is many
        # unrelated values side by side: a declared value must stand alone there.
        spans: list[tuple[int, int]] = []
        for match in self.matcher.find(text, strict=strict):
            spans.append((match.start, match.end))
            yield _Hit(match.start, match.text, match.item, match.variant)
        if strict or not patterns:
            return
        for hit in pattern_hits(text, self.regions):
            if hit.text in self.public or any(s < hit.end and hit.start < e for s, e in spans):
                continue  # a code the record's schema allows, or a declared value
            item = self._fragment_of(hit.text)
            if item is not None:  # e.g. an IPv6 address a PDF broke over two lines
                yield _Hit(hit.start, hit.text, item, "fragment")
            else:
                yield _Hit(
                    hit.start,
                    hit.text,
                    None,
                    f"pattern:{hit.kind}",
                    f"undeclared {PATTERN_NOUN[hit.kind]}",
                )

    def _fragment_of(self, text: str) -> Declared | None:
        folded = skeleton(text)
        if len(folded) < 6:
            return None
        return next(
            (item for variant, item in self.matcher.variants.items() if folded in variant), None
        )

    def _leak(
        self, artifact: str, where: str, what: str, variant: str, text: str, item: Declared | None
    ) -> Leak:
        value = item.value if item is not None else None
        return self.safe(Leak(artifact, where, what, variant, self._source(text, value)))

    def _source(self, text: str, value: str | None) -> str:
        # Which record field holds the text, so a person knows what to fix.
        needles = {skeleton(text)}
        if value is not None:
            needles.add(skeleton(value))
        needles.discard("")
        if self._folded_fields is None:
            self._folded_fields = [skeleton(field_text) for _, _, field_text in self._fields]
        for (loaded, path, _), folded in zip(self._fields, self._folded_fields, strict=True):
            if path[-1:] == ("value",) and path[:1] == ("identifiers",):
                continue  # the declaration itself
            if path[:1] == ("requests",) and path[-2:] in (
                ("requester", "agency"),
                ("issued_by", "name"),
            ):
                continue  # declarations too: the agencies' and authorities' names
            if any(n in folded for n in needles):
                line, column = loaded.where_v2(path)
                at = "".join(f":{n}" for n in (line, column) if n is not None)
                return f"from record field {format_path(path)} ({loaded.path.name}{at})"
        return "not in the record's text"

    def safe(self, leak: Leak) -> Leak:
        """The leak with anything identifier-like in its own words masked (belt and braces)."""
        return Leak(
            self.mask(leak.artifact),
            self.mask(leak.where),
            self.mask(leak.what),
            leak.variant,
            self.mask(leak.source),
        )

    def mask(self, text: str) -> str:
        """Text with declared identifiers and undeclared patterns replaced by [masked]."""
        text = self.matcher.sub(text, lambda _: "[masked]")
        for hit in sorted(pattern_hits(text, self.regions), key=lambda h: -h.start):
            if hit.text not in self.public:
                text = text[: hit.start] + "[masked]" + text[hit.end :]
        return text


@dataclass(frozen=True)
class _Hit:
    start: int
    text: str
    item: Declared | None  # the declared identifier, or None for an undeclared pattern
    variant: str
    undeclared: str = ""  # what an undeclared pattern hit is

    @property
    def what(self) -> str:
        return _describe(self.item) if self.item is not None else self.undeclared

    @property
    def key(self) -> str:
        if self.item is None:
            return f"{self.what}:{self.text}"
        return self.what + (_FRAGMENT if self.variant == "fragment" else "")


_FRAGMENT = " (fragment)"
_MEMO_SIZE = 4096  # texts whose hits a scanner keeps (a case has a few hundred)


def _where(chunk: Chunk, offset: int) -> str:
    if not chunk.lines:
        return chunk.where
    line = next((n for start, n in reversed(chunk.lines) if start <= offset), None)
    return f"{chunk.where}, line {line}" if line is not None else chunk.where


def _describe(item: Declared | None) -> str:
    if item is None:
        return "declared identifier"
    return f"{item.kind.value} ({pseudonym(item)})"


# --------------------------------------------------------------------------- the record


def _strings(obj: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string in the record with its path, in field order."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _strings(getattr(obj, name), (*path, name))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from _strings(value, (*path, index))
    elif isinstance(obj, str):
        yield path, str(obj)


def _numbers(obj: Any) -> Iterator[int]:
    """Every whole number in the record (counts)."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _numbers(getattr(obj, name))
    elif isinstance(obj, list):
        for value in obj:
            yield from _numbers(value)
    elif isinstance(obj, int) and not isinstance(obj, bool):
        yield obj


def _public_pattern_texts(loaded: LoadedRecord) -> frozenset[str]:
    # A case id like ESC-2026030401, a version like 1.2.3.4, a count of a
    # billion or the record's hash look like identifiers to the patterns but
    # are not: the schema constrains them. Pattern hits on exactly these are
    # allowed (other ids are not: one that looks like a phone number is
    # reported, and renamed); declared identifiers are checked regardless.
    tokens = {loaded.sha256, loaded.sha256[:12], *map(str, _numbers(loaded.record))}
    return public_codes(loaded.record) | frozenset(
        hit.text for token in tokens for hit in pattern_hits(token)
    )
