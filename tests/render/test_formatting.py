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
    assert plural(2, "IP address") == "2 IP addresses"
    assert plural(2, "Account ID") == "2 Account IDs"


# --------------------------------------------------------------------------- issue 10: small things


def test_sentences_do_not_end_at_abbreviations_times_or_initials() -> None:
    from rca.render.formatting import sentences

    text = (
        "The call came at 9:47 p.m. Eastern and was logged. Disclosure under 18 U.S.C. 2702(b) "
        "was voluntary. Det. Sgt. Kline agreed at 10:40. J. Doe signed it! Was it right? No."
    )
    assert sentences(text) == [
        "The call came at 9:47 p.m. Eastern and was logged.",
        "Disclosure under 18 U.S.C. 2702(b) was voluntary.",
        "Det. Sgt. Kline agreed at 10:40.",
        "J. Doe signed it!",
        "Was it right?",
        "No.",
    ]


def test_a_review_status_reads_as_a_phrase() -> None:
    from rca.render.formatting import review_phrase

    assert review_phrase("in_review") == "review under way"
    assert "review in review" not in {review_phrase(s) for s in ("draft", "in_review", "approved")}


def test_the_severity_scale_is_explained_where_it_is_shown() -> None:
    from rca.render.formatting import severity_scale

    assert severity_scale({}, "reportable") == "3 of 4, from near miss to serious"
    assert severity_scale({}, "unknown") == ""


def test_the_reference_clock_names_its_offsets() -> None:
    from rca.render.formatting import zone_label

    summer, winter = "2026-10-30T21:47:00-04:00", "2026-11-03T10:18:00-05:00"
    assert zone_label([summer], "America/New_York") == "UTC\u22124 (America/New_York)"
    assert (
        zone_label([summer, winter], "America/New_York") == "UTC\u22125/\u22124 (America/New_York)"
    )
    assert zone_label([winter]) == "UTC\u22125"


def test_a_title_is_derived_from_the_first_clause_at_a_word_boundary() -> None:
    from rca.render.names import cause_title, derive_title

    assert derive_title("Time conversion is done by hand. The tool accepts UTC only.") == (
        "Time conversion is done by hand"
    )
    assert derive_title("The request sat unseen for 7 h 47 min; nobody swept the queue.") == (
        "The request sat unseen for 7 h 47 min"
    )
    long = "The collection tool keeps no structured record of which data categories each export contains or was asked for by whom"
    title = derive_title(long)
    assert len(title) <= 81 and title.endswith("\u2026") and not title.endswith(" of\u2026")
    assert cause_title(
        {"id": "C1", "statement": long, "title": "No record of export contents"}
    ) == ("No record of export contents")
