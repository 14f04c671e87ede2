"""The leak guard over a whole site: every file, against every case's identifiers.

A site page can hold text from many cases (the index, the actions page, a
case's similar cases, the search index), so each file is checked for the
declared identifiers of every case in the library, and for the undeclared
patterns, with the guard's own extractors and matching rules
(`rca.privacy.guard.Scanner`). Pagefind's index files are gzip-compressed
with a marker; they are decompressed and read as text, so the words and
excerpts search can return are checked like any page.

Clean verdicts are remembered by the file's bytes and what was looked for
(`verdicts`), so a rebuild after one edit reads only what changed.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rca.artifact import Artifact
from rca.audience import PersonalData, Profile
from rca.errors import Leak, LeakError
from rca.load import LoadedRecord

if TYPE_CHECKING:
    from rca.privacy.extract import Chunk
    from rca.privacy.guard import Scanner
    from rca.privacy.identifiers import Declared

PAGEFIND_MARK = b"pagefind_dcd"


def chunks_of(artifact: Artifact) -> list[Chunk]:
    """Every text chunk of a site file, read by the guard's extractors.

    Pagefind's index files are decompressed and read as text (their words and
    excerpts are UTF-8 inside CBOR or JSON). Its WebAssembly program, the same
    bytes for every site, is checked for declared identifiers only, as the
    guard does for binary parts. A stylesheet is read as the <style> of a page,
    where CSS at-rules (@media) are not taken for @handles.
    """
    from rca.privacy.extract import Chunk, Unreadable, extract

    name, data = artifact.name, artifact.data
    if name.startswith("pagefind/") and data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data).removeprefix(PAGEFIND_MARK)
        if data[:4] == b"\0asm":
            return [Chunk("WebAssembly, bytes as UTF-8", data.decode("utf-8", "replace"), False)]
        if data[:1] in (b"{", b"["):  # a fragment: the page's text and metadata as JSON
            return extract(f"{name} (decompressed)", data)
        # The word index, metadata and filters are CBOR: their strings, one a line.
        try:
            words = "\n".join(cbor_strings(data))
        except ValueError as exc:
            raise Unreadable(f"Pagefind index is not the CBOR expected: {exc}") from None
        return [Chunk("search index, its words", words)]
    if name.endswith(".css"):
        page = b"<!DOCTYPE html><html><head><style>" + data + b"</style></head></html>"
        return extract(f"{name}.html", page)
    return extract(name, data)


@dataclass(frozen=True)
class ScanPart:
    """What the guard looks for because of one record: plain data, kept between runs.

    Its declared identifiers, the texts its schema allows that look like
    identifiers (codes, counts, its hash), and the phone regions it suggests.
    """

    case_id: str
    identifiers: tuple[Declared, ...]
    public: frozenset[str]
    regions: tuple[str, ...]

    @classmethod
    def of(cls, loaded: LoadedRecord) -> ScanPart:
        """The part of one valid record."""
        from rca.privacy.guard import _public_pattern_texts
        from rca.privacy.identifiers import declared_identifiers, record_regions

        return cls(
            loaded.record.case_id,
            tuple(declared_identifiers(loaded.record)),
            _public_pattern_texts(loaded),
            record_regions(loaded.record),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON data (`from_dict` reads it back)."""
        return {
            "case_id": self.case_id,
            "identifiers": [[i.kind.value, i.value, i.label, i.index] for i in self.identifiers],
            "public": sorted(self.public),
            "regions": list(self.regions),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanPart:
        """The part `as_dict` wrote; KeyError, TypeError or ValueError if it is not one."""
        from rca.model import IdentifierKind
        from rca.privacy.identifiers import Declared

        identifiers = tuple(
            Declared(IdentifierKind(kind), str(value), label if label is None else str(label),
                     int(index))
            for kind, value, label, index in data["identifiers"]
        )  # fmt: skip
        public = frozenset(str(t) for t in data["public"])
        return cls(str(data["case_id"]), identifiers, public, tuple(map(str, data["regions"])))


@dataclass(frozen=True)
class Library:
    """Every case of a site as the guard needs it: each record's part, and the records on demand.

    The parts decide whether a file is clean; the records (loaded only when a
    file is not) say which record field a leak comes from.
    """

    parts: tuple[ScanPart, ...]
    records: Callable[[], Sequence[LoadedRecord]]

    @classmethod
    def of(cls, records: Sequence[LoadedRecord]) -> Library:
        """The library of records already loaded."""
        return cls(tuple(ScanPart.of(r) for r in records), lambda: records)


def scan_key(library: Library | Sequence[LoadedRecord], profile: Profile) -> str:
    """What a scan looks for: every case's identifiers, allowed codes and phone regions, the rule.

    An edit that changes a record's text but not what the guard looks for keeps the
    key, so the clean verdicts of files whose bytes did not change still hold.
    """
    parts = library.parts if isinstance(library, Library) else Library.of(library).parts
    digest = hashlib.sha256(profile.privacy.personal.value.encode())
    for part in sorted(
        (
            p.case_id,
            sorted((i.kind.value, i.value) for i in p.identifiers),
            sorted(p.public),
            p.regions,
        )
        for p in parts
    ):
        digest.update(repr(part).encode())
    return digest.hexdigest()


def check_site(
    records: Library | Sequence[LoadedRecord],
    profile: Profile,
    artifacts: Sequence[Artifact],
    verdicts: MutableMapping[str, str] | None = None,
    *,
    strict: bool = False,
    codes: Sequence[str] = (),
) -> None:
    """Raise LeakError listing every leak in the site's files; return if there is none.

    `records`: the library's records, or its parts (`Library`). `verdicts` maps a
    file name to the key of its last clean scan; files whose key is unchanged are
    not read again, and clean files are recorded. `strict` holds the files to "no
    identifier at all" whatever the profile (the trends). `codes` are texts rca
    printed that may look like identifiers (the trends' data hashes): a pattern
    hit on exactly one of them is allowed.
    """
    library = records if isinstance(records, Library) else Library.of(records)
    if not library.parts:
        return
    verdicts = verdicts if verdicts is not None else {}
    config = scan_key(library, profile) + ("strict" if strict else "") + repr(sorted(codes))
    todo = [
        (a, key)
        for a in artifacts
        if verdicts.get(a.name) != (key := hashlib.sha256(config.encode() + a.data).hexdigest())
    ]
    if not todo:
        return
    leaks = _scan(_library_scanner(library.parts, tuple(codes)), profile, todo, strict, verdicts)
    if leaks:
        # Found by the parts: said again with the records, which know each leak's field.
        from rca.privacy.guard import Scanner

        scanner = Scanner.of_library(library.records())
        _add_codes(scanner, tuple(codes))
        again = _scan(scanner, profile, [t for t in todo if t[0].name in leaks], strict, {})
        raise LeakError(
            f"site ({profile.id})", [x for f in (again or leaks).values() for x in f.values()]
        )


def _scan(
    scanner: Scanner,
    profile: Profile,
    todo: Sequence[tuple[Artifact, str]],
    strict: bool,
    verdicts: MutableMapping[str, str],
) -> dict[str, dict[tuple[str, str, str, str], Leak]] | None:
    """The leaks found in each file, by file name (None if none); clean files are recorded."""
    from rca.privacy.extract import Unreadable

    allow_declared = profile.privacy.personal is PersonalData.RAW and not strict
    leaks: dict[str, dict[tuple[str, str, str, str], Leak]] = {}
    for artifact, key in todo:
        try:
            chunks = chunks_of(artifact)
        except (Unreadable, OSError, EOFError) as exc:  # a corrupt gzip stream included
            leak = Leak(artifact.name, "whole file",
                        f"cannot be read, so cannot be shown clean: {exc}", "unreadable")  # fmt: skip
            leaks.setdefault(artifact.name, {})[(leak.artifact, leak.where, leak.what, "")] = leak
            continue
        found = scanner.scan(artifact.name, chunks, allow_declared=allow_declared)
        for leak in found:
            place = (leak.artifact, leak.where, leak.what, leak.variant)
            leaks.setdefault(artifact.name, {}).setdefault(place, leak)
        if not found:
            verdicts[artifact.name] = key
    return leaks or None


def _library_scanner(parts: Sequence[ScanPart], codes: tuple[str, ...] = ()) -> Scanner:
    """One scanner for the whole library, from its parts; kept per library in this process.

    It decides whether a file is clean; a leak's source (the record field) is
    said by `Scanner.of_library` over the records. Each brief prints its
    record's hash (12 hex digits, sometimes all digits); every record's hash is a
    schema-constrained code, and `codes` (the trends' data hashes) likewise.
    """
    from rca.privacy.guard import Scanner
    from rca.privacy.identifiers import DeclaredMatcher

    identifiers = [i for p in parts for i in p.identifiers]
    key = (tuple(identifiers), tuple(p.regions for p in parts), tuple(p.public for p in parts))
    if _SCANNER and _SCANNER[0] == key:
        matcher, regions, public = _SCANNER[1]
    else:
        matcher = DeclaredMatcher(identifiers)
        regions = tuple(dict.fromkeys(x for p in parts for x in p.regions))
        public = frozenset().union(*(p.public for p in parts))
        _SCANNER[:] = [key, (matcher, regions, public)]
    scanner = Scanner.of_parts(identifiers, regions, public, matcher)
    _add_codes(scanner, codes)
    return scanner


def _add_codes(scanner: Scanner, codes: tuple[str, ...]) -> None:
    from rca.privacy.detect import pattern_hits

    scanner.public = scanner.public | {hit.text for text in codes for hit in pattern_hits(text)}


_SCANNER: list[Any] = []  # [the library's key, (its matcher, regions, allowed texts)]


_SIZES = {24: 1, 25: 2, 26: 4, 27: 8}  # CBOR: bytes of the argument after the head


def cbor_strings(data: bytes) -> list[str]:
    """Every text string in a CBOR document (RFC 8949), in order; ValueError if truncated.

    One pass over the items, without following their nesting: an array or a map
    only announces how many items follow, and they follow inline, so every head
    is met in order (a chunked string's chunks one by one, its end a one-byte
    break). Only strings carry bytes after their head. At 1,000 cases the guard
    reads about 70 changed index files after an edit; a recursive reader took 9 s.
    """
    out: list[str] = []
    pos, end = 0, len(data)
    while pos < end:
        byte = data[pos]
        pos += 1
        if byte < 24 or 0x80 <= byte < 0x98:  # a small integer or a short array's head,
            continue  # most of an index: no bytes of their own follow
        major, value = byte >> 5, byte & 0x1F
        if value == 31:  # an indefinite-length item starts, or one ends (the break)
            continue
        if value >= 24:
            size = _SIZES.get(value)
            if size is None or pos + size > end:
                raise ValueError(f"bad length at byte {pos - 1}")
            value = int.from_bytes(data[pos : pos + size], "big")
            pos += size
        if major == 2 or major == 3:
            if pos + value > end:
                raise ValueError("truncated string")
            if major == 3:
                out.append(data[pos : pos + value].decode("utf-8"))
            pos += value
    return out
