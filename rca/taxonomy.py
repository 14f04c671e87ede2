"""Fishbone taxonomies: the categories a cause may belong to, shipped as YAML files."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TAXONOMY = "ler"


@dataclass(frozen=True)
class Category:
    """One bone of the fishbone."""

    id: str
    label: str
    hint: str


@dataclass(frozen=True)
class Taxonomy:
    """A named, ordered set of fishbone categories."""

    id: str
    title: str
    categories: tuple[Category, ...]

    def get(self, category_id: str) -> Category | None:
        """The category with this id, or None."""
        return next((c for c in self.categories if c.id == category_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        """Category ids in display order."""
        return tuple(c.id for c in self.categories)


def _parse(data: Any, origin: str) -> Taxonomy:
    # Taxonomy files are few and written by maintainers or an organisation's
    # admin; a malformed one is a configuration error, reported with its origin.
    from rca.errors import RcaError

    try:
        categories = tuple(
            Category(id=str(cid), label=str(c["label"]), hint=str(c.get("hint", "")))
            for cid, c in data["categories"].items()
        )
        return Taxonomy(id=str(data["id"]), title=str(data["title"]), categories=categories)
    except (KeyError, TypeError, AttributeError) as exc:
        raise RcaError(f"{origin}: not a valid taxonomy file ({exc!r})") from None


@cache
def builtin_taxonomies() -> dict[str, Taxonomy]:
    """The taxonomies shipped with rca, by id."""
    found: dict[str, Taxonomy] = {}
    folder = importlib.resources.files("rca") / "taxonomies"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            tax = _parse(yaml.safe_load(entry.read_text(encoding="utf-8")), entry.name)
            found[tax.id] = tax
    return found


def load_taxonomy_file(path: Path) -> Taxonomy:
    """An organisation's own taxonomy from a YAML file (same shape as the built-ins)."""
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
