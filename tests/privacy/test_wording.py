"""Redaction that reads (issue 10 point 5): leadership sentences of the bundled cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rca.audience import PersonalData
from rca.load import LoadedRecord, load_records
from rca.model import IdentifierKind as K
from rca.privacy.guard import _strings
from rca.privacy.redact import Scrubber
from rca.privacy.wording import Found, category_text

CASES = Path(__file__).parent.parent.parent / "case_reviews"


@pytest.fixture(scope="module")
def cases() -> dict[str, LoadedRecord]:
    return {loaded.record.case_id: loaded for loaded in load_records([CASES])}


def read(loaded: LoadedRecord, mode: PersonalData) -> str:
    """Every text of the record (declarations aside) as the audience reads it."""
    scrub = Scrubber.for_record(loaded.record, mode)
    texts = [t for path, t in _strings(loaded.record, ()) if path[:1] != ("identifiers",)]
    return "\n".join(" ".join(scrub(t).split()) for t in texts)


@pytest.mark.parametrize(
    ("case", "sentence"),
    [
        (
            "ESC-0163",
            "The officer of the requesting agency, Cyber Crimes Unit, uploads a 2703(d) order "
            "(the docket number, the agency's case number).",
        ),
        ("ESC-0142", "The username resolves to exactly one account, the account."),
        ("ESC-0163", "(the person's name, the email address, the phone number)"),
        ("ESC-0163", "including the IP address and the home IP address)"),
        ("ESC-0142", "(among them the IP addresses)"),
        ("ESC-0171", "arrives through the portal for the account, 2025-11-01"),
        ("ESC-0171", "The affidavit names the IP address, which"),
        ("ESC-0157", "It is issued in the agency's case, signed by the officer,"),
        ("ESC-0185", "Call notes with the officer (the phone number) on 2026-09-16"),
    ],
)
def test_leadership_sentences_read(
    cases: dict[str, LoadedRecord], case: str, sentence: str
) -> None:
    assert sentence in read(cases[case], PersonalData.CATEGORY)


def test_no_brackets_doubled_nouns_or_doubled_articles(cases: dict[str, LoadedRecord]) -> None:
    for loaded in cases.values():
        text = read(loaded, PersonalData.CATEGORY)
        for bracket in ("[account]", "[officer]", "[requesting agency]", "[agency case number]"):
            assert bracket not in text
        assert not re.search(r"\b(the|a|an) (the|a|an)\b", text, re.IGNORECASE)
        doubled = r"\b(the (?:account|officer|username|IP address|phone number)) \1\b"
        assert not re.search(doubled, text), loaded.record.case_id
        assert text == read(loaded, PersonalData.CATEGORY)  # deterministic


def test_specialists_keep_pseudonyms(cases: dict[str, LoadedRecord]) -> None:
    text = read(cases["ESC-0163"], PersonalData.PSEUDONYM)
    assert "Officer 1 of Requester 1" in text and "Account A" in text
    assert "the officer of the requesting agency" not in text


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("a 4410298837 holder", [(2, 12, K.ACCOUNT_ID)], "An account holder"),
        ("their account 4410298837.", [(14, 24, K.ACCOUNT_ID)], "Their account."),
        ("see 4410298837 account", [(4, 14, K.ACCOUNT_ID)], "see the account"),
        (
            "accounts 11, 22 and 33 were",
            [(9, 11, K.ACCOUNT_ID), (13, 15, K.ACCOUNT_ID), (20, 22, K.ACCOUNT_ID)],
            "The accounts were",
        ),
        ("says that Hale signed", [(10, 14, K.OFFICER_NAME)], "says that the officer signed"),
        ("Hale's note. Hale wrote", [(0, 4, K.OFFICER_NAME), (13, 17, K.OFFICER_NAME)],
         "The officer's note. The officer wrote"),
    ],
)  # fmt: skip
def test_articles_lists_and_sentence_starts(
    text: str, spans: list[tuple[int, int, K]], expected: str
) -> None:
    assert category_text(text, [Found(*span) for span in spans]) == expected


def test_detection_finds_nothing_undeclared_in_the_bundled_cases(
    cases: dict[str, LoadedRecord],
) -> None:
    # False positives: the bundled cases declare every identifier they quote, so
    # any hit left after the declared ones are replaced (a date, a time, a case
    # id, a version, a statute or policy number taken for a phone) is wrong.
    from rca.privacy.detect import pattern_hits

    for loaded in cases.values():
        scrub = Scrubber.for_record(loaded.record, PersonalData.PSEUDONYM)
        for path, text in _strings(loaded.record, ()):
            if path[:1] == ("identifiers",):
                continue
            rest = scrub.matcher.sub(text, lambda _: "X")
            hits = [h for h in pattern_hits(rest, scrub.regions) if h.text not in scrub.public]
            assert hits == [], (loaded.record.case_id, path)
