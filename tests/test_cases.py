"""The bundled example cases: valid, rich enough for a deck and a brief, and fictional."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest

from rca.load import check_record, check_records
from rca.model import CaseReview, IdentifierKind

ROOT = Path(__file__).parent.parent
CASES = sorted((ROOT / "case_reviews").glob("*.yaml"))

RESERVED_NETS = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]
FICTIONAL_EMAIL = re.compile(
    r"[^@\s]+@(?:[\w-]+\.)*example\.(?:com|org|net|invalid)", re.IGNORECASE
)
FICTIONAL_PHONE = re.compile(r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?555[\s.-]?01\d\d")


def load(path: Path) -> CaseReview:
    loaded, problems = check_record(path)
    assert problems == [], "\n".join(map(str, problems))
    assert loaded is not None
    return loaded.record


def test_there_are_at_least_six_cases() -> None:
    assert len(CASES) >= 6


def test_every_bundled_case_is_valid() -> None:
    results = check_records([ROOT / "case_reviews"])
    assert [str(p) for r in results for p in r.problems] == []
    assert len(results) == len(CASES)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_is_rich_enough_for_a_deck_and_a_brief(path: Path) -> None:
    record = load(path)
    assert len(record.timeline) >= 8
    assert len(record.causes) >= 5
    assert len({c.category for c in record.causes}) >= 3
    deep_chains = [w for w in record.why_chains if len(w.whys) >= 4]
    assert len(deep_chains) >= 2
    assert len(record.actions) >= 3
    assert record.training.knowledge_check and record.lessons and record.policies


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_identifiers_come_only_from_reserved_ranges(path: Path) -> None:
    record = load(path)
    assert record.identifiers, "a case declares the personal data it involves"
    for ident in record.identifiers:
        if ident.kind is IdentifierKind.IP_ADDRESS:
            address = ipaddress.ip_address(ident.value)
            assert any(address in net for net in RESERVED_NETS), ident.value
        elif ident.kind is IdentifierKind.EMAIL:
            assert FICTIONAL_EMAIL.fullmatch(ident.value), ident.value
        elif ident.kind is IdentifierKind.PHONE:
            assert FICTIONAL_PHONE.fullmatch(ident.value), ident.value


def test_cases_cover_the_required_failure_modes() -> None:
    records = [load(p) for p in CASES]
    kinds = {q.process_type.value for r in records for q in r.requests}
    assert {"emergency_disclosure", "subpoena", "preservation", "search_warrant"} <= kinds
    extra = {p.value for r in records for q in r.requests for p in q.additional_process_types}
    assert "nondisclosure_order" in extra | kinds
