"""Clocks between milestones, service-level targets, deviations per workflow step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from analyse_helpers import analyse_file

from rca.analyse import Findings
from rca.analyse.findings import Clock
from rca.analyse.metrics import format_duration


def test_clocks_of_the_clean_case() -> None:
    assert analyse_file("clean.yaml").clocks == [
        Clock(
            "detect",
            "2026-03-02T09:20:00-05:00",
            "2026-03-02T15:00:00-05:00",
            5 * 3600 + 40 * 60,
            24 * 3600,
            False,
        ),
        Clock(
            "escalate",
            "2026-03-02T15:00:00-05:00",
            "2026-03-02T15:30:00-05:00",
            30 * 60,
            3600,
            False,
        ),
        Clock(
            "respond",
            "2026-03-02T09:00:00-05:00",
            "2026-03-02T10:30:00-05:00",
            90 * 60,
            4 * 3600,
            False,
        ),
        Clock(
            "resolve",
            "2026-03-02T15:00:00-05:00",
            "2026-03-05T12:00:00-05:00",
            (2 * 24 + 21) * 3600,
            5 * 24 * 3600,
            False,
        ),
    ]


def test_a_breach() -> None:
    respond = analyse_file("unmentioned_breach.yaml").clocks[2]
    assert (respond.metric, respond.elapsed_seconds, respond.target_seconds, respond.breached) == (
        "respond",
        5400,
        3600,
        True,
    )


def test_clock_across_time_zones(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    # 15:00 in New York is 20:00 UTC: the escalation at 20:30Z is 30 minutes later.
    clean_data["timeline"][4]["at"] = "2026-03-02T20:30:00Z"
    escalate = analyse_data(clean_data).clocks[1]
    assert escalate.elapsed_seconds == 1800


def test_missing_milestone_or_target_leaves_the_clock_open(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    del clean_data["timeline"][3]["milestone"]  # no "detected"
    clean_data["service_levels"] = [
        {"process_type": "search_warrant", "metric": "respond", "target": "1m"},  # other process
    ]
    clocks = {c.metric: c for c in analyse_data(clean_data).clocks}
    assert clocks["detect"] == Clock("detect", "2026-03-02T09:20:00-05:00", None, None, None, None)
    assert clocks["respond"].elapsed_seconds == 5400
    assert clocks["respond"].target_seconds is None and clocks["respond"].breached is None


def test_first_matching_service_level_wins(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["service_levels"].append(
        {"process_type": "emergency_disclosure", "metric": "respond", "target": "1m"}
    )
    assert analyse_data(clean_data).clocks[2].target_seconds == 4 * 3600


def test_deviations_per_step_in_workflow_order() -> None:
    deviations = analyse_file("clean.yaml").deviations_by_step
    assert list(deviations)[:3] == ["intake", "requester_verification", "triage"]
    assert {k: v for k, v in deviations.items() if v} == {"account_identification": 1}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0, "0m"),
        (45 * 60, "45m"),
        (3600, "1h"),
        (9 * 3600 + 30 * 60, "9h 30m"),
        (86400, "1d"),
        (2 * 86400 + 4 * 3600 + 59, "2d 4h"),
        (-1800, "-30m"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text
