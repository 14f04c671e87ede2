"""The build cache's manifest, `<out>/.rca-cache.json`: which record built which case folder.

An entry is trusted only when it was written *after* its case folder was
swapped into place, and every writer removes the entries of a case before it
touches that case's folder (`forget_cases`, saved to disk first). So a build
killed at any instant, or a case rewritten by `rca render` or `rca watch`,
leaves no entry that vouches for files it did not produce: the next build
rebuilds the case instead of reporting it cached.

Call these only while holding `rca.fs.output_lock(out)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rca.fs import write_atomic

MANIFEST = ".rca-cache.json"
VERSION = 1


def load_manifest(out_dir: Path) -> dict[str, Any]:
    """The manifest, or an empty one when missing or unreadable (everything is rebuilt)."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": VERSION, "cases": {}}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {"version": VERSION, "cases": {}}
    if not isinstance(data.get("cases"), dict):
        data["cases"] = {}
    return data


def save_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (and durably: it is synced before this returns)."""
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    write_atomic(out_dir / MANIFEST, text.encode("utf-8"))


def drop_cases(manifest: dict[str, Any], case_ids: Iterable[str]) -> bool:
    """Remove every entry for these case ids; True if any was removed."""
    ids = set(case_ids)
    cases: dict[str, Any] = manifest.setdefault("cases", {})
    stale = [source for source, entry in cases.items() if entry.get("case_id") in ids]
    for source in stale:
        del cases[source]
    return bool(stale)


def forget_cases(out_dir: Path, case_ids: Iterable[str]) -> None:
    """Before writing these cases' folders outside a batch build: make the cache distrust them."""
    if not (out_dir / MANIFEST).exists():
        return
    manifest = load_manifest(out_dir)
    if drop_cases(manifest, case_ids):
        save_manifest(out_dir, manifest)
