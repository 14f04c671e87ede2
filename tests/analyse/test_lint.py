"""Lint rules: each fires on its scenario fixture, exactly where and as it says, and not on its
near miss. Fixtures are copies of clean.yaml with one change (see each file's header)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from analyse_helpers import DATA, TODAY, analyse_file, load

from rca.analyse import AnalysisConfig, Findings, analyse
from rca.analyse.config import Lexicon, builtin_lexicon, load_lexicon, parse_lexicon
from rca.analyse.lint import RULES
from rca.errors import UsageError

DOCS = Path(__file__).parent.parent.parent / "docs" / "lint-rules.md"

# fixture -> its findings exactly as `rca analyze` prints them, after the file name
TRIGGERS = {
    "cycle.yaml": [
        "76:25: error: RCA101 causal-cycle: causes[0].leads_to[1].to: causal cycle C1 -> C4 -> "
        "C2 -> C1: a cause cannot lead back to itself; remove the link that is not causal",
    ],
    "unconnected_cause.yaml": [
        "111:10: warning: RCA103 unconnected-cause: causes[6].id: cause C6 does not lead to "
        "the problem: no chain of leads_to links or why-chain steps runs from it to 'problem'; "
        "link it to the effect it had, or remove it",
    ],
    "no_root_cause.yaml": [
        "72:1: warning: RCA105 no-root-cause: causes: no root cause: no cause within the "
        "organisation's control leads to the problem without another such cause behind it; the "
        "analysis needs a cause the organisation can act on",
    ],
    "blame_root_cause.yaml": [
        "92:16: warning: RCA201 blame-root-cause: causes[3].statement: root cause C4 puts the "
        "problem down to a person ('Human error'); ask why that was possible or likely, and "
        "make the condition that allowed it the root cause",
    ],
    "hindsight.yaml": [
        "87:16: warning: RCA202 hindsight-phrasing: causes[2].statement: 'should have' judges "
        "C3 with hindsight; describe what happened and why it made sense at the time",
    ],
    "shallow_chain.yaml": [
        "116:11: warning: RCA301 shallow-chain: why_chains[1].whys: why-chain W2 is only 2 "
        "why(s) from the problem (minimum 3); keep asking why until you reach a condition the "
        "organisation can change",
    ],
    "long_chain.yaml": [
        "120:11: warning: RCA302 long-chain: why_chains[0].whys: why-chain W1 is 9 whys from "
        "the problem (maximum 8); a ladder this long often narrates the timeline or mixes "
        "levels: check each step answers 'why?' of the one before",
    ],
    "root_without_action.yaml": [
        "97:9: warning: RCA401 root-without-action: causes[4].id: root cause C5 has no "
        "corrective action; add an action that addresses it",
    ],
    "action_without_owner.yaml": [
        "130:5: warning: RCA402 action-without-owner: actions[1].owner: action A2 has no "
        "owner; name the team or role accountable for it",
    ],
    "action_without_due_date.yaml": [
        "130:5: warning: RCA403 action-without-due-date: actions[1].due: action A2 has no due "
        "date; set due so its progress can be tracked",
    ],
    "action_without_success_criterion.yaml": [
        "122:5: warning: RCA404 action-without-success-criterion: "
        "actions[0].success_criterion: action A1 has no success criterion; say what measurable "
        "result, by when, shows it worked",
    ],
    "unmeasurable_success_criterion.yaml": [
        "129:24: warning: RCA405 unmeasurable-success-criterion: actions[0].success_criterion: "
        "the success criterion of action A1 names no measure; say how many, how much or how "
        "fast (a number, a rate, 'no', 'every'), and by when",
    ],
    "overdue_action.yaml": [
        "136:10: warning: RCA406 overdue-action: actions[1].due: action A2 was due 2026-03-01 "
        "and is still in_progress (9 day(s) overdue on 2026-03-10); finish it, or re-plan it "
        "with a new due date",
    ],
    "training_only_fix.yaml": [
        "97:9: warning: RCA407 training-only-fix: causes[4].id: root cause C5 (process_policy) "
        "is answered only by training, the weakest control; add one that changes the system "
        "(eliminate, forcing function, automate, standardise, checklist or alert)",
    ],
    "verified_without_evidence.yaml": [
        "101:13: warning: RCA501 verified-without-evidence: causes[4].status: cause C5 is "
        "marked verified but cites no evidence; list the evidence that verifies it, or mark it "
        "a hypothesis",
    ],
    "unverified_in_approved.yaml": [
        "102:13: error: RCA503 unverified-in-approved: causes[4].status: the review is "
        "approved but cause C5 is still a hypothesis; verify it, or return the review to "
        "in_review",
        "109:33: error: RCA503 unverified-in-approved: causes[5].leads_to[0].status: the "
        "review is approved but the link K1 -> C1 is still a hypothesis; verify it, or return "
        "the review to in_review",
    ],
    "changes_requested_open.yaml": [
        "13:55: error: RCA504 changes-requested-open: review.sign_offs[1].decision: the review "
        "is approved but Legal counsel requested changes on 2026-03-10 and no later sign-off "
        "by Legal counsel approves; make the changes and add a sign-off by Legal counsel with "
        "decision approved, or return the review to in_review",
    ],
    "timeline_out_of_order.yaml": [
        "44:9: warning: RCA601 timeline-out-of-order: timeline[2].at: this event "
        "(2026-03-02T09:10:00-05:00) is listed after a later one (timeline[1], "
        "2026-03-02T09:20:00-05:00); list events in the order they happened, and check the "
        "time zones",
    ],
    "milestones_reversed.yaml": [
        "49:9: warning: RCA602 milestones-reversed: timeline[3].at: milestone escalated "
        "(2026-03-02T14:30:00-05:00) is before detected (2026-03-02T15:00:00-05:00), so the "
        "escalate clock runs backwards; check both timestamps and their time zones",
    ],
    "event_after_resolution.yaml": [
        "64:10: warning: RCA603 event-after-resolution: timeline[6].at: this event "
        "(2026-03-06T10:00:00-05:00) is after the case was resolved "
        "(2026-03-05T12:00:00-05:00); move the resolved milestone, or track the follow-up as "
        "an action",
    ],
    "unmentioned_breach.yaml": [
        "66:1: warning: RCA604 unmentioned-breach: impact: the respond clock ran 1h 30m "
        "against a target of 1h (service_levels[0]), but the impact does not mention it; say "
        "what the delay cost",
    ],
    "single_category.yaml": [
        "72:1: warning: RCA701 single-category: causes: all 6 causes are in one category, "
        "Process & policy (process_policy); look across the other categories of the fishbone "
        "before settling on an answer",
    ],
    "unused_acceptance.yaml": [
        "122:11: warning: RCA901 unused-acceptance: lint_accepted[0].rule: accepts RCA201 "
        "blame-root-cause for C4, but no such warning fires; remove the entry",
    ],
}

TRIGGERS.update(
    {
        "duplicate_cause.yaml": [
            "104:16: warning: RCA801 duplicate-cause: causes[5].statement: cause C6 says what C4 "
            "says (91% alike); merge them into one cause, or state what makes them different",
        ],
        "root_restates_problem.yaml": [
            "98:16: warning: RCA802 root-restates-problem: causes[4].statement: root cause C5 "
            "restates the problem (100% alike); a root cause says why the problem could happen: "
            "ask why again",
        ],
        "interview_only_evidence.yaml": [
            "90:15: warning: RCA803 evidence-not-independent: causes[2].evidence: cause C3 is "
            "verified on interviews alone (EV4): an account of what people did, often by the "
            "people the cause describes; cite a record, log, document or configuration that "
            "corroborates it, or mark it a hypothesis",
        ],
        "training_typed_as_forcing.yaml": [
            "134:16: warning: RCA804 mechanism-mismatch: actions[1].mechanisms: action A2 is "
            "typed forcing_function but its title reads as training ('Retrain'); type it "
            "training, or describe the system change that makes the error impossible",
        ],
        "vague_measure.yaml": [
            "138:24: warning: RCA805 vague-measure: actions[1].success_criterion: the success "
            "criterion of action A2 rests on 'among all specialists': it says who, not what "
            "result can be counted; name the number, rate or check that shows the error no "
            "longer happens, and by when",
        ],
        "action_on_external.yaml": [
            "132:25: warning: RCA806 action-on-external-cause: actions[1].addresses[2]: action A2 "
            "addresses K1, which is outside the organisation's control; aim it at what the "
            "organisation can change (e.g. C1, which it leads to)",
        ],
        "external_names_ours.yaml": [
            "107:21: warning: RCA807 condition-marked-external: causes[5].within_control: K1 is "
            "marked outside the organisation's control but names 'our'; what the organisation "
            "runs is within its control: mark it within_control (kind condition if it is a "
            "standing state), and keep within_control: false for the world outside",
        ],
    }
)

# rule -> a fixture close to triggering it that must not (all of them analyse clean)
NEAR_MISSES = {
    "RCA101": "clean.yaml",  # why-chain W1 repeats leads_to links in the same direction
    "RCA102": "clean.yaml",  # in files, rca validate reports dangling references (test_load)
    "RCA103": "clean.yaml",  # C3 reaches the problem only through C2's AND-group
    "RCA104": "clean.yaml",
    "RCA105": "clean.yaml",  # K1 is external, C4 and C5 are roots
    "RCA201": "blame_contributing.yaml",
    "RCA202": "hindsight_near_miss.yaml",
    "RCA301": "clean.yaml",  # both chains exactly 3 deep
    "RCA302": "clean.yaml",
    "RCA401": "clean.yaml",
    "RCA402": "clean.yaml",
    "RCA403": "done_action_without_due_date.yaml",
    "RCA404": "clean.yaml",
    "RCA405": "clean.yaml",
    "RCA406": "overdue_done_action.yaml",
    "RCA407": "training_people_root.yaml",
    "RCA501": "hypothesis_without_evidence.yaml",
    "RCA502": "clean.yaml",
    "RCA503": "approved.yaml",
    "RCA504": "changes_requested_closed.yaml",  # closed by the same role's later approval
    "RCA601": "clean.yaml",
    "RCA602": "clean.yaml",
    "RCA603": "clean.yaml",
    "RCA604": "mentioned_breach.yaml",
    "RCA701": "clean.yaml",
    "RCA801": "duplicate_cause_near_miss.yaml",  # a related statement about the same tool
    "RCA802": "clean.yaml",
    "RCA803": "interview_corroborated.yaml",  # the interview beside a document
    "RCA804": "training_typed_near_miss.yaml",  # a real system change that also briefs the team
    "RCA805": "clean.yaml",  # "every emergency case sampled in April" can be counted
    "RCA806": "clean.yaml",
    "RCA807": "clean.yaml",  # K1 is the agency's own form
    "RCA901": "accepted_warning.yaml",  # its acceptance is used
}


def lint_of(findings: Findings, name: str) -> list[str]:
    return [str(f).removeprefix(f"{DATA / name}:") for f in findings.lint]


@pytest.mark.parametrize("fixture", sorted(TRIGGERS))
def test_rule_fires_exactly_where_and_as_documented(fixture: str) -> None:
    assert lint_of(analyse_file(fixture), fixture) == TRIGGERS[fixture]


def test_finding_text_names_file_line_column_rule_and_field() -> None:
    [finding] = analyse_file("hindsight.yaml").lint
    assert str(finding) == (
        f"{DATA / 'hindsight.yaml'}:87:16: warning: RCA202 hindsight-phrasing: "
        "causes[2].statement: 'should have' judges C3 with hindsight; describe what happened "
        "and why it made sense at the time"
    )


@pytest.mark.parametrize("rule", sorted(NEAR_MISSES))
def test_rule_stays_quiet_on_its_near_miss(rule: str) -> None:
    findings = analyse_file(NEAR_MISSES[rule])
    assert [f for f in findings.lint if f.severity != "info"] == []
    assert rule not in {f.rule for f in findings.lint}


def rule_of(line: str) -> str:
    return line.split(": ")[2].split()[0]  # "76:25: error: RCA101 causal-cycle: ..."


# In a file, these are reported by `rca validate` (tests/test_load.py), so a record
# with them never reaches the analysis; the rules stay for records built in code.
VALIDATED = {"RCA102", "RCA104", "RCA502"}


def test_every_rule_has_a_trigger_and_a_near_miss() -> None:
    triggered = {rule_of(line) for lines in TRIGGERS.values() for line in lines}
    assert triggered == set(RULES) - VALIDATED
    assert set(NEAR_MISSES) == set(RULES)
    # each scenario shows one rule: the one its name says
    assert all(len({rule_of(line) for line in lines}) == 1 for lines in TRIGGERS.values())


def test_rule_ids_are_stable_and_well_formed() -> None:
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"RCA[1-9]\d\d", rule_id)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert rule.severity in ("error", "warning")
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))


def test_every_rule_is_documented_and_every_documented_rule_exists() -> None:
    text = DOCS.read_text(encoding="utf-8")
    headings = dict(re.findall(r"^#### (RCA\d{3}) ([a-z-]+)$", text, re.MULTILINE))
    table = {
        m[0]: (m[1], m[2])
        for m in re.findall(r"^\| (RCA\d{3}) \| ([a-z-]+) \| (\w+) \|$", text, re.MULTILINE)
    }
    registered = {r.id: r.name for r in RULES.values()}
    assert headings == registered
    assert table == {r.id: (r.name, r.severity) for r in RULES.values()}
    for rule in RULES.values():
        section = text.split(f"#### {rule.id} {rule.name}", 1)[1].split("####", 1)[0]
        assert f"Severity: {rule.severity}" in section, rule.id
        for part in ("**Triggers:**", "**Why it matters:**", "**Fix:**"):
            assert part in section, (rule.id, part)


# ------------------------------------------------------------------------ severities


def test_strict_turns_warnings_into_errors() -> None:
    loaded = load("hindsight.yaml")
    [finding] = analyse(loaded, AnalysisConfig(strict=True), today=TODAY).lint
    assert finding.severity == "error"


def test_approved_review_is_strict() -> None:
    findings = analyse_file("unverified_in_approved.yaml")
    assert findings.strict and findings.review_status == "approved"
    assert {f.severity for f in findings.lint} == {"error"}


def test_accepted_warning_is_info_with_the_reason() -> None:
    [finding] = analyse_file("accepted_warning.yaml").lint
    assert (finding.rule, finding.severity, finding.subject) == ("RCA201", "info", "C4")
    assert finding.accepted == (
        "Kept as written for the training deck; C4's own cause is under investigation."
    )
    assert str(finding).endswith(f"(accepted: {finding.accepted})")


def test_acceptance_even_survives_strict() -> None:
    findings = analyse(load("accepted_warning.yaml"), AnalysisConfig(strict=True), today=TODAY)
    assert [f.severity for f in findings.lint] == ["info"]


def test_acceptance_by_field_prefix(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["why_chains"][1]["whys"] = ["C1", "C3"]
    clean_data["lint_accepted"] = [
        {"rule": "RCA301", "field": "why_chains[1]", "reason": "A near miss."}
    ]
    [finding] = analyse_data(clean_data).lint
    assert (finding.rule, finding.severity, finding.accepted) == ("RCA301", "info", "A near miss.")


def test_acceptance_of_another_field_does_not_match(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["why_chains"][1]["whys"] = ["C1", "C3"]
    clean_data["lint_accepted"] = [
        {"rule": "RCA301", "field": "why_chains[0]", "reason": "A near miss."}
    ]
    assert [(f.rule, f.severity) for f in analyse_data(clean_data).lint] == [
        ("RCA301", "warning"),
        ("RCA901", "warning"),
    ]


def test_errors_cannot_be_accepted(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"][0]["leads_to"] = ["problem", "C4"]
    clean_data["lint_accepted"] = [{"rule": "RCA101", "reason": "We like loops."}]
    found = [(f.rule, f.severity) for f in analyse_data(clean_data).lint]
    assert found == [("RCA101", "error"), ("RCA901", "warning")]


def test_acceptance_of_an_unknown_rule(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["lint_accepted"] = [{"rule": "RCA210", "reason": "Typo."}]
    [finding] = analyse_data(clean_data).lint
    assert finding.message == "'RCA210' is not a lint rule; see docs/lint-rules.md"


# ------------------------------------------------------------------------ message variants


def messages(findings: Findings, rule: str) -> list[str]:
    return [f.message for f in findings.lint if f.rule == rule]


def test_duplicate_cause_id_and_reserved_problem_id(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"].append(dict(clean_data["causes"][0]))
    clean_data["actions"][1]["id"] = "problem"
    assert messages(analyse_data(clean_data), "RCA104") == [
        "id 'C1' is already used by causes[0]; ids must be unique (the analysis uses the first)",
        "'problem' is reserved for the problem statement; choose another id",
    ]


def test_action_sharing_a_cause_id_is_a_duplicate(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["actions"][1]["id"] = "C5"
    findings = analyse_data(clean_data)
    assert messages(findings, "RCA104") == [
        "id 'C5' is already used by causes[4]; ids must be unique (the analysis uses the first)"
    ]
    assert findings.action_coverage["C5"] == []  # the clashing action is left out


def test_no_root_when_every_within_control_cause_is_in_a_cycle(
    analyse_data: Callable[..., Findings], clean_data: dict[str, Any]
) -> None:
    clean_data["causes"] = [
        {"id": "C1", "statement": "One.", "category": "people", "leads_to": ["problem", "C2"]},
        {"id": "C2", "statement": "Two.", "category": "tools_systems", "leads_to": ["C1"]},
    ]
    clean_data["why_chains"] = []
    clean_data["actions"] = []
    rules = [f.rule for f in analyse_data(clean_data).lint]
    assert rules == ["RCA101", "RCA105"]


def test_dangling_references_everywhere(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"][1]["leads_to"] = [{"to": "C11", "together_with": ["C33", "problem"]}]
    clean_data["why_chains"][0]["starts_at"] = "C9"
    clean_data["actions"][0]["addresses"] = ["C4", "C2", "C7"]
    found = [(f.field, f.message) for f in analyse_data(clean_data).lint if f.rule == "RCA102"]
    assert found == [
        (
            "causes[1].leads_to[0].to",
            "'C11' is not a cause or 'problem' in this record; did you mean 'C1'?",
        ),
        (
            "causes[1].leads_to[0].together_with[0]",
            "'C33' is not a cause in this record; did you mean 'C3'?",
        ),
        ("causes[1].leads_to[0].together_with[1]", "'problem' is not a cause in this record"),
        ("why_chains[0].starts_at", "'C9' is not a cause or 'problem' in this record"),
        ("actions[0].addresses[2]", "'C7' is not a cause or 'problem' in this record"),
    ]


def test_shallow_root_without_a_declared_chain(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["why_chains"] = []
    clean_data["causes"][4]["leads_to"] = ["C1"]  # C3 and C5: roots, two whys from the problem
    assert messages(analyse_data(clean_data), "RCA301") == [
        f"root cause {c} is only 2 why(s) from the problem (minimum 3); keep asking why until "
        "you reach a condition the organisation can change"
        for c in ("C3", "C5")
    ]


def test_chain_depth_counts_a_cause_start(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    # W2 starts at C1 (one why from the problem): C1 + [C3, C5] is three deep.
    clean_data["why_chains"][1] = {"id": "W2", "starts_at": "C1", "whys": ["C3", "C5"]}
    assert analyse_data(clean_data).lint == []


def test_chain_depth_settings(
    analyse_data: Callable[..., Findings], clean_data: dict[str, Any]
) -> None:
    deep = analyse_data(clean_data, AnalysisConfig(min_chain_depth=4, max_chain_depth=8))
    assert [(f.rule, f.subject) for f in deep.lint] == [("RCA301", "W1"), ("RCA301", "W2")]
    short = analyse_data(clean_data, AnalysisConfig(min_chain_depth=1, max_chain_depth=2))
    assert [(f.rule, f.subject) for f in short.lint] == [("RCA302", "W1"), ("RCA302", "W2")]
    with pytest.raises(UsageError, match="chain depth"):
        AnalysisConfig(min_chain_depth=5, max_chain_depth=4)


def test_hindsight_in_the_problem_statement(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["problem"]["statement"] = "The team failed to produce the right account."
    assert messages(analyse_data(clean_data), "RCA202") == [
        "'failed to' judges the problem with hindsight; state what happened"
    ]


def test_cancelled_actions_cover_nothing_and_need_nothing(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    action = clean_data["actions"][1]
    action.update(status="cancelled")
    del action["owner"], action["success_criterion"]
    findings = analyse_data(clean_data)
    assert [(f.rule, f.subject) for f in findings.lint] == [("RCA401", "C5")]


def test_training_plus_a_stronger_control_is_enough(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["actions"][1]["mechanism"] = "training"
    clean_data["actions"].append(
        {**clean_data["actions"][1], "id": "A3", "mechanism": "standardise"}
    )
    assert analyse_data(clean_data).lint == []


# ------------------------------------------------------------------------ lexicon


def test_builtin_lexicon_flags_the_classics() -> None:
    blame = builtin_lexicon().blame_pattern
    for text in (
        "Human error.",
        "The specialist did not follow the procedure.",
        "A specialist mistake in the lookup.",
        "Carelessness at intake.",
        "The reviewer failed to follow the checklist.",
        "Procedure not followed.",
    ):
        assert blame.search(text), text
    for text in ("The error message was unclear.", "The tool makes errors easy to miss."):
        assert not blame.search(text), text
    hindsight = builtin_lexicon().hindsight_pattern
    assert hindsight.search("It should\n  have been checked.")
    assert not hindsight.search("The form should state a time zone.")


def test_custom_lexicon_replaces_the_builtin(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings], tmp_path: Path
) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("blame: [abuse investigations]\nhindsight: []\n", encoding="utf-8")
    config = AnalysisConfig(lexicon=load_lexicon(path))
    clean_data["causes"][2]["statement"] = "Someone should have noticed."
    findings = analyse_data(clean_data, config)
    assert [(f.rule, f.subject) for f in findings.lint] == [("RCA201", "C4")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list", "x.yaml: expected a mapping with 'blame' and 'hindsight' lists"),
        ("blame: [ok]\nblam: [typo]", "x.yaml: unknown key(s) blam; expected blame, hindsight"),
        ("blame: human error", "x.yaml: 'blame' must be a list of phrases (text)"),
        ("blame: ['(unclosed']", "x.yaml: blame: '(unclosed' is not a valid pattern"),
        ("blame: [a\n", "x.yaml: not valid YAML"),
    ],
)
def test_bad_lexicon_files_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_lexicon(text, "x.yaml")
    assert str(caught.value).startswith(message)


def test_empty_lexicon_matches_nothing() -> None:
    lexicon = Lexicon((), ())
    assert not lexicon.blame_pattern.search("human error")
