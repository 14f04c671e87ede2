"""Property tests over random causal graphs: cycles, AND-groups, dangling and duplicate ids,
external causes and conditions included.

- every reported root cause reaches the problem (checked on the findings' own edges),
- every chain is a real path in the graph,
- path counts agree with brute-force enumeration on acyclic graphs,
- the engine never crashes, and its findings are always plain JSON.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from analyse_helpers import wrap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rca.analyse import Findings, analyse
from rca.analyse.lint import RULES

IDS = [f"C{i}" for i in range(10)]
MISSING = "C99"  # never defined: a dangling reference
CATEGORIES = ["people", "process_policy", "tools_systems", "data_identifiers"]
STATEMENTS = [
    "The lookup tool assumes UTC.",
    "Human error.",
    "The specialist should have checked.",
    "The checklist has no time-zone step.",
]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MILESTONES = [
    "request_received",
    "error_occurred",
    "detected",
    "escalated",
    "responded",
    "resolved",
]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def link(draw: st.DrawFn, ids: list[str], acyclic: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"to": draw(st.sampled_from([*ids, "problem", "problem", MISSING]))}
    if not acyclic and draw(st.integers(0, 3)) == 0:
        out["together_with"] = draw(st.lists(st.sampled_from([*ids, MISSING]), max_size=2))
    status = draw(st.sampled_from([None, "verified", "hypothesis", "unknown"]))
    if status:
        out["status"] = status
    return out


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    # ids drawn with replacement: an occasional duplicate is part of the test
    ids = draw(st.lists(st.sampled_from(IDS), max_size=9))
    known = sorted(set(ids)) or ["C0"]
    # Half the graphs are acyclic by construction (links only to earlier ids, no
    # AND-groups or chains), so path counts can be checked against enumeration.
    acyclic = draw(st.booleans())

    def targets(cause_id: str) -> list[str]:
        return [i for i in known if i < cause_id] if acyclic else known

    causes = [
        {
            "id": cause_id,
            "statement": draw(st.sampled_from(STATEMENTS)),
            "category": draw(st.sampled_from(CATEGORIES)),
            "kind": draw(st.sampled_from(["cause", "cause", "condition"])),
            "within_control": draw(st.booleans()) or draw(st.booleans()),
            "status": draw(st.sampled_from(["verified", "hypothesis", "unknown"])),
            "leads_to": draw(st.lists(link(targets(cause_id), acyclic), max_size=3)),
            "evidence": draw(st.lists(st.sampled_from(["EV1", "EV2"]), max_size=1)),
        }
        for cause_id in ids
    ]
    chains = [
        {
            "id": f"W{i}",
            "starts_at": draw(st.sampled_from(["problem", "problem", *known])),
            "whys": draw(st.lists(st.sampled_from([*known, MISSING]), min_size=1, max_size=10)),
        }
        for i in range(0 if acyclic else draw(st.integers(0, 3)))
    ]
    actions = [
        {
            "id": f"A{i}",
            "title": "An action",
            "addresses": draw(st.lists(st.sampled_from([*known, MISSING]), min_size=1, max_size=3)),
            "type": "prevent",
            "mechanism": draw(st.sampled_from(["training", "automate", "checklist"])),
            "status": draw(st.sampled_from(["planned", "in_progress", "cancelled"])),
            **({"owner": "LER Operations"} if draw(st.booleans()) else {}),
            **({"due": date(2026, 3, draw(st.integers(1, 28)))} if draw(st.booleans()) else {}),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    marks = draw(st.lists(st.sampled_from(MILESTONES), unique=True, max_size=6))
    timeline = [
        {
            "at": START + timedelta(minutes=draw(st.integers(-600, 6000))),
            "actor": "LER specialist",
            "step": "intake",
            "what": "Something happened.",
            **({"milestone": marks[i]} if i < len(marks) else {}),
        }
        for i in range(draw(st.integers(1, 7)))
    ]
    status = draw(st.sampled_from(["draft", "approved"]))
    return {
        "case_id": "TST-0001",
        "title": "Generated",
        "version": "1",
        "review": {
            "status": status,
            "authoring_team": "LER Quality",
            "sign_offs": [{"role": "Head of LER", "on": date(2026, 3, 9)}],
        },
        "escalation": {
            "process_type": "emergency_disclosure",
            "triage_class": "emergency",
            "severity": "recordable",
            "detected_by": "audit",
            "requester": {
                "agency_type": "local_law_enforcement",
                "jurisdiction": "US",
                "addressed_to": "Example Platform LLC",
            },
            "data": {},
            "summary": "Generated.",
        },
        "service_levels": [
            {"process_type": "emergency_disclosure", "metric": m, "target": "4h"}
            for m in ("detect", "escalate", "respond", "resolve")
        ],
        "timeline": timeline,
        "problem": {"statement": "Something went wrong."},
        "impact": {
            "accounts_affected": 1,
            "data_exposure": "None.",
            "legal_exposure": "None.",
            "life_safety": "none",
        },
        "causes": causes,
        "why_chains": chains,
        "evidence": [{"id": "EV1", "kind": "case_record", "description": "A record."}],
        "actions": actions,
    }


def run(data: dict[str, Any]) -> Findings:
    return analyse(wrap(data), today=date(2026, 3, 10))


def cause_edges(f: Findings) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in f.edges if e.kind == "causes"}


def reaches_problem(start: str, edges: set[tuple[str, str]]) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == "problem":
            return True
        for source, target in edges:
            if source == node and target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def simple_paths(start: str, edges: set[tuple[str, str]], seen: frozenset[str]) -> Iterator[None]:
    if start == "problem":
        yield None
        return
    for source, target in edges:
        if source == start and target not in seen:
            yield from simple_paths(target, edges, seen | {target})


def is_acyclic(edges: set[tuple[str, str]]) -> bool:
    nodes = {n for e in edges for n in e}
    indegree = {n: 0 for n in nodes}
    for _, target in edges:
        indegree[target] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        for source, target in edges:
            if source == node:
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.append(target)
    return done == len(nodes)


@SETTINGS
@given(cases())
def test_never_crashes_and_stays_plain_json(data: dict[str, Any]) -> None:
    f = run(data)
    json.dumps(f.to_dict())
    assert all(x.rule in RULES and x.severity in ("error", "warning", "info") for x in f.lint)
    roles = {c.id: c.role for c in f.causes}
    assert sorted(
        f.contributing + f.conditions + f.external + f.unconnected + [r.id for r in f.root_causes]
    ) == sorted(roles)


@SETTINGS
@given(cases())
def test_every_root_cause_reaches_the_problem(data: dict[str, Any]) -> None:
    f = run(data)
    edges = cause_edges(f)
    causes = {c.id: c for c in f.causes}
    for root in f.root_causes:
        assert reaches_problem(root.id, edges), root.id
        cause = causes[root.id]
        assert cause.within_control and cause.kind == "cause" and cause.role == "root"
        assert root.paths >= 1
        assert 0 < root.effect_share <= 1


@SETTINGS
@given(cases())
def test_every_chain_is_a_real_path(data: dict[str, Any]) -> None:
    f = run(data)
    edges = cause_edges(f)
    known = {c.id for c in f.causes} | {"problem"}
    roots = {r.id for r in f.root_causes}
    for chain in f.chains:
        if chain.declared and not set([chain.starts_at, *chain.steps]) <= known:
            continue  # a dangling step (reported by RCA102) is not in the graph
        ladder = [chain.starts_at, *chain.steps]
        for effect, cause in itertools.pairwise(ladder):
            assert (cause, effect) in edges, (chain.id, cause, effect)
        if not chain.declared:
            assert chain.id == f"root:{chain.steps[-1]}" and chain.steps[-1] in roots
            assert len(set(chain.steps)) == len(chain.steps)  # simple: no cause twice
    assert {c.steps[-1] for c in f.chains if not c.declared} == roots


@SETTINGS
@given(cases())
def test_path_counts_match_enumeration_on_acyclic_graphs(data: dict[str, Any]) -> None:
    f = run(data)
    edges = cause_edges(f)
    if not is_acyclic(edges):
        return
    for root in f.root_causes:
        assert root.paths == sum(1 for _ in simple_paths(root.id, edges, frozenset({root.id})))
    total = sum(r.paths for r in f.root_causes)
    if total:
        assert abs(sum(r.path_share for r in f.root_causes) - 1) < 1e-9
