"""What the engine is tuned by: chain depths, the blame/hindsight lexicon, strictness."""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from rca.errors import UsageError
from rca.taxonomy import Taxonomy

LEXICON_FILE = "lexicon.yaml"

# Fishbone categories about people (in the built-in taxonomies): a root cause in
# one of them may reasonably be answered by training; any other root cause is
# systemic, and training alone is too weak a control for it (rule RCA407).
PEOPLE_CATEGORIES = frozenset({"people", "man"})


@dataclass(frozen=True)
class Lexicon:
    """Phrases that flag blame and hindsight, compiled once."""

    blame: tuple[str, ...]
    hindsight: tuple[str, ...]
    origin: str = "built-in"

    @property
    def blame_pattern(self) -> re.Pattern[str]:
        """One regex matching any blame phrase."""
        return _compile(self.blame)

    @property
    def hindsight_pattern(self) -> re.Pattern[str]:
        """One regex matching any hindsight phrase."""
        return _compile(self.hindsight)


@cache
def _compile(phrases: tuple[str, ...]) -> re.Pattern[str]:
    if not phrases:
        return re.compile(r"(?!)")  # matches nothing
    # Whitespace in a phrase matches any run of whitespace (statements wrap lines).
    body = "|".join("(?:" + re.sub(r"[ ]+", r"\\s+", p) + ")" for p in phrases)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _phrases(data: Mapping[str, Any], key: str, origin: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise UsageError(f"{origin}: '{key}' must be a list of phrases (text)")
    for phrase in value:
        try:
            re.compile(phrase)
        except re.error as exc:
            raise UsageError(
                f"{origin}: {key}: '{phrase}' is not a valid pattern ({exc})"
            ) from None
    return tuple(p.strip() for p in value)


def parse_lexicon(text: str, origin: str) -> Lexicon:
    """A lexicon from YAML text: `blame:` and `hindsight:` lists of phrases or regexes."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{origin}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{origin}: expected a mapping with 'blame' and 'hindsight' lists")
    unknown = sorted(set(data) - {"blame", "hindsight"})
    if unknown:
        raise UsageError(
            f"{origin}: unknown key(s) {', '.join(unknown)}; expected blame, hindsight"
        )
    return Lexicon(_phrases(data, "blame", origin), _phrases(data, "hindsight", origin), origin)


@cache
def builtin_lexicon() -> Lexicon:
    """The lexicon shipped with rca (rca/analyse/lexicon.yaml)."""
    entry = importlib.resources.files("rca.analyse") / LEXICON_FILE
    return parse_lexicon(entry.read_text(encoding="utf-8"), LEXICON_FILE)


def load_lexicon(path: Path) -> Lexicon:
    """An organisation's own lexicon, replacing the built-in one."""
    from rca.errors import InputFileError
    from rca.fs import read_capped

    try:
        text = read_capped(path, 1 << 20, what="a lexicon").decode("utf-8")
    except InputFileError as exc:
        raise UsageError(str(exc)) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: a lexicon must be UTF-8 text") from None
    return parse_lexicon(text, str(path))


@dataclass(frozen=True)
class AnalysisConfig:
    """Settings of one analysis run; the defaults suit most teams."""

    min_chain_depth: int = 3  # a why-chain with fewer steps stops too early (RCA301)
    max_chain_depth: int = 8  # a longer one is probably narrating, not explaining (RCA302)
    lexicon: Lexicon = field(default_factory=builtin_lexicon)
    strict: bool = False  # warnings become errors
    people_categories: frozenset[str] = PEOPLE_CATEGORIES
    taxonomies: Mapping[str, Taxonomy] = field(default_factory=dict)  # beside the built-ins

    def __post_init__(self) -> None:
        if self.min_chain_depth < 1 or self.max_chain_depth < self.min_chain_depth:
            raise UsageError(
                f"chain depth: need 1 <= minimum ({self.min_chain_depth}) "
                f"<= maximum ({self.max_chain_depth})"
            )
