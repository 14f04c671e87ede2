"""Several legal requests per case: their own milestones, clocks, deadlines and unknowns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rca.analyse import analyse
from rca.analyse.metrics import format_duration
from rca.load import LoadedRecord, check_record
from rca.model import Unknowable

ROOT = Path(__file__).parent.parent
FOREIGN = ROOT / "case_reviews" / "ESC-0192.yaml"
TEXT = FOREIGN.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def foreign() -> LoadedRecord:
    loaded, problems = check_record(FOREIGN)
    assert loaded is not None, problems
    return loaded


def variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT, old
    path = tmp_path / "case.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    _, problems = check_record(path)
    return [str(p).removeprefix(f"{path}:") for p in problems]


def test_the_foreign_case_holds_three_requests_as_written(foreign: LoadedRecord) -> None:
    record = foreign.record
    assert [r.id for r in record.requests] == ["R1", "R2", "R3"]
    assert record.primary_request.process_type.value == "emergency_disclosure"
    court_order = record.requests[1]
    assert (court_order.legal_basis, court_order.basis_required) == ("foreign_order", "mlat")
    assert court_order.correct_entity is False
    assert court_order.data_held_by == "Example Platform, Inc."
    assert court_order.translation == "machine"
    assert record.requests[2].data.lost == ["session_ip_logs"]
    assert record.timeline[6].precision == "day"  # the courier receipt carries the date only


def test_clocks_are_measured_per_request(foreign: LoadedRecord) -> None:
    findings = analyse(foreign, today=date(2026, 12, 1))
    clocks = {(c.request, c.metric): c for c in findings.clocks}
    respond = {r: clocks[r, "respond"] for r in ("R1", "R2", "R3")}
    # Each against its own process type's target: 4h, 10d, 24h.
    assert [format_duration(c.target_seconds) for c in respond.values()] == ["4h", "10d", "1d"]
    assert [c.breached for c in respond.values()] == [True, False, True]
    assert format_duration(respond["R1"].elapsed_seconds) == "20h 10m"
    assert respond["R2"].precision == "day" and respond["R1"].precision == "minute"
    assert [(d.request, d.kind, d.status) for d in findings.deadlines] == [
        ("R2", "response_due", "met"),
        ("R3", "hold_expiry", "passed"),
    ]
    assert findings.lint == []  # clean, the way every bundled case is


def test_a_milestone_in_a_case_of_several_requests_says_whose(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "    request: R1\n    actor: LER shift lead", "    actor: LER shift lead"
    )
    assert messages(path) == [
        "218:16: timeline[4].milestone: this case has 3 requests; say which one(s) milestone "
        "'escalated' marks with request: (one of R1, R2, R3)"
    ]


def test_a_request_reference_must_name_a_request(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "    request: R1\n    actor: LER shift lead",
        "    request: R4\n    actor: LER shift lead",
    )
    assert messages(path) == [
        "213:14: timeline[4].request[0]: 'R4' is not a request of this record; expected one "
        "of: R1, R2, R3"
    ]


def test_a_day_without_a_time_needs_the_records_time_zone(tmp_path: Path) -> None:
    path = variant(tmp_path, "time_zone: America/Los_Angeles", "")
    day_alone = (
        "is a day without a time; a day alone needs the record's time_zone "
        "(e.g. time_zone: America/New_York) to know when that day starts"
    )
    assert messages(path) == [
        f"112:14: requests[1].deadlines[0].due: '2026-05-21' {day_alone}",
        f"141:14: requests[2].deadlines[0].due: '2026-08-11' {day_alone}",
        f"238:9: timeline[6].at: '2026-05-11' {day_alone}",
    ]


def test_unknown_and_not_applicable_are_answers(tmp_path: Path) -> None:
    path = variant(tmp_path, "  accounts_affected: 1", "  accounts_affected: unknown")
    text = path.read_text().replace(
        "      jurisdiction: BR-SP\n    addressed_to: Example Platform Brasil",
        "      jurisdiction: not_applicable\n    addressed_to: Example Platform Brasil",
        1,
    )
    path.write_text(text)
    loaded, problems = check_record(path)
    assert problems == [] and loaded is not None
    assert loaded.record.impact.accounts_affected is Unknowable.UNKNOWN
    assert loaded.record.requests[1].issued_by is not None
    assert loaded.record.requests[1].issued_by.jurisdiction is Unknowable.NOT_APPLICABLE


def test_n_a_gets_a_hint(tmp_path: Path) -> None:
    path = variant(tmp_path, "  accounts_affected: 1", "  accounts_affected: n/a")
    assert messages(path) == [
        "364:22: impact.accounts_affected: write not_applicable (or unknown) for a fact that "
        "does not apply; got 'n/a'"
    ]
