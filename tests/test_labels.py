"""Every code of the record reads as words a reader expects, acronyms in capitals."""

from __future__ import annotations

import enum
import re

import rca.model as model
from rca.labels import label

ACRONYMS = ("IP", "ID", "LER", "MLAT", "QA", "NCMEC", "CLOUD", "URL", "SLA")


def _codes() -> list[enum.Enum]:
    return [
        member
        for value in vars(model).values()
        if isinstance(value, type) and issubclass(value, enum.Enum) and value is not enum.Enum
        for member in value
    ]


def test_acronyms_in_labels_keep_their_capitals() -> None:
    wrong = []
    for code in _codes():
        for word in re.findall(r"[A-Za-z]+", label(code)):
            if word.upper() in ACRONYMS and word != word.upper():
                wrong.append((code.value, label(code)))
    assert _codes() and wrong == []


def test_identifier_kinds_read_as_words() -> None:
    assert label(model.IdentifierKind.IP_ADDRESS) == "IP address"
    assert label(model.IdentifierKind.ACCOUNT_ID) == "Account ID"
    assert label(model.IdentifierKind.PHONE) == "Phone"
