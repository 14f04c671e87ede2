"""Trends over case records: Paretos, recurrence, ineffective actions, the action portfolio, clocks.

The fixtures in tests/data/trends/cases are four small fictional cases:
TRD-0003 (2025-05-20) tz_conversion + manual_rekeying; TRD-0001 (2025-06-10)
tz_conversion + lookup_assumes_utc, whose action A1 was completed 2025-07-15;
TRD-0002 (2025-09-02) both codes again, so TRD-0001's A1 was ineffective;
TRD-0004 (2025-11-05) manual_rekeying filed under another category.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rca.errors import UsageError
from rca.load import LoadedRecord, load_records
from rca.trends.cases import (
    CaseTables,
    IneffectiveAction,
    Portfolio,
    Recurrence,
    action_portfolio,
    action_states,
    case_mix,
    case_tables,
    cause_pareto,
    clock_summary,
    ineffective_actions,
    measure_clocks,
    recurrence,
    repeat_rates,
)
from rca.trends.queries import Scope

ROOT = Path(__file__).parent.parent.parent
CASES = ROOT / "tests" / "data" / "trends" / "cases"
TODAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def records() -> list[LoadedRecord]:
    return load_records([CASES])


@pytest.fixture(scope="module")
def tables(records: list[LoadedRecord]) -> CaseTables:
    return case_tables(records)


def test_tables_hold_every_case_cause_and_action(tables: CaseTables) -> None:
    counts = {
        name: tables.con.execute(f"SELECT count(*) FROM {tables.table(name)}").fetchall()[0][0]
        for name in ("cases", "causes", "actions", "action_causes", "clocks")
    }
    assert counts == {"cases": 4, "causes": 8, "actions": 6, "action_causes": 6, "clocks": 16}
    dates = tables.con.execute(
        f"SELECT case_id, occurred_on, detected_on FROM {tables.table('cases')} ORDER BY 1"
    ).fetchall()
    assert dates[3] == ("TRD-0004", date(2025, 11, 5), date(2025, 12, 3))


def test_category_pareto(tables: CaseTables) -> None:
    rows = cause_pareto(tables)
    assert [(r.key, r.causes, r.cases) for r in rows] == [
        ("data_identifiers", 3, 3),
        ("tools_systems", 3, 3),
        ("people", 1, 1),
        ("process_policy", 1, 1),
    ]
    assert [r.cumulative_share for r in rows] == pytest.approx([3 / 8, 6 / 8, 7 / 8, 1.0])
    assert all(r.group is None and r.group_cases == 4 for r in rows)


def test_code_pareto_by_dimension(tables: CaseTables) -> None:
    by_process = cause_pareto(tables, "code", "process_type")
    assert [(r.group, r.key, r.causes, r.group_cases) for r in by_process] == [
        ("emergency_disclosure", "tz_conversion", 2, 2),
        ("emergency_disclosure", "lookup_assumes_utc", 1, 2),
        ("emergency_disclosure", "manual_rekeying", 1, 2),
        ("search_warrant", "manual_rekeying", 1, 1),  # its other cause has no code
        ("subpoena", "lookup_assumes_utc", 1, 1),
        ("subpoena", "tz_conversion", 1, 1),
    ]
    by_detection = cause_pareto(tables, "category", "detected_by")
    assert {r.group for r in by_detection} == {"audit", "external", "requester", "self_identified"}
    by_period = cause_pareto(tables, "code", "period", Scope(since=date(2025, 6, 1)))
    assert sorted({r.group for r in by_period if r.group}) == [
        "2025-06-01",
        "2025-09-01",
        "2025-12-01",
    ]
    with pytest.raises(UsageError, match="cannot group cases"):
        cause_pareto(tables, by="agency")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="category or code"):
        cause_pareto(tables, "statement")  # type: ignore[arg-type]


def test_root_causes_need_findings(records: list[LoadedRecord], tables: CaseTables) -> None:
    with pytest.raises(UsageError, match="built with findings"):
        cause_pareto(tables, roots_only=True)
    from rca.analyse import analyse

    found = {r.record.case_id: analyse(r, today=TODAY) for r in records}
    with_roles = case_tables(records, findings=found)
    roots = cause_pareto(with_roles, roots_only=True)
    # C2 leads to C1 leads to the problem in every fixture: C2 is the root
    assert [(r.key, r.causes) for r in roots] == [("tools_systems", 3), ("people", 1)]


def test_recurrence_lists_cases_in_order_of_occurrence(tables: CaseTables) -> None:
    assert recurrence(tables) == [
        Recurrence("tz_conversion", "data_identifiers", 3, ["TRD-0003", "TRD-0001", "TRD-0002"],
                   date(2025, 5, 20), date(2025, 9, 2)),
        Recurrence("lookup_assumes_utc", "tools_systems", 2, ["TRD-0001", "TRD-0002"],
                   date(2025, 6, 10), date(2025, 9, 2)),
        # filed under people once and process_policy once: the tie goes to the first name
        Recurrence("manual_rekeying", "people", 2, ["TRD-0003", "TRD-0004"],
                   date(2025, 5, 20), date(2025, 11, 5)),
    ]  # fmt: skip
    assert recurrence(tables, Scope(until=date(2025, 8, 31)))[0].case_ids == [
        "TRD-0003",
        "TRD-0001",
    ]


def test_repeat_rate_per_category(tables: CaseTables) -> None:
    rates = {r.category: (r.cases, r.repeats) for r in repeat_rates(tables)}
    assert rates == {
        "data_identifiers": (3, 2),  # TRD-0001 and TRD-0002 repeat TRD-0003's tz_conversion
        "tools_systems": (3, 1),  # TRD-0002 repeats lookup_assumes_utc
        "process_policy": (1, 1),  # TRD-0004's manual_rekeying came first in TRD-0003
        "people": (1, 0),
    }


def test_an_action_is_ineffective_when_its_cause_occurs_after_completion(
    tables: CaseTables,
) -> None:
    # TRD-0001 A2 addresses tz_conversion but is not complete; TRD-0002 A1 and TRD-0004 A2
    # were completed after the last occurrence of their codes.
    assert ineffective_actions(tables) == [
        IneffectiveAction("TRD-0001", "A1", "LER Tooling", "done", date(2025, 7, 15),
                          "lookup_assumes_utc", ["TRD-0002"], date(2025, 9, 2)),
    ]  # fmt: skip


def test_action_portfolio_by_owner(tables: CaseTables) -> None:
    assert action_portfolio(tables, TODAY) == [
        Portfolio("LER Operations", False, 2, 1, 1, 1, 0, 0, 0, 0, 0),
        Portfolio("LER Policy", False, 1, 0, 0, 0, 0, 0, 0, 1, 0),
        Portfolio("LER Tooling", False, 2, 0, 0, 1, 1, 1, 1, 0, 1),
        Portfolio(None, False, 1, 1, 0, 0, 0, 0, 0, 0, 0),
        Portfolio(None, True, 6, 2, 1, 2, 1, 1, 1, 1, 1),
    ]
    # on an earlier day nothing was overdue yet
    total = action_portfolio(tables, date(2025, 9, 1))[-1]
    assert (total.overdue, total.verification_overdue) == (0, 0)


def test_action_states(tables: CaseTables) -> None:
    states = {(s.case_id, s.action_id): s for s in action_states(tables, TODAY)}
    overdue = states["TRD-0001", "A2"]
    assert (overdue.open, overdue.overdue, overdue.due) == (True, True, date(2025, 9, 30))
    waiting = states["TRD-0001", "A1"]
    assert (waiting.awaiting_verification, waiting.verification_overdue, waiting.ineffective) == (
        True,
        True,
        True,
    )
    no_verify_by = states["TRD-0004", "A2"]
    assert (no_verify_by.status, no_verify_by.awaiting_verification) == ("done", False)


def test_clocks_match_the_engine(records: list[LoadedRecord]) -> None:
    from rca.analyse.metrics import measure

    bundled = load_records([ROOT / "case_reviews"])
    for loaded in [*records, *bundled]:
        engine = [
            {"request_id": m.clock.request, "metric": m.clock.metric,
             "elapsed_seconds": m.clock.elapsed_seconds,
             "target_seconds": m.clock.target_seconds, "breached": m.clock.breached}
            for m in measure(loaded.record)
        ]  # fmt: skip
        assert measure_clocks(loaded.record) == engine, loaded.record.case_id


def test_clock_summary(tables: CaseTables) -> None:
    rows = {(r.metric, r.process_type, r.period): r for r in clock_summary(tables)}
    respond = rows["respond", None, None]
    # responded after 1.5 h, 10 d, 2 h and 7 d; targets 4h, 5d, 4h, 10d -> TRD-0002 breached
    assert respond.measured == 4
    assert respond.median_seconds == pytest.approx((2 * 3600 + 7 * 86400) / 2)
    assert (respond.with_target, respond.breached, respond.breach_rate) == (4, 1, 0.25)
    detect = rows["detect", "emergency_disclosure", None]
    # TRD-0001 detected after 5 h (target 24 h), TRD-0003 after 48 h: one breach of two
    assert (detect.measured, detect.breached, detect.breach_rate) == (2, 1, 0.5)
    escalate = rows["escalate", "subpoena", date(2025, 9, 1)]
    assert (escalate.measured, escalate.with_target, escalate.breach_rate) == (1, 0, None)


def test_case_mix(tables: CaseTables) -> None:
    mix = [(m.period, m.key, m.cases) for m in case_mix(tables, "severity") if m.period is None]
    assert mix == [(None, "reportable", 2), (None, "recordable", 1), (None, "serious", 1)]
    with pytest.raises(UsageError, match="case mix is by"):
        case_mix(tables, "period")


def test_no_records_make_empty_tables() -> None:
    empty = case_tables([])
    assert cause_pareto(empty) == [] and recurrence(empty) == []
    assert action_portfolio(empty, TODAY) == [Portfolio(None, True, 0, 0, 0, 0, 0, 0, 0, 0, 0)]
