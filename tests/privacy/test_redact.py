"""Redaction: what each audience's view of a record holds, and the Scrubber that makes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from privacy_helpers import CANARY, DATA, load_dict, raw_profile, read_record

from rca.audience import PersonalData, Privacy, load_profiles
from rca.load import LoadedRecord, load_records
from rca.model import Sensitivity
from rca.privacy.detect import pattern_hits
from rca.privacy.identifiers import DeclaredMatcher, declared_identifiers
from rca.privacy.redact import WITHHELD, Scrubber, redact_record


@pytest.fixture(scope="module")
def canary() -> LoadedRecord:
    return load_records([CANARY])[0]


@pytest.fixture(scope="module")
def small() -> LoadedRecord:
    return load_records([DATA / "guard.yaml"])[0]


def strings(value: Any) -> Iterator[str]:
    """Every string in nested plain data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def scrub(loaded: LoadedRecord, mode: PersonalData) -> Scrubber:
    return Scrubber(declared_identifiers(loaded.record), mode)


def test_leadership_sees_no_identifier_but_counts(canary: LoadedRecord) -> None:
    view = redact_record(canary.record, load_profiles()["leadership"].privacy)
    matcher = DeclaredMatcher(declared_identifiers(canary.record))
    text = "\n".join(strings(view))
    assert matcher.find(text) == []
    assert list(pattern_hits(text)) == []
    assert "Account A" not in text and "Officer 1" not in text  # categories, not pseudonyms
    assert "the account" in text and "the officer" in text
    assert "[account]" not in text and "[officer]" not in text
    assert view["identifiers"]["items"] == []
    assert view["identifiers"]["summary"] == [
        "1 account",
        "1 username",
        "2 email addresses",
        "2 phone numbers",
        "3 IP addresses",
        "2 officers",
        "1 agency",
        "1 agency case number",
        "1 device",
        "1 named person",
        "1 other identifier",
    ]


def test_specialist_sees_consistent_pseudonyms(canary: LoadedRecord) -> None:
    view = redact_record(canary.record, load_profiles()["specialist"].privacy)
    matcher = DeclaredMatcher(declared_identifiers(canary.record))
    assert matcher.find("\n".join(strings(view))) == []
    shown = {item["shown_as"] for item in view["identifiers"]["items"]}
    assert {
        "Account A",
        "Email A",
        "Email B",
        "Phone A",
        "Phone B",
        "IP address C",
        "Officer 1",
        "Officer 2",
        "Requester 1",
        "Agency case 1",
    } <= shown
    # The same identifier reads the same wherever it is.
    events = [e["what"] for e in view["timeline"]]
    assert any("Email B" in what and "Officer 1" in what for what in events)
    assert sum("Officer 1" in what for what in events) >= 2
    assert view["requests"][0]["requester"]["agency"] == "Requester 1"


def test_raw_only_when_a_profile_says_so(canary: LoadedRecord) -> None:
    assert all(p.privacy.personal is not PersonalData.RAW for p in load_profiles().values())
    view = redact_record(canary.record, raw_profile().privacy)
    text = "\n".join(strings(view))
    assert "Det. Orla Canarywood" in text and "wren.canary@canary.example" in text
    assert view["identifiers"]["items"][0] == {
        "kind": "account_id",
        "shown_as": "990011223344",
        "label": "affected account (disclosed)",
    }


@pytest.mark.parametrize("mode", list(PersonalData))
def test_undeclared_patterns_are_scrubbed_for_every_audience(
    small: LoadedRecord, mode: PersonalData
) -> None:
    text = (
        "Also seen: other@example.org, 10.1.2.3, fe80::1:2, (303) 555-0101, @someone_else "
        "and account 123456789012."
    )
    assert scrub(small, mode)(text) == (
        "Also seen: [email address], [IP address], [IP address], [phone number], [username] "
        "and account [number]."
    )


def test_raw_keeps_declared_values_that_look_like_patterns(small: LoadedRecord) -> None:
    text = "Call +1 (202) 555-0143 or mail jane.doe@example.com from 2001:db8::7."
    assert scrub(small, PersonalData.RAW)(text) == text


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            PersonalData.PSEUDONYM,
            "Account A mailed Email A and called Phone A from IP address A; Officer 1 of "
            "Requester 1 asked.",
        ),
        (
            PersonalData.CATEGORY,
            "The account mailed the email address and called the phone number from the IP "
            "address; the officer of the requesting agency asked.",
        ),
    ],
)
def test_declared_identifiers_and_variants(
    small: LoadedRecord, mode: PersonalData, expected: str
) -> None:
    text = (
        "Account 8843120076 mailed JANE.DOE@example.com and called 202.555.0143 from "
        "2001:0db8:0000:0000:0000:0000:0000:0007; Det. Jordan\nVale of Fictional County "
        "Sheriff's Office asked."
    )
    assert scrub(small, mode)(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Produced at 2026-03-04T09:15:00-05:00, detected 2026-03-04 14:15 UTC.",
        "Beyond 18 U.S.C. 2703(c)(2); see 2702(b)(8) and (c)(4), and 18 U.S.C. \u00a7 2258A.",
        "Pen register (3121\u20133127), 60 days; 1,000,000,000 requests; version 1.10.",
        "Clock: T+1d 13h, UTC\u22127, PT4H.",
    ],
)
def test_statute_cites_and_timestamps_untouched(small: LoadedRecord, text: str) -> None:
    for mode in PersonalData:
        assert scrub(small, mode)(text) == text


def test_restricted_text_is_withheld_unless_allowed(canary: LoadedRecord) -> None:
    leadership = redact_record(canary.record, Privacy(personal=PersonalData.CATEGORY))
    specialist = redact_record(
        canary.record,
        Privacy(
            personal=PersonalData.PSEUDONYM, allow=[Sensitivity.INTERNAL, Sensitivity.RESTRICTED]
        ),
    )
    sources = [e["source"] for e in leadership["evidence"] if e["source"] is not None]
    assert sources and set(sources) == {WITHHELD}
    assert any(e["source"] not in (None, WITHHELD) for e in specialist["evidence"])


def test_personal_values_outside_identifiers_are_replaced(tmp_path: Path) -> None:
    data = read_record(DATA / "guard.yaml")
    data["escalation"]["requester"]["agency"] = "Lakeside Police"
    loaded = load_dict(data, tmp_path)
    view = redact_record(loaded.record, Privacy(personal=PersonalData.PSEUDONYM))
    assert view["requests"][0]["requester"]["agency"] == "Requester 1"
