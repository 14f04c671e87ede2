"""Redaction that reads: neutral nouns for audiences that see no identifier at all.

Leadership (`personal: category`) reads "the officer of the requesting
agency asked for the account's records", not "[officer] of the [requesting
agency] asked for [account]'s records". Each identifier becomes a noun phrase
chosen by its kind, fitted to the words around it:

- a word that already names the kind is absorbed ("account 8843120076" and
  "docket CLPD-2026-1" become "the account" and "the agency's case number");
- an article or possessive before it is kept and the noun follows it ("a",
  "the", "their": "an account", "the account", "their account");
- identifiers of one kind listed together become one plural ("198.51.100.7
  and 198.51.100.9" -> "the IP addresses");
- a sentence that starts with one starts with a capital ("The officer ...").

Pure and deterministic: the same text always reads the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from rca.model import IdentifierKind


class Noun(NamedTuple):
    """How a kind of identifier reads: one, several, and the words texts put before one."""

    one: str
    many: str
    words: dict[str, str]  # a word naming the kind -> the phrase that replaces word + value


def _words(*plain: str, **special: str) -> dict[str, str]:
    return {**dict.fromkeys(plain, ""), **{k.replace("_", " "): v for k, v in special.items()}}


NOUNS = {
    IdentifierKind.ACCOUNT_ID: Noun(
        "the account",
        "the accounts",
        _words("account", "accounts", "account id", "account ids", "user id", "uid"),
    ),
    IdentifierKind.USERNAME: Noun(
        "the username",
        "the usernames",
        _words("username", "usernames", "handle", "handles", "screen name", "user", "account"),
    ),
    IdentifierKind.EMAIL: Noun(
        "the email address",
        "the email addresses",
        _words("email", "e-mail", "email address", "email addresses", "mailbox", "address"),
    ),
    IdentifierKind.PHONE: Noun(
        "the phone number",
        "the phone numbers",
        _words("phone", "phone number", "phone numbers", "telephone", "number", "tel", "mobile"),
    ),
    IdentifierKind.IP_ADDRESS: Noun(
        "the IP address",
        "the IP addresses",
        _words("ip", "ip address", "ip addresses", "address", "addresses", "ipv4", "ipv6"),
    ),
    IdentifierKind.DEVICE_ID: Noun(
        "the device", "the devices", _words("device", "devices", "device id", "device ids")
    ),
    IdentifierKind.PERSON_NAME: Noun(
        "the person", "the people", _words("person", name="the person's name")
    ),
    IdentifierKind.OFFICER_NAME: Noun(
        "the officer",
        "the officers",
        _words(
            "officer",
            "detective",
            "det.",
            "det",
            "sergeant",
            "sgt.",
            "sgt",
            "deputy",
            "agent",
            "special agent",
            "investigator",
            "inv.",
            "lieutenant",
            "lt.",
            "captain",
            "capt.",
            "corporal",
            "cpl.",
            "trooper",
            "tpr.",
        ),
    ),
    IdentifierKind.AGENCY_NAME: Noun(
        "the requesting agency", "the requesting agencies", _words("agency")
    ),
    IdentifierKind.AGENCY_CASE_NUMBER: Noun(
        "the agency's case number",
        "the agency's case numbers",
        _words(
            "case number",
            "case no.",
            "case no",
            "case #",
            "agency case",
            "agency case number",
            "docket",
            "reference",
            matter="the agency's case",
            case="the agency's case",
        ),
    ),
    IdentifierKind.OTHER: Noun(
        "the identifier",
        "the identifiers",
        _words("identifier", "id", "reference", "ref", docket="the docket number"),
    ),
}

# ("that" is left out: "states that Sgt. Hale signed" is a conjunction.)
_DETERMINERS = ("the", "a", "an", "this", "its", "their", "his", "her", "our", "your")
_FUNCTION_WORDS = "for|of|to|from|in|on|at|by|with|and|or|as|is|was|names|named"
_LIST = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and|or|/|&)\s*", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n\s*)$")


class Found(NamedTuple):
    """An identifier in text: its span, kind, and which one of that kind it is."""

    start: int
    end: int
    kind: IdentifierKind
    which: int = 0  # tells two accounts apart: "the account" ... "another account"


# Inside a token (a URL, a path, a file name) a phrase would not read: a label does.
LABEL = {
    IdentifierKind.ACCOUNT_ID: "[account]",
    IdentifierKind.USERNAME: "[username]",
    IdentifierKind.EMAIL: "[email address]",
    IdentifierKind.PHONE: "[phone number]",
    IdentifierKind.IP_ADDRESS: "[IP address]",
    IdentifierKind.DEVICE_ID: "[device]",
    IdentifierKind.PERSON_NAME: "[person]",
    IdentifierKind.OFFICER_NAME: "[officer]",
    IdentifierKind.AGENCY_NAME: "[requesting agency]",
    IdentifierKind.AGENCY_CASE_NUMBER: "[agency case number]",
    IdentifierKind.OTHER: "[identifier]",
}
_ORDINALS = ("", "other", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def _tail(noun: Noun) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(noun.words, key=len, reverse=True))
    determiners = "|".join(_DETERMINERS)
    return re.compile(
        rf"(?:\b(?P<det>{determiners})\s+(?P<mid>(?!(?:{_FUNCTION_WORDS})\b)[\w'-]+\s+)?)?"
        rf"(?P<word>\b(?:{words}))\s*[:#]?\s*$"
        rf"|\b(?P<det2>{determiners})\s+$",
        re.IGNORECASE,
    )


_TAILS = {kind: _tail(noun) for kind, noun in NOUNS.items()}
_HEAD = {
    kind: re.compile(
        r"\s+(?:"
        + "|".join(re.escape(w) for w in sorted(noun.words, key=len, reverse=True))
        + r")\b(?!')",
        re.IGNORECASE,
    )
    for kind, noun in NOUNS.items()
}


def category_text(text: str, found: Sequence[Found]) -> str:
    """Text with each identifier replaced by a noun phrase that reads in its sentence."""
    out: list[str] = []
    last = 0
    index = 0
    order: dict[tuple[IdentifierKind, int], int] = {}  # which -> 0 for the first of a kind, ...
    mentioned: set[tuple[IdentifierKind, int]] = set()
    while index < len(found):
        group = [found[index]]
        while (
            index + len(group) < len(found)
            and found[index + len(group)].kind is group[0].kind
            and _LIST.fullmatch(text[group[-1].end : found[index + len(group)].start])
        ):
            group.append(found[index + len(group)])
        first, final = group[0], group[-1]
        before = text[last : first.start]
        if _inside_token(text, first.start, final.end):
            out.append(before + " and ".join(LABEL[f.kind] for f in group))
            last = final.end
            index += len(group)
            continue
        key = (first.kind, first.which)
        rank = order.setdefault(key, sum(1 for k in order if k[0] is first.kind))
        out.append(_phrase(before, group, "".join(out), rank, key in mentioned))
        mentioned.update((f.kind, f.which) for f in group)
        last = final.end
        # A word naming the kind right after it is said already: "[account] account".
        after = _HEAD[first.kind].match(text, last)
        if after is not None:
            last = after.end()
        index += len(group)
    out.append(text[last:])
    return "".join(out)


def _inside_token(text: str, start: int, end: int) -> bool:
    # export_[account].csv, ip=[IP address], C-[account]: attached on either side.
    before = text[max(0, start - 2) : start].rjust(2)
    after = text[end : end + 2].ljust(2)
    return (
        before[1].isalnum()
        or before[1] in "=/\\_@:#%&?-+"
        or (before[1] == "." and before[0].isalnum())
        or after[0].isalnum()
        or after[0] == "_"
        or (after[0] in "-./\\" and after[1].isalnum())
    )


def _phrase(before: str, group: list[Found], written: str, rank: int, again: bool) -> str:
    """`before` (the text since the last identifier) with the group's noun phrase after it."""
    noun = NOUNS[group[0].kind]
    phrase = noun.many if len(group) > 1 else noun.one
    if len(group) == 1 and rank > 0:
        # A second account of the same text: "another account", then "the other account".
        ordinal = _ORDINALS[min(rank, len(_ORDINALS) - 1)] or "next"
        bare = phrase.removeprefix("the ")
        if again:
            phrase = f"the {ordinal} {bare}"
        else:
            phrase = f"another {bare}" if rank == 1 else f"a {ordinal} {bare}"
    match = _TAILS[group[0].kind].search(before)
    if match is not None:
        head = before[: match.start()]
        determiner = match["det"] or match["det2"]
        word = match["word"]
        if word is not None and len(group) == 1 and rank == 0:
            phrase = noun.words.get(word.lower()) or phrase
        if determiner is not None:  # the text's own article or possessive leads
            bare = (noun.many if len(group) > 1 else noun.one).removeprefix("the ")
            if word is not None and len(group) == 1:
                bare = (noun.words.get(word.lower()) or noun.one).removeprefix("the ")
            if determiner.lower() in ("a", "an"):
                article = "an" if bare[:1].lower() in "aeiou" else "a"
                determiner = article.capitalize() if determiner[0].isupper() else article
            phrase = f"{determiner} {match['mid'] or ''}{bare}"
        before = head
    if _SENTENCE_START.search(written + before):
        phrase = phrase[:1].upper() + phrase[1:]
    return before + phrase
