"""The unit that flows from rendering through the leak guard to the disk."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Artifact:
    """One output file, in memory until every artifact of the case has passed the guard."""

    name: str  # path under <out>/<case-id>/
    data: bytes
    audience: str  # the profile whose clearance applies
