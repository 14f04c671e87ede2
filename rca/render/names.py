"""What a reader calls a cause or an action: a short title in words, the id only as a badge.

Slides, diagrams and briefs name causes by the record's `title` when the
reviewer wrote one, else by a title derived here from the statement, always
the same way: its first clause, cut at a word boundary. The record's id is the
one numbering every output shares, shown as a small badge beside the words.
"""

from __future__ import annotations

import re
from typing import Any

TITLE_CHARS = 80  # about three lines in a slide diagram's box at 14 pt
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
# Where a clause ends: a title stops at the first of these once it has a few words.
_CLAUSE = re.compile(
    r";|:\s|\s[\u2013\u2014-]\s|,\s(?:so|which|because|and so|as|while|but|since|when|although)\s"
    r"|\s(?:because|so that)\s"
)
_WEAK_ENDINGS = {
    "a", "an", "the", "of", "to", "and", "or", "in", "on", "for", "with", "by", "from", "at",
    "as", "that", "which", "is", "are", "was", "were", "be", "its", "their", "no", "not", "but",
}  # fmt: skip
_MIN_CLAUSE = 24  # a clause shorter than this is not a title on its own ("After hours")


def derive_title(statement: str, limit: int = TITLE_CHARS) -> str:
    """A few words naming what a statement says: its first clause, at most `limit` characters."""
    text = " ".join(str(statement).split())
    if not text:
        return ""
    first = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".!? ")
    for match in _CLAUSE.finditer(first):
        if match.start() >= _MIN_CLAUSE:
            first = first[: match.start()]
            break
    first = first.strip(" ,;:")
    if len(first) <= limit:
        return first
    words = first[: limit + 1].split(" ")[:-1]  # whole words only
    while len(words) > 3 and words[-1].lower().strip(",;:") in _WEAK_ENDINGS:
        words.pop()
    return " ".join(words).rstrip(" ,;:") + "\u2026"


def cause_title(cause: dict[str, Any]) -> str:
    """The cause's own title, else one derived from its statement."""
    title = cause.get("title")
    return str(title) if title else derive_title(cause.get("statement") or cause.get("id") or "")
