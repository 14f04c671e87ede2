"""WeasyPrint's HTML parser with a working pattern cache (rca.render.html_tokens) parses the same tree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import tinyhtml5
from tinyhtml5 import inputstream

from rca.render import html_tokens

# Attribute names of every length and case, values quoted three ways, entities,
# comments, raw text, an unclosed element and CR LF: every tokenizer state that
# reads runs of characters.
PAGE = (
    "<!DOCTYPE html><html lang=en><head><title>T &amp; t</title>"
    "<style>p > b { color: red }</style></head><body>\r\n"
    "<p id=\"a\" CLASS='b c' data-Long-Name-Here=unquoted>One &lt;two&gt; &copy; caf\u00e9<b>bold"
    "</p><!-- a comment -- with dashes -->"
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g fill-opacity="0.5">'
    '<text x="1" y="2" text-anchor="middle">A&#x26;B</text></g></svg>'
    "<script>if (a < b && c) {}</script><textarea>x <y> z</textarea></body></html>"
)


def _tree(html: str) -> bytes:
    """The parsed document, serialised: elements, attributes and text in order."""
    return ET.tostring(tinyhtml5.parse(html, namespace_html_elements=False))


def test_the_cache_keeps_what_it_makes_and_the_tree_is_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inputstream, "characters_until_regex", {})  # stock tinyhtml5
    stock = _tree(PAGE)
    # Stock tinyhtml5 files each pattern under the compiled pattern itself: never found again.
    stock_keys = list(inputstream.characters_until_regex)
    assert stock_keys and all(hasattr(key[0], "match") for key in stock_keys)

    assert html_tokens.install()
    fixed = _tree(PAGE)
    cache = inputstream.characters_until_regex
    assert fixed == stock
    # Keyed by the stop characters, as tinyhtml5 looks them up: a second parse adds nothing.
    assert cache and all(isinstance(key[0], (str, tuple, frozenset)) for key in cache)
    size = len(cache)
    assert _tree(PAGE) == stock
    assert len(cache) == size


def test_install_leaves_an_unknown_cache_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    class Other(dict[object, object]):
        pass

    other = Other()
    monkeypatch.setattr(inputstream, "characters_until_regex", other)
    assert not html_tokens.install()
    assert inputstream.characters_until_regex is other
