"""The causal graph as the findings show it: roles, edges, chains, ranking, categories."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from analyse_helpers import analyse_file

from rca.analyse import Findings
from rca.analyse.findings import Chain, Edge, RankedRoot
from rca.analyse.graph import CausalGraph


def test_clean_case_roles_and_lists() -> None:
    f = analyse_file("clean.yaml")
    assert {c.id: c.role for c in f.causes} == {
        "C1": "contributing",
        "C2": "contributing",
        "C3": "contributing",
        "C4": "root",
        "C5": "root",
        "K1": "external",
    }
    assert f.contributing == ["C1", "C2", "C3"]
    assert f.conditions == [] and f.unconnected == []
    assert f.external == ["K1"]
    assert {c.id: c.distance for c in f.causes} == {
        "C1": 1,
        "C2": 2,
        "C3": 2,
        "C4": 3,
        "C5": 3,
        "K1": 2,
    }
    c2 = next(c for c in f.causes if c.id == "C2")
    assert (c2.category_label, c2.effects, c2.actions) == ("Tools & systems", ["C1"], ["A1"])


def test_edges_compile_links_and_chains_into_one_graph() -> None:
    f = analyse_file("clean.yaml")
    and_group = "C2+C3->C1"
    assert f.edges == [
        Edge("C1", "problem", "causes", None, "verified", "leads_to"),
        Edge("C2", "C1", "causes", and_group, "verified", "leads_to"),
        Edge("C3", "C1", "causes", and_group, "verified", "leads_to"),
        Edge("C4", "C2", "causes", None, "verified", "leads_to"),
        Edge("C5", "C3", "causes", None, "verified", "leads_to"),
        Edge("K1", "C1", "causes", None, "verified", "leads_to"),
        # the why-chains add nothing new: every step is already a link
        Edge("A1", "C4", "addresses", None, "hypothesis", "action"),
        Edge("A1", "C2", "addresses", None, "hypothesis", "action"),
        Edge("A2", "C5", "addresses", None, "hypothesis", "action"),
        Edge("A2", "C3", "addresses", None, "hypothesis", "action"),
    ]


def test_why_chain_alone_makes_the_edges(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    for cause in clean_data["causes"]:
        if cause["id"] != "K1":
            cause.pop("leads_to", None)
    f = analyse_data(clean_data)
    chain_edges = [(e.source, e.target) for e in f.edges if e.origin == "why_chain"]
    assert chain_edges == [
        ("C1", "problem"),
        ("C2", "C1"),
        ("C4", "C2"),
        ("C3", "C1"),
        ("C5", "C3"),
    ]
    assert [r.id for r in f.root_causes] == ["C4", "C5"]
    assert f.lint == []


def test_link_status_inherits_from_its_cause_unless_given(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"][3]["status"] = "hypothesis"  # C4
    clean_data["causes"][4]["leads_to"] = [{"to": "C3", "status": "unknown"}]  # C5
    f = analyse_data(clean_data)
    status = {(e.source, e.target): e.status for e in f.edges}
    assert status[("C4", "C2")] == "hypothesis"
    assert status[("C5", "C3")] == "unknown"
    assert status[("C1", "problem")] == "verified"


def test_ranking_counts_paths_and_downstream_share(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    # C4 now also feeds C3 directly: two paths (C4-C2-C1, C4-C3-C1), C5 one.
    clean_data["causes"][3]["leads_to"] = ["C2", "C3"]
    f = analyse_data(clean_data)
    assert f.root_causes == [
        RankedRoot("C4", 2, 2 / 3, 4 / 7, ["A1"]),
        RankedRoot("C5", 1, 1 / 3, 3 / 7, ["A2"]),
    ]
    assert f.action_coverage == {"C4": ["A1"], "C5": ["A2"]}


def test_ties_rank_by_effect_share_then_id() -> None:
    f = analyse_file("clean.yaml")
    assert [(r.id, r.paths, r.path_share) for r in f.root_causes] == [
        ("C4", 1, 0.5),
        ("C5", 1, 0.5),
    ]


def test_derived_chains_read_from_the_problem_to_the_root() -> None:
    f = analyse_file("clean.yaml")
    assert f.chains == [
        Chain("W1", "Why was the wrong account produced?", "problem", ["C1", "C2", "C4"], True),
        Chain("W2", None, "problem", ["C1", "C3", "C5"], True),
        Chain("root:C4", None, "problem", ["C1", "C2", "C4"], False),
        Chain("root:C5", None, "problem", ["C1", "C3", "C5"], False),
    ]


def test_derived_chain_takes_the_longest_path(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"][3]["leads_to"] = ["C1", "C2"]  # C4: a short cut and the long way
    f = analyse_data(clean_data)
    derived = {c.id: c.steps for c in f.chains if not c.declared}
    assert derived["root:C4"] == ["C1", "C2", "C4"]


def test_root_with_only_external_causes_behind_it_is_still_a_root(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"].append(
        {
            "id": "X1",
            "statement": "A vendor default.",
            "category": "environment_external",
            "within_control": False,
            "leads_to": ["C4"],
            "status": "verified",
            "evidence": ["EV2"],
        }
    )
    f = analyse_data(clean_data)
    assert [r.id for r in f.root_causes] == ["C4", "C5"]
    assert "X1" in f.external


def test_conditions_do_not_make_a_root_contributing(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"].append(
        {
            "id": "K2",
            "statement": "Night shift runs with one specialist.",
            "category": "people",
            "kind": "condition",
            "leads_to": ["C4"],
            "status": "verified",
            "evidence": ["EV1"],
        }
    )
    f = analyse_data(clean_data)
    assert [r.id for r in f.root_causes] == ["C4", "C5"]
    assert f.conditions == ["K2"]


def test_unconnected_and_dangling_parts_stay_out_of_the_ranking(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    clean_data["causes"].append(
        {"id": "C6", "statement": "A loose end.", "category": "people", "leads_to": ["C99"]}
    )
    f = analyse_data(clean_data)
    assert f.unconnected == ["C6"]
    assert [r.id for r in f.root_causes] == ["C4", "C5"]
    assert all(e.target != "C99" for e in f.edges)


def test_cycle_does_not_break_the_findings() -> None:
    f = analyse_file("cycle.yaml")
    assert [r.id for r in f.root_causes] == ["C5"]
    assert f.root_causes[0].paths == 1
    assert {c.id for c in f.causes if c.role == "contributing"} == {"C1", "C2", "C3", "C4"}


def test_categories_and_fishbone_follow_the_taxonomy() -> None:
    f = analyse_file("clean.yaml")
    assert list(f.categories) == [
        "people",
        "process_policy",
        "tools_systems",
        "legal_process_requester",
        "data_identifiers",
        "legal_jurisdiction",
        "verification_measurement",
        "environment_external",
    ]
    assert {k: n for k, n in f.categories.items() if n} == {
        "process_policy": 2,
        "tools_systems": 2,
        "legal_process_requester": 1,
        "data_identifiers": 1,
    }
    assert f.fishbone["tools_systems"] == ["C2", "C4"]


def test_findings_are_plain_json() -> None:
    f = analyse_file("unverified_in_approved.yaml")
    data = json.loads(json.dumps(f.to_dict()))
    assert data["case_id"] == "TST-0100"
    assert data["lint"][0]["rule"] == "RCA503"
    assert data["root_causes"][0]["id"] == "C4"


def test_graph_keeps_networkx_inside(clean_data: dict[str, Any]) -> None:
    from analyse_helpers import wrap

    graph = CausalGraph(wrap(clean_data).record)
    assert graph.path_counts == {"C1": 1, "C2": 1, "C3": 1, "C4": 1, "C5": 1, "K1": 1}
    assert graph.downstream_counts["C4"] == 3  # C2, C1, problem


def test_five_thousand_causes_are_counted_not_enumerated(
    clean_data: dict[str, Any], analyse_data: Callable[..., Findings]
) -> None:
    rng = random.Random(7)
    causes = []
    for i in range(5000):
        if i < 20:
            targets = ["problem"]
        else:
            targets = sorted({f"C{rng.randrange(max(0, i - 200), i)}" for _ in range(3)})
        causes.append(
            {"id": f"C{i}", "statement": f"Cause {i}.", "category": "people", "leads_to": targets}
        )
    clean_data.update(causes=causes, why_chains=[], actions=[])
    # Its speed is a benchmark (benchmarks.run, "analyse 5,000 causes"), not a timed test.
    f = analyse_data(clean_data)
    assert f.root_causes and f.root_causes[0].paths > 10**15  # counted, never enumerated
    assert abs(sum(r.path_share for r in f.root_causes) - 1) < 1e-9
