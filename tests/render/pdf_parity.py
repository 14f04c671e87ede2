"""Does a PDF brief carry the content of the HTML brief? Read with tools independent of rca.

The HTML is read with lxml (rca reads it with the standard library's parser),
the PDF with poppler's `pdftotext`. Both become words: runs of letters and
runs of digits, case-folded (a stylesheet may print a heading in capitals),
NFKC-normalised (ligatures). A word broken at a line end by a hyphen is the
same word either side of the break; an unexpected hyphenation (a word split
in two) is a difference.

The comparison, per brief:
- every word the HTML shows (its SVG diagrams' text included, the figure's
  long description excluded: print hides it, it is the image's alt text) is in
  the PDF at least as often;
- whatever the PDF has beyond that is only what printing adds: numbers (the
  section numbers, page numbers, "Page x of y") and the running header and
  footer's words, repeated on every page;
- the section headings (`h2` in a `section`) are in the PDF in the HTML's
  order, each after the previous one and after the contents list.
"""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import lxml.html

WORD = re.compile(r"\d+|[^\W\d_]+")
# Elements whose text print never shows (style.css: `@media print`), or shows
# only in the running header and footer.
NOT_PRINTED = (
    "//figcaption//*[contains(concat(' ', @class, ' '), ' alt ')]"
    " | //svg/title | //svg/desc"  # a diagram's accessible name and description
)
RUNNING = (
    "//*[contains(concat(' ', @class, ' '), ' marking ')]"
    " | //*[contains(concat(' ', @class, ' '), ' kicker ')]"
    " | //*[contains(concat(' ', @class, ' '), ' generated ')]"
    " | //thead"  # a long table's header row repeats on every page it spans
)


def words(text: str) -> list[str]:
    """The words of a text, for comparison."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"(?<=[^\W\d_])-\s*\n\s*(?=[^\W\d_])", "-", text)  # a break after a hyphen
    return WORD.findall(text)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler reads it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "brief.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout


class HtmlBrief:
    """What a reader of the printed HTML brief is meant to see."""

    def __init__(self, html: str) -> None:
        root = lxml.html.document_fromstring(html.encode("utf-8"))
        for hidden in root.xpath(NOT_PRINTED):
            hidden.drop_tree()
        body = root.find("body")
        assert body is not None
        self.words = words(" ".join(body.itertext()))
        self.running = {w for node in root.xpath(RUNNING) for w in words(" ".join(node.itertext()))}
        self.headings = [
            words(h.text_content()) for h in root.xpath("//section[@id]/descendant::h2[1]")
        ]
        self.contents = [words(a.text_content()) for a in root.xpath("//nav//a")]


def parity_problems(html: str, pdf: bytes) -> list[str]:
    """What the PDF lacks or adds compared with the HTML; [] when they carry the same content."""
    brief = HtmlBrief(html)
    printed = words(pdf_text(pdf))
    problems = []
    missing = Counter(brief.words) - Counter(printed)
    extra = Counter(printed) - Counter(brief.words)
    _rejoin(missing, extra, set(brief.words))
    if missing:
        problems.append(f"missing from the PDF: {sorted(missing.items())[:20]}")
    unexplained = {w: n for w, n in extra.items() if not w.isdigit() and w not in brief.running}
    unexplained.pop("page", None)
    unexplained.pop("of", None)
    if unexplained:
        problems.append(f"in the PDF but not the HTML: {sorted(unexplained.items())[:20]}")
    position = _after_contents(printed, brief.contents)
    for heading in brief.headings:
        found = _find(printed, heading, position)
        if found < 0:
            problems.append(f"heading {' '.join(heading)!r} not found in order")
            continue
        position = found + len(heading)
    return problems


def _rejoin(missing: Counter[str], extra: Counter[str], known: set[str]) -> None:
    """Words the PDF's text runs together (pdftotext joins a word broken after a hyphen,
    and cells set close) count as the words they are made of: same words, other spacing."""
    for word in sorted(extra):
        while extra[word] and not word.isdigit():
            parts = _split(word, missing, known, 4)
            if parts is None:
                break
            extra[word] -= 1
            missing.subtract(parts)
        if extra[word] <= 0:
            del extra[word]
    for word in [w for w, n in missing.items() if n <= 0]:
        del missing[word]


def _split(word: str, missing: Counter[str], known: set[str], depth: int) -> list[str] | None:
    # Parts are HTML words, at least one of them missing from the PDF.
    for parts in _splits(word, known, depth):
        if len(parts) > 1 and any(missing.get(p, 0) > 0 for p in parts):
            return [p for p in parts if missing.get(p, 0) > 0]
    return None


def _splits(word: str, known: set[str], depth: int) -> list[list[str]]:
    out = [[word]] if word in known else []
    if depth > 1:
        for cut in range(len(word) - 1, 0, -1):
            if word[:cut] in known:
                out += [[word[:cut], *rest] for rest in _splits(word[cut:], known, depth - 1)]
    return out


def _find(haystack: list[str], needle: list[str], start: int) -> int:
    """Where `needle` starts in `haystack` at or after `start`, numbers between ignored; -1 if not."""
    if not needle:
        return start
    for i in range(start, len(haystack)):
        j, k = i, 0
        while j < len(haystack) and k < len(needle):
            if haystack[j] == needle[k]:
                k += 1
            elif not (haystack[j].isdigit() and k > 0):
                break
            j += 1
        if k == len(needle):
            return i
    return -1


def _after_contents(printed: list[str], contents: list[list[str]]) -> int:
    # Each entry's first occurrence is in the contents list, which comes before
    # the sections; in any order, because a two-column list may be read across.
    ends = [found + len(entry) for entry in contents if (found := _find(printed, entry, 0)) >= 0]
    return max(ends, default=0)


# --------------------------------------------------------------------------- text that collides

# Liberation Sans / DejaVu metrics, as fractions of the font size: pdftotext's
# word box runs from the font's ascent to its descent, taller than the ink.
_BOX = 0.905 + 0.212  # ascent + descent
_CAP, _DESCENT = 0.73, 0.212
EDGE = 14.0  # pt (5 mm): no word of a brief comes closer to a page's edge


def page_words(
    pdf: bytes,
) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """Per page: its width, height and words with their boxes (x0, y0, x1, y1, word), by poppler."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "brief.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        found = re.findall(
            r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>',
            page.group(3),
        )
        boxes = [
            (float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in found
        ]
        pages.append((float(page.group(1)), float(page.group(2)), boxes))
    return pages


def collisions(pdf: bytes, margin: float = 0.3) -> list[str]:
    """Words whose ink overlaps another word's or that reach the page's edge, `page N: ...`.

    poppler crops a word at the page's edge (a word wholly outside is not
    read at all), so the edge checked is 5 mm inside the page.

    The ink of a word is estimated from its box: from the cap height above the
    baseline to the descent below it (ascent and line gap are air), so two
    lines set close but clear of each other do not count, and a descender
    running into the next line's capitals does.
    """
    problems = []
    for n, (width, height, boxes) in enumerate(page_words(pdf), start=1):
        ink = []
        for x0, y0, x1, y1, word in boxes:
            size = (y1 - y0) / _BOX
            baseline = y1 - _DESCENT * size
            ink.append((x0, baseline - _CAP * size, x1, baseline + _DESCENT * size, word))
            if x0 < EDGE or y0 < EDGE or x1 > width - EDGE or y1 > height - EDGE:
                problems.append(f"page {n}: {word!r} runs off the page")
        ink.sort(key=lambda box: box[1])
        for i, a in enumerate(ink):
            for b in ink[i + 1 :]:
                if b[1] >= a[3] - margin:
                    break
                across = min(a[2], b[2]) - max(a[0], b[0])
                down = min(a[3], b[3]) - max(a[1], b[1])
                if across > margin and down > margin:
                    problems.append(f"page {n}: {a[4]!r} / {b[4]!r} ({down:.1f} pt)")
    return problems
