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
from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from rca.artifact import Artifact
from rca.audience import PersonalData, Profile
from rca.errors import Leak, LeakError
from rca.load import LoadedRecord

if TYPE_CHECKING:
    from rca.privacy.extract import Chunk
    from rca.privacy.guard import Scanner

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


def scan_key(records: Sequence[LoadedRecord], profile: Profile) -> str:
    """What a scan looks for: every case's identifiers, allowed codes and phone regions, the rule.

    An edit that changes a record's text but not what the guard looks for keeps the
    key, so the clean verdicts of files whose bytes did not change still hold.
    """
    from rca.privacy.identifiers import declared_identifiers, public_codes, record_regions

    digest = hashlib.sha256(profile.privacy.personal.value.encode())
    for part in sorted(
        (
            loaded.record.case_id,
            sorted((i.kind.value, i.value) for i in declared_identifiers(loaded.record)),
            sorted(public_codes(loaded.record)),
            record_regions(loaded.record),
        )
        for loaded in records
    ):
        digest.update(repr(part).encode())
    return digest.hexdigest()


def check_site(
    records: Sequence[LoadedRecord],
    profile: Profile,
    artifacts: Sequence[Artifact],
    verdicts: MutableMapping[str, str] | None = None,
    *,
    strict: bool = False,
    codes: Sequence[str] = (),
) -> None:
    """Raise LeakError listing every leak in the site's files; return if there is none.

    `verdicts` maps a file name to the key of its last clean scan; files whose
    key is unchanged are not read again, and clean files are recorded. `strict`
    holds the files to "no identifier at all" whatever the profile (the trends).
    `codes` are texts rca printed that may look like identifiers (the trends'
    data hashes): a pattern hit on exactly one of them is allowed.
    """
    from rca.privacy.extract import Unreadable

    if not records:
        return
    verdicts = verdicts if verdicts is not None else {}
    allow_declared = profile.privacy.personal is PersonalData.RAW and not strict
    config = scan_key(records, profile) + ("strict" if strict else "") + repr(sorted(codes))
    scanner: Scanner | None = None
    leaks: dict[tuple[str, str, str, str], Leak] = {}
    for artifact in artifacts:
        key = hashlib.sha256(config.encode() + artifact.data).hexdigest()
        if verdicts.get(artifact.name) == key:
            continue
        if scanner is None:
            scanner = _library_scanner(records, tuple(codes))
        try:
            chunks = chunks_of(artifact)
        except (Unreadable, OSError, EOFError) as exc:  # a corrupt gzip stream included
            leak = Leak(artifact.name, "whole file",
                        f"cannot be read, so cannot be shown clean: {exc}", "unreadable")  # fmt: skip
            leaks[(leak.artifact, leak.where, leak.what, leak.variant)] = leak
            continue
        found = scanner.scan(artifact.name, chunks, allow_declared=allow_declared)
        for leak in found:
            leaks.setdefault((leak.artifact, leak.where, leak.what, leak.variant), leak)
        if not found:
            verdicts[artifact.name] = key
    if leaks:
        raise LeakError(f"site ({profile.id})", list(leaks.values()))


def _library_scanner(records: Sequence[LoadedRecord], codes: tuple[str, ...] = ()) -> Scanner:
    """One scanner for the whole library (`Scanner.of_library`), kept per library in this process.

    Each brief prints its record's hash (12 hex digits, sometimes all digits); the
    library scanner knows every record's hash as a schema-constrained code, and
    `codes` (the trends' data hashes) likewise.
    """
    from rca.privacy.detect import pattern_hits
    from rca.privacy.guard import Scanner

    key = (tuple((r.path, r.sha256) for r in records), codes)
    if _SCANNER and _SCANNER[0] == key:
        cached: Scanner = _SCANNER[1]
        return cached
    scanner = Scanner.of_library(records)
    scanner.public |= {hit.text for text in codes for hit in pattern_hits(text)}
    _SCANNER[:] = [key, scanner]
    return scanner


_SCANNER: list[Any] = []  # [the library's key, its scanner]


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
