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
from typing import TYPE_CHECKING

from rca.artifact import Artifact
from rca.audience import PersonalData, Profile
from rca.errors import Leak, LeakError
from rca.load import LoadedRecord

if TYPE_CHECKING:
    from rca.privacy.extract import Chunk

PAGEFIND_MARK = b"pagefind_dcd"


def chunks_of(artifact: Artifact) -> list[Chunk]:
    """Every text chunk of a site file, read by the guard's extractors.

    Pagefind's index files are decompressed and read as text (their words and
    excerpts are UTF-8 inside CBOR or JSON). Its WebAssembly program, the same
    bytes for every site, is checked for declared identifiers only, as the
    guard does for binary parts. A stylesheet is read as the <style> of a page,
    where CSS at-rules (@media) are not taken for @handles.
    """
    from rca.privacy.extract import Chunk, extract

    name, data = artifact.name, artifact.data
    if name.startswith("pagefind/") and data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data).removeprefix(PAGEFIND_MARK)
        if data[:4] == b"\0asm":
            return [Chunk("WebAssembly, bytes as UTF-8", data.decode("utf-8", "replace"), False)]
        return extract(f"{name} (decompressed)", data)
    if name.endswith(".css"):
        page = b"<!DOCTYPE html><html><head><style>" + data + b"</style></head></html>"
        return extract(f"{name}.html", page)
    return extract(name, data)


def scan_key(records: Sequence[LoadedRecord], profile: Profile) -> str:
    """What a scan looks for: every case's identifiers and allowed codes, and the rule."""
    from rca.privacy.identifiers import declared_identifiers

    digest = hashlib.sha256(profile.privacy.personal.value.encode())
    for loaded in records:
        digest.update(loaded.record.case_id.encode() + b"\0" + loaded.sha256.encode())
        for item in declared_identifiers(loaded.record):
            digest.update(f"{item.kind.value}\0{item.value}\0".encode())
    return digest.hexdigest()


def check_site(
    records: Sequence[LoadedRecord],
    profile: Profile,
    artifacts: Sequence[Artifact],
    verdicts: MutableMapping[str, str] | None = None,
) -> None:
    """Raise LeakError listing every leak in the site's files; return if there is none.

    `verdicts` maps a file name to the key of its last clean scan; files whose
    key is unchanged are not read again, and clean files are recorded.
    """
    from rca.privacy.extract import Unreadable
    from rca.privacy.guard import Scanner
    from rca.privacy.identifiers import declared_identifiers, declared_pattern

    if not records:
        return
    verdicts = verdicts if verdicts is not None else {}
    config = scan_key(records, profile)
    allow_declared = profile.privacy.personal is PersonalData.RAW
    scanner: Scanner | None = None
    leaks: dict[tuple[str, str, str, str], Leak] = {}
    for artifact in artifacts:
        key = hashlib.sha256(config.encode() + artifact.data).hexdigest()
        if verdicts.get(artifact.name) == key:
            continue
        if scanner is None:
            # One scanner for the whole library: every case's declared identifiers in one
            # pattern, and every case's schema-constrained codes allowed (as rca.trends does).
            scanner = Scanner(records[0])
            everything = [item for r in records for item in declared_identifiers(r.record)]
            scanner.identifiers = everything
            scanner.declared, scanner.by_variant = declared_pattern(everything)
            scanner.public = frozenset().union(*(Scanner(r).public for r in records))
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
