"""The render context: the record's own date, the analysis date, and the profile-limited view."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from rca.render.context import as_of, view

ContextFactory = Callable[..., dict[str, Any]]
DECK_CASE = Path(__file__).parent.parent / "data" / "decks" / "wrong_account.yaml"


def test_as_of_counts_completions_and_revisions(
    render_context: ContextFactory, tmp_path: Path
) -> None:
    # The deck case: last event 2026-04-28, opened 2026-05-04, action A4 completed 2026-05-08.
    context = render_context(DECK_CASE, "leadership")
    assert context["meta"]["as_of"] == "2026-05-08"
    case = copy.deepcopy(context["case"])
    case["review"]["revisions"] = [{"version": "2.1", "on": "2026-05-20", "note": "Results added."}]
    assert as_of(case) == date(2026, 5, 20)


def test_as_of_stays_while_today_moves(render_context: ContextFactory) -> None:
    early = render_context(DECK_CASE, "leadership", date(2026, 5, 11))
    late = render_context(DECK_CASE, "leadership", date(2026, 12, 1))
    assert early["meta"]["as_of"] == late["meta"]["as_of"] == "2026-05-08"
    assert (early["meta"]["today"], late["meta"]["today"]) == ("2026-05-11", "2026-12-01")
    assert early["view"]["overdue"] == ["A1"]
    assert late["view"]["overdue"] == ["A1", "A3"]  # A3 was due 2026-09-30


def test_today_defaults_to_the_current_date(tmp_path: Path) -> None:
    from rca.analyse import analyse
    from rca.audience import load_profiles
    from rca.load import check_record
    from rca.render.context import build_context

    loaded, _ = check_record(DECK_CASE)
    assert loaded is not None
    context = build_context(loaded, analyse(loaded), load_profiles()["leadership"])
    assert context["meta"]["today"] == date.today().isoformat()


def test_view_respects_the_profile_detail(render_context: ContextFactory) -> None:
    context = copy.deepcopy(render_context("brief_small", "specialist"))
    context["audience"]["detail"].update(
        why_chain_depth=2, max_root_causes=1, timeline="deviations"
    )
    shown = view(context)
    # The cut keeps depth-1 whys and the root cause, the gap before it.
    assert [c["steps"] for c in shown["chains"] if c["declared"]] == [["C1", "C3"]]
    assert shown["chains"][0]["truncated"] == 1
    assert shown["chains"][0]["title"] == "Why was the wrong account produced?"
    assert shown["chains"][0]["ends_at_root"] and shown["chains"][0]["gap_before_last"]
    assert len(shown["roots"]) == 1
    assert shown["roots_omitted"] == len(context["findings"]["root_causes"]) - 1


def test_view_roots_merge_the_cause_and_its_rank(render_context: ContextFactory) -> None:
    context = render_context(DECK_CASE, "leadership")
    first = context["view"]["roots"][0]
    rank = context["findings"]["root_causes"][0]
    assert first["id"] == rank["id"]
    assert first["statement"] and first["path_share"] == rank["path_share"]


def test_view_adds_a_derived_chain_for_each_root_no_declared_chain_reaches(
    render_context: ContextFactory,
) -> None:
    chains = render_context(DECK_CASE, "specialist")["view"]["chains"]
    assert [(c["id"], c["title"], c["steps"]) for c in chains] == [
        ("W1", "Why was the wrong account produced?", ["C2", "C1"]),
        (
            "root:C3",
            "How \u201cSecond review checks the data scope but never repeats the account lookup\u201d "
            "leads to the problem",
            ["C3"],
        ),
    ]


def test_view_timeline_levels(render_context: ContextFactory, tmp_path: Path) -> None:
    # brief_small: five milestones, one of them (error_occurred) also the one deviation;
    # its service levels set targets on respond and detect only.
    context = copy.deepcopy(render_context("brief_small", "specialist"))
    events = context["case"]["timeline"]
    picked: dict[str, list[str | None]] = {}
    for level in ("full", "milestones", "deviations"):
        context["audience"]["detail"]["timeline"] = level
        picked[level] = [e["milestone"] for e in view(context)["timeline"]]
    assert len(picked["full"]) == len(events)
    assert picked["milestones"] == [
        e["milestone"] for e in events if e["milestone"] or e["deviation"]
    ]
    targeted = {
        c["metric"] for c in context["findings"]["clocks"] if c["target_seconds"] is not None
    }
    anchors = {
        "respond": {"request_received", "responded"},
        "detect": {"error_occurred", "detected"},
        "escalate": {"detected", "escalated"},
        "resolve": {"detected", "resolved"},
    }
    wanted = set().union(*(anchors[m] for m in targeted))
    assert picked["deviations"] == [
        e["milestone"] for e in events if e["deviation"] or e["milestone"] in wanted
    ]
    assert (
        picked["deviations"] != picked["milestones"]
    )  # "resolved" starts or stops no targeted clock


def test_the_view_is_built_from_the_redacted_case(
    render_context: ContextFactory, tmp_path: Path
) -> None:
    record = yaml.load(DECK_CASE.read_text(encoding="utf-8"), yaml.BaseLoader)
    record["decisions"] = [{"ask": "Decide whether to tell Ana Ruiz about account 5550001111"}]
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    context = render_context(path, "leadership")
    text = repr({k: context[k] for k in ("view", "decisions")})
    assert "5550001111" not in text and "Ana Ruiz" not in text
    assert context["decisions"][0]["ask"] == "Decide whether to tell the officer about the account"


def test_every_time_is_shown_on_the_cases_one_clock(render_context: ContextFactory) -> None:
    # ESC-0142 logs one event in UTC-4 among UTC-7 ones; its reference zone is Pacific time.
    from datetime import datetime

    path = Path(__file__).parent.parent.parent / "case_reviews" / "ESC-0142.yaml"
    context = render_context(path, "leadership")
    offsets = {datetime.fromisoformat(e["at"]).utcoffset() for e in context["case"]["timeline"]}
    assert len(offsets) == 1
    assert context["meta"]["time_zone"] == "UTC\u22127 (America/Los_Angeles)"
    detected = next(e for e in context["case"]["timeline"] if e["milestone"] == "detected")
    assert detected["at"].startswith("2026-03-16T06:05")  # 09:05 in UTC-4, the same instant
    for clock in context["findings"]["clocks"]:
        for end in (clock["start"], clock["end"]):
            assert end is None or end.endswith("-07:00")
