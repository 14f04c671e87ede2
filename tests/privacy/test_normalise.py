"""The one identifier normaliser and the matcher built on it: every variant class of issue 11."""

from __future__ import annotations

import pytest

from rca.audience import PersonalData
from rca.model import IdentifierKind as K
from rca.privacy.detect import mask_value, pattern_hits, sorted_hits
from rca.privacy.identifiers import Declared, DeclaredMatcher
from rca.privacy.normalise import fold, light
from rca.privacy.redact import Scrubber

# Values used nowhere else in the tests or the bundled cases.
ITEMS = [
    Declared(K.ACCOUNT_ID, "4411223344", None, 0),
    Declared(K.USERNAME, "user_moss_fern_9", None, 0),
    Declared(K.EMAIL, "lark.quill@mail.example", None, 0),
    Declared(K.PHONE, "+1-307-555-0188", None, 0),
    Declared(K.IP_ADDRESS, "203.0.113.9", None, 0),
    Declared(K.IP_ADDRESS, "2001:db8:77::5", None, 1),
    Declared(K.OFFICER_NAME, "Det. Rowan Ellery", None, 0),
    Declared(K.PERSON_NAME, "Maren Oakhurst", None, 0),
    Declared(K.AGENCY_NAME, "Comisaría Fictícia de Vila Nova", None, 0),
    Declared(K.AGENCY_CASE_NUMBER, "VN-2026-771203", None, 0),
    Declared(K.USERNAME, "ivo", None, 1),
]
MATCHER = DeclaredMatcher(ITEMS)


def found(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.item.value) for m in MATCHER.find(text)]


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        # boundaries: inside longer tokens, paths, URLs and file names
        ("file export_4411223344.csv", "4411223344", "4411223344"),
        ("see ID4411223344 here", "4411223344", "4411223344"),
        ("https://social.example/u/user_moss_fern_9?x=1", "user_moss_fern_9", "user_moss_fern_9"),
        ("handle user-moss-fern-9 again", "user-moss-fern-9", "user_moss_fern_9"),
        ("C:\\exports\\4411223344\\log.txt", "4411223344", "4411223344"),
        # separators between digit and letter groups
        ("acct 441 122 334 4.", "441 122 334 4", "4411223344"),
        ("acct 441\u2013122\u20113344", "441\u2013122\u20113344", "4411223344"),
        ("acct 441/122/3344", "441/122/3344", "4411223344"),
        ("acct 441\u00b7122\u00b73344", "441\u00b7122\u00b73344", "4411223344"),
        ("acct \uff14\uff14\uff11\uff11\uff12\uff12\uff13\uff13\uff14\uff14", None, "4411223344"),
        # invisible characters, in the text
        ("lark.quill\u200b@mail.example", None, "lark.quill@mail.example"),
        ("lark.qu\u034fill@mail.example", None, "lark.quill@mail.example"),
        ("lark.quill\ufe0f@mail.example", None, "lark.quill@mail.example"),
        ("lark.qu\u00adill@mail.example", None, "lark.quill@mail.example"),
        ("lark.quill\U000e0041@mail.example", None, "lark.quill@mail.example"),
        # encodings
        ("mailto:lark.quill%40mail.example", "lark.quill%40mail.example", None),
        ("lark.quill&#64;mail.example", "lark.quill&#64;mail.example", None),
        ("lark.quill%2540mail.example", "lark.quill%2540mail.example", None),
        ("lark.quill[at]mail[.]example", "lark.quill[at]mail[.]example", None),
        # phones: other separators, national digits
        ("call (307) 555-0188 now", "(307) 555-0188", "+1-307-555-0188"),
        ("call 307.555.0188", "307.555.0188", "+1-307-555-0188"),
        ("call +1 307 555 0188", "+1 307 555 0188", "+1-307-555-0188"),
        # IP addresses: zero-padded, defanged, IPv4-mapped, expanded
        ("from 203.000.113.009", "203.000.113.009", "203.0.113.9"),
        ("from 203[.]0[.]113[.]9", "203[.]0[.]113[.]9", "203.0.113.9"),
        ("from ::ffff:203.0.113.9 then", "::ffff:203.0.113.9", "203.0.113.9"),
        ("from 2001:0db8:0077:0000:0000:0000:0000:0005", None, "2001:db8:77::5"),
        # names in every order
        ("Ellery, Rowan signed", "Ellery, Rowan", "Det. Rowan Ellery"),
        ("Rowan Ellery's report", "Rowan Ellery", "Det. Rowan Ellery"),
        ("R. Ellery signed", "R. Ellery", "Det. Rowan Ellery"),
        ("Detective Ellery signed", "Detective Ellery", "Det. Rowan Ellery"),
        ("Rowan-Ellery", "Rowan-Ellery", "Det. Rowan Ellery"),
        ("RowanEllery wrote", "RowanEllery", "Det. Rowan Ellery"),
        ("saved RowanElleryNotes.pdf", "RowanEllery", "Det. Rowan Ellery"),
        ("saved notes_rowan_ellery.pdf", "rowan_ellery", "Det. Rowan Ellery"),
        ("Oakhurst Maren", "Oakhurst Maren", "Maren Oakhurst"),
        ("M Oakhurst", "M Oakhurst", "Maren Oakhurst"),
        # accents folded either way
        ("the Comisaria Ficticia de Vila Nova wrote", None, "Comisaría Fictícia de Vila Nova"),
        ("case VN 2026 771203", "VN 2026 771203", "VN-2026-771203"),
        # short values only where they stand alone
        ("user ivo wrote", "ivo", "ivo"),
    ],
)
def test_variant_is_found_with_its_whole_original_span(
    text: str, written: str | None, value: str | None
) -> None:
    hits = found(text)
    assert len(hits) == 1, hits
    if written is not None:
        assert hits[0][0] == written
    if value is not None:
        assert hits[0][1] == value


@pytest.mark.parametrize(
    "text", ["ivory and divot", "Rowan Elleryson", "acct 44112233", "i vo", "203.0.113.90"]
)
def test_near_misses_are_not_identifiers(text: str) -> None:
    assert found(text) == []


def test_invisible_characters_inside_a_declared_value() -> None:
    matcher = DeclaredMatcher([Declared(K.EMAIL, "sam\u200b.tern@mail\u00ad.example", None, 0)])
    assert [m.text for m in matcher.find("mail sam.tern@mail.example")] == ["sam.tern@mail.example"]


def test_spans_map_back_through_decoding_and_folding() -> None:
    text = "x jane%2540ex\u200bample.com y"
    folded = fold(text)
    assert folded.text == "xjane@examplecomy"
    assert text[slice(*folded.span(1, 16))] == "jane%2540ex\u200bample.com"
    assert light("\uff12\uff10\uff12").text == "202"


def test_the_redactor_replaces_the_whole_span_with_neutral_words() -> None:
    scrub = Scrubber(ITEMS, PersonalData.PSEUDONYM)
    assert scrub("Mail lark.quill%40mail.example, file export_4411223344.csv") == (
        "Mail Email A, file export_Account A.csv"
    )


def test_many_identifiers_are_one_automaton() -> None:
    items = [Declared(K.ACCOUNT_ID, str(700_000_000_000 + n * 7919), None, n) for n in range(5000)]
    matcher = DeclaredMatcher(items)
    assert [m.item.index for m in matcher.find(f"a {items[4321].value} b")] == [4321]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("+55 41 5555-0123", "phone"),
        ("+44 20 7946 0000", "phone"),
        ("+49 30 9018 20", "phone"),
        ("(307) 555-0101", "phone"),
        ("4111 1111 1111 1111", "card"),
        ("4111-1111-1111-1111", "card"),
        ("::ffff:198.51.100.9", "ipv6"),
        ("198.051.100.009", "ipv4"),
        ("198[.]51[.]100[.]9", "ipv4"),
        ("jörg@exämple.de", "email"),
        ("x@xn--80ak6aa92e.example", "email"),
        ("a%40mail.example", "email"),
        ("123456789012", "long_number"),
        ("1234 5678 9012 3456", "long_number"),
    ],
)
def test_undeclared_identifiers_are_detected_whole(text: str, kind: str) -> None:
    hits = sorted_hits(pattern_hits(f"see {text} here", ("US",)))
    assert (hits[0].kind, hits[0].text) == (kind, text)


@pytest.mark.parametrize(
    "text",
    [
        "18 U.S.C. 2703(c)(2)",
        "2026-03-04T09:15:00-05:00",
        "2026-03-04 14:15 UTC",
        "on 2026-07-15 2026-07-16",
        "case ESC-0142 v1.2",
        "FCSO-2026-004417",
        "section 12-345, 30 h 59 min",
        "sections 3121\u20133127",
        "1,000,000,000 requests",
        "03/04/2026 at 09:15",
    ],
)
def test_dates_times_ids_and_statutes_are_not_phone_numbers(text: str) -> None:
    assert [h.kind for h in pattern_hits(text, ("US",))] == []


def test_values_in_messages_are_masked() -> None:
    assert mask_value("rook@example.org") == "'r…@…' (an email address)"
    assert mask_value("+44 20 7946 0000") == "'…' (a phone number)"
    assert mask_value("Team Alpha") is None
