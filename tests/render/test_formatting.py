"""The shared wording helpers: dates, UTC offsets, labels, plurals."""

from __future__ import annotations

from datetime import date

import pytest

from rca.render.formatting import (
    clock_time,
    day,
    day_month,
    label,
    plural,
    sentence_case,
    utc_offset,
    weekday,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-05-31", "31 May 2026"),
        (date(2026, 3, 4), "4 Mar 2026"),
        ("2026-03-04T23:30:00-07:00", "4 Mar 2026"),  # the timestamp's own local date
        (None, "not set"),
        ("", "not set"),
    ],
)
def test_day(value: str | date | None, text: str) -> None:
    assert day(value) == text


def test_timestamp_parts() -> None:
    ts = "2026-03-04T09:05:00+01:00"
    assert (day_month(ts), clock_time(ts), weekday(ts)) == ("4 Mar", "09:05", "Wed")


@pytest.mark.parametrize(
    ("ts", "text"),
    [
        ("2026-03-04T09:00:00+00:00", "UTC"),
        ("2026-03-04T09:00:00-07:00", "UTC\u22127"),
        ("2026-03-04T09:00:00+05:45", "UTC+5:45"),
        ("2026-03-04T09:00:00-03:30", "UTC\u22123:30"),
        # Seconds are dropped on both sides of UTC, never rounded into the next minute.
        ("2026-03-04T09:00:00-03:30:45", "UTC\u22123:30"),
        ("2026-03-04T09:00:00+03:30:45", "UTC+3:30"),
    ],
)
def test_utc_offset(ts: str, text: str) -> None:
    assert utc_offset(ts) == text


def test_label_prefers_the_context_then_the_special_table() -> None:
    labels = {"process_policy": "Process & policy"}
    assert label(labels, "process_policy") == "Process & policy"
    assert label(labels, "court_order_2703d") == "2703(d) court order"
    assert label(labels, "some_new_code") == "Some new code"
    assert label(labels, None) == ""
    assert sentence_case(label({}, "second_review")) == "second review / QA"


def test_plural() -> None:
    assert plural(1, "account") == "1 account"
    assert plural(3, "category") == "3 categories"
    assert plural(2, "link is", "links are") == "2 links are"
    assert plural(1204, "case") == "1,204 cases"
