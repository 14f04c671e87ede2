"""WeasyPrint's HTML tokenizer with the pattern cache it was meant to have.

WeasyPrint parses a brief with tinyhtml5, whose `HTMLInputStream.chars_until`
keeps a cache of one regular expression per set of stop characters. In
tinyhtml5 2.x the cache is filled by `characters = cache[(characters,
opposite)] = regex`, which binds `characters` to the regex *before* it is used
as the key, so the entry lands under the wrong key, every lookup misses, and
each call builds the pattern again from its character set (52 letters for an
attribute name). A brief holds thousands of attributes in its inline diagrams:
the two briefs of ESC-0142 spent about 40 ms of their 75 ms parse there
(docs/performance.md).

`install` puts in a cache that fills its own misses with the very pattern
tinyhtml5 builds, under the right key. Parsing is unchanged, character for
character; it only stops rebuilding patterns. It does nothing unless the
cache is the plain dict of a tinyhtml5 2.x, so an upgrade that changes it
falls back to stock behaviour instead of breaking.
"""

from __future__ import annotations

import re
from typing import Any


class _Patterns(dict[tuple[Any, bool], "re.Pattern[str]"]):
    """tinyhtml5's `characters_until_regex`, with each missing pattern made and kept."""

    def __missing__(self, key: tuple[Any, bool]) -> re.Pattern[str]:
        characters, opposite = key
        # tinyhtml5's own construction, verbatim: a class of the characters, or its negation.
        regex = "".join([f"\\x{ord(character):02x}" for character in characters])
        if not opposite:
            regex = f"^{regex}"
        pattern = self[key] = re.compile(f"[{regex}]+")
        return pattern


def install() -> bool:
    """Put the self-filling cache in tinyhtml5's place; True if it is in place."""
    import tinyhtml5
    from tinyhtml5 import inputstream

    cache: Any = getattr(inputstream, "characters_until_regex", None)
    if isinstance(cache, _Patterns):
        return True
    if not str(getattr(tinyhtml5, "__version__", "")).startswith("2.") or type(cache) is not dict:
        return False
    # The stock entries sit under compiled patterns, never looked up: start empty.
    inputstream.characters_until_regex = _Patterns()
    return True
