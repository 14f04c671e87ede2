"""Text measuring for decks: widths from real font metrics, wrapping, line counts, pagination."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rca.render.textfit import (
    ARIAL,
    Span,
    flow,
    line_count,
    line_height,
    paginate,
    text_width,
    wrap,
    wrap_spans,
    xml_safe,
)

WORDS = st.lists(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789.,;-()", min_size=1, max_size=14
    ),
    min_size=1,
    max_size=60,
).map(" ".join)


def test_fonts_are_the_metric_compatible_liberation_files() -> None:
    assert ARIAL.name == "Arial"
    assert ARIAL.regular.is_file() and ARIAL.bold.is_file()


def test_width_is_the_font_advance_scaled_to_points() -> None:
    # Arial's advance widths, in 1/2048 em: "M" 1706, space 569; Liberation Sans matches them.
    assert text_width("M", 12) == pytest.approx(1706 / 2048 * 12, abs=0.02)
    assert text_width(" ", 10) == pytest.approx(569 / 2048 * 10, abs=0.02)
    assert text_width("Hello world", 24) == pytest.approx(2 * text_width("Hello world", 12))
    assert text_width("", 12) == 0


def test_bold_is_wider_than_regular() -> None:
    assert text_width("Requester verification", 18, bold=True) > text_width(
        "Requester verification", 18
    )


def test_wrap_keeps_every_line_within_the_width() -> None:
    text = "The lookup tool takes the time as UTC and resolves the address to another subscriber."
    lines = wrap(text, 200, 14)
    assert len(lines) > 1
    assert all(text_width(line, 14) <= 200 for line in lines)
    assert " ".join(lines) == text


def test_wrap_starts_a_new_line_at_each_newline() -> None:
    assert wrap("first\nsecond", 500, 12) == ["first", "second"]


def test_a_word_wider_than_the_box_is_cut() -> None:
    url = "https://lookup.example.invalid/q?ip=192.0.2.44&window=2026-04-20T14:05"
    lines = wrap(url, 120, 12)
    assert len(lines) > 1
    assert "".join(lines) == url
    assert all(text_width(line, 12) <= 120 for line in lines)


def test_empty_text_is_one_line() -> None:
    assert wrap("", 100, 12) == [""]
    assert line_count("", 100, 12) == 1


def test_spans_keep_their_style_across_lines() -> None:
    spans = [Span("Legal exposure: ", True, "title"), Span("word " * 40, False, "")]
    lines = wrap_spans(spans, 300, 18)
    assert lines[0][0] == Span("Legal exposure: ", True, "title")
    assert all(s.tag == "" for line in lines[1:] for s in line)
    text = " ".join("".join(s.text for s in line) for line in lines)
    assert text == ("Legal exposure: " + "word " * 40).strip()


def test_a_word_split_across_two_spans_stays_one_word() -> None:
    lines = wrap_spans([Span("A", True), Span("1 then more text", False)], 1000, 12)
    assert "".join(s.text for s in lines[0]) == "A1 then more text"


def test_line_height_is_the_exact_pitch_decks_set() -> None:
    assert line_height(18) == pytest.approx(21.6)
    assert line_height(12) == pytest.approx(14.4)


def test_line_count_grows_as_the_box_narrows() -> None:
    text = (
        "Second review must repeat the step that can go wrong, not the one that is easy to check."
    )
    assert line_count(text, 1000, 18) == 1
    assert line_count(text, 300, 18) > 1
    assert line_count(text, 150, 18) > line_count(text, 300, 18)


def test_paginate_fills_pages_greedily() -> None:
    assert paginate([40, 40, 40, 40], 100) == [[0, 1], [2, 3]]
    assert paginate([40, 70, 20], 100) == [[0], [1, 2]]


def test_paginate_gives_an_item_taller_than_a_page_a_page_of_its_own() -> None:
    assert paginate([30, 150, 30], 100) == [[0], [1], [2]]


def test_paginate_honours_a_shorter_first_page() -> None:
    assert paginate([40, 40, 40], 100, first_capacity=50) == [[0], [1, 2]]


def test_paginate_of_nothing_is_no_pages() -> None:
    assert paginate([], 100) == []


def _cut(item: float, room: float) -> tuple[float | None, float | None]:
    # Items are heights in whole 10-pt lines: cut after the last whole line that fits.
    fit = int(room // 10) * 10
    return (float(fit), item - fit) if fit >= 10 else (None, item)


def test_flow_moves_an_item_whole_when_it_fits_a_fresh_page() -> None:
    assert flow([60.0, 60.0], float, _cut, room_first=100, room_rest=100) == [[60.0], [60.0]]


def test_flow_cuts_only_items_taller_than_a_page() -> None:
    pages = flow([30.0, 250.0, 30.0], float, _cut, room_first=100, room_rest=100)
    assert pages == [[30.0, 70.0], [100.0], [80.0], [30.0]]


def test_flow_fills_a_shorter_first_page() -> None:
    assert flow([80.0], float, _cut, room_first=50, room_rest=100) == [[50.0], [30.0]]


def test_flow_raises_when_not_even_one_line_fits_a_page() -> None:
    with pytest.raises(ValueError, match="taller than a page"):
        flow([30.0], float, lambda item, room: (None, item), room_first=5, room_rest=5)


def test_flow_of_nothing_is_one_empty_page() -> None:
    assert flow([], float, _cut, room_first=100, room_rest=100) == [[]]


def test_xml_safe_drops_what_xml_cannot_hold() -> None:
    assert xml_safe("a\x00b\x0bc\x1fd\ufffee\tf\ng") == "abcde\tf\ng"
    assert (
        xml_safe("<a:t>&amp;</a:t>") == "<a:t>&amp;</a:t>"
    )  # markup is text; escaping happens later


@settings(max_examples=60, deadline=None)
@given(WORDS, st.floats(min_value=40, max_value=800))
def test_wrapped_lines_never_exceed_the_width(text: str, width: float) -> None:
    for line in wrap(text, width, 14):
        assert text_width(line, 14) <= width + 1e-6


@settings(max_examples=60, deadline=None)
@given(WORDS, st.floats(min_value=60, max_value=600), st.floats(min_value=1.0, max_value=1.5))
def test_a_wider_box_never_needs_more_lines(text: str, width: float, factor: float) -> None:
    # Why wrapping at 97 % of a box is safe: the viewer's wrap at 100 % needs no more lines.
    assert line_count(text, width * factor, 14) <= line_count(text, width, 14)
