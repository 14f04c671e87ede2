"""The trends bundles: every table exported as flat, JSON-ready rows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from rca.load import load_records
from rca.trends.generate import AMBIGUOUS_ATTRIBUTE
from rca.trends.qa import read_qa_folder
from rca.trends.summary import case_trends, qa_trends

ROOT = Path(__file__).parent.parent.parent


def test_qa_trends_tables_are_flat_and_json_ready() -> None:
    trends = qa_trends(read_qa_folder(ROOT / "case_reviews" / "qa"))
    tables = trends.tables()
    assert sorted(tables) == [
        "qa_accuracy",
        "qa_agreement",
        "qa_control_chart",
        "qa_error_pareto",
        "qa_error_pareto_by_process",
        "qa_error_pareto_by_severity",
    ]
    json.dumps(tables)  # nothing but JSON values
    for rows in tables.values():
        assert rows and all(not isinstance(v, (list, dict)) for row in rows for v in row.values())
    flagged = [(r["metric"], r["period"]) for r in tables["qa_control_chart"] if r["flagged"]]
    assert ("account_match_correct", "2025-11-01") in flagged
    assert trends.untrusted == [AMBIGUOUS_ATTRIBUTE]
    agreement = tables["qa_agreement"][0]
    assert agreement["prevalence"].startswith("fail=")


def test_case_trends_tables() -> None:
    records = load_records([ROOT / "tests" / "data" / "trends" / "cases"])
    tables = case_trends(records, today=date(2026, 1, 15)).tables()
    json.dumps(tables)
    assert tables["case_recurrence"][0]["case_ids"] == "TRD-0003; TRD-0001; TRD-0002"
    assert tables["case_ineffective_actions"][0]["completed_on"] == "2025-07-15"
    assert {k for k in tables if k.startswith("case_category_pareto_by_")} == {
        "case_category_pareto_by_process_type",
        "case_category_pareto_by_severity",
        "case_category_pareto_by_detected_by",
        "case_category_pareto_by_period",
    }
