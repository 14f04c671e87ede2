"""The causal graph of one case: the problem, its causes and the actions aimed at them.

Edges run cause -> effect and action -> cause. A cause's `leads_to` links and
the record's why-chains compile into the same edges (a chain's `whys[0]` leads
to its `starts_at`, `whys[i+1]` to `whys[i]`), so the graph is the one truth
both views are drawn from. A link's `together_with` partners form an AND-group:
the causes produce the effect only jointly; the group is recorded on each
member's edge. networkx stays inside this module: callers get ids, numbers and
`Edge` records.

References that name nothing, duplicate ids and cancelled actions are left out
of the graph (the first occurrence of an id wins); `lint` reports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import networkx as nx  # type: ignore[import-untyped]

from rca.analyse.findings import Edge
from rca.model import PROBLEM_ID, ActionStatus, CaseReview, Cause, CauseKind, CauseStatus
from rca.yamlsafe import Path_

Role = Literal["root", "contributing", "condition", "external", "unconnected"]
StatusName = Literal["verified", "hypothesis", "unknown"]


@dataclass(frozen=True)
class Dangling:
    """A reference to an id the record does not define."""

    site: Path_  # where the reference is written
    ref: str
    expected: str  # what it should name, for the message: "a cause", "a cause or 'problem'"


@dataclass
class _EdgeInfo:
    kind: Literal["causes", "addresses"]
    origin: Literal["leads_to", "why_chain", "action"]
    status: StatusName
    site: Path_
    group: str | None = None


class CausalGraph:
    """One case's causal DiGraph and the questions the findings ask of it."""

    def __init__(self, record: CaseReview) -> None:
        self.record = record
        self.dangling: list[Dangling] = []
        # id -> index in record.causes / record.actions (first occurrence wins)
        self.cause_index: dict[str, int] = {}
        self.action_index: dict[str, int] = {}
        self._graph = nx.DiGraph()
        self._edges: dict[tuple[str, str], _EdgeInfo] = {}
        self._graph.add_node(PROBLEM_ID, kind="problem")
        for i, cause in enumerate(record.causes):
            if cause.id != PROBLEM_ID and cause.id not in self.cause_index:
                self.cause_index[cause.id] = i
                self._graph.add_node(cause.id, kind="cause")
        for i, action in enumerate(record.actions):
            taken = action.id in self.cause_index or action.id in self.action_index
            if (
                action.status is not ActionStatus.CANCELLED
                and not taken
                and action.id != PROBLEM_ID
            ):
                self.action_index[action.id] = i
                self._graph.add_node(action.id, kind="action")
        self._add_links()
        self._add_why_chains()
        self._add_actions()
        causal_nodes = [PROBLEM_ID, *self.cause_index]
        self._causal = self._graph.subgraph(causal_nodes).copy()

    # ------------------------------------------------------------------ building

    def cause(self, cause_id: str) -> Cause:
        """The record's cause with this id (its first occurrence)."""
        return self.record.causes[self.cause_index[cause_id]]

    def _status(self, cause_id: str, override: CauseStatus | None) -> StatusName:
        status = override if override is not None else self.cause(cause_id).status
        return status.value

    def _known(self, ref: str, site: Path_, *, problem_ok: bool) -> bool:
        if ref in self.cause_index or (problem_ok and ref == PROBLEM_ID):
            return True
        expected = "a cause or 'problem'" if problem_ok else "a cause"
        self.dangling.append(Dangling(site, ref, expected))
        return False

    def _add_edge(self, source: str, target: str, info: _EdgeInfo) -> None:
        existing = self._edges.get((source, target))
        if existing is None:
            self._edges[(source, target)] = info
            self._graph.add_edge(source, target)
        elif existing.group is None and info.group is not None:
            existing.group = info.group  # a plain link and an AND-link: keep the group

    def _add_links(self) -> None:
        for i, cause in enumerate(self.record.causes):
            first = self.cause_index.get(cause.id) == i
            for j, link in enumerate(cause.leads_to):
                site: Path_ = ("causes", i, "leads_to", j)
                target_ok = self._known(link.to, (*site, "to"), problem_ok=True)
                partners = []
                for k, partner in enumerate(link.together_with):
                    known = self._known(partner, (*site, "together_with", k), problem_ok=False)
                    if known and partner != cause.id and partner not in partners:
                        partners.append(partner)
                if not (first and target_ok):
                    continue
                members = sorted([cause.id, *partners], key=self.cause_index.__getitem__)
                group = f"{'+'.join(members)}->{link.to}" if partners else None
                status = self._status(cause.id, link.status)
                self._add_edge(
                    cause.id, link.to, _EdgeInfo("causes", "leads_to", status, (*site, "to"), group)
                )
                for k, partner in enumerate(link.together_with):
                    if partner in partners:
                        partner_status = self._status(partner, link.status)
                        info = _EdgeInfo(
                            "causes", "leads_to", partner_status, (*site, "together_with", k), group
                        )
                        self._add_edge(partner, link.to, info)

    def _add_why_chains(self) -> None:
        for i, chain in enumerate(self.record.why_chains):
            previous: str | None = chain.starts_at
            if not self._known(chain.starts_at, ("why_chains", i, "starts_at"), problem_ok=True):
                previous = None
            for k, why in enumerate(chain.whys):
                site: Path_ = ("why_chains", i, "whys", k)
                if not self._known(why, site, problem_ok=False):
                    previous = None
                    continue
                if previous is not None:
                    info = _EdgeInfo("causes", "why_chain", self._status(why, None), site)
                    self._add_edge(why, previous, info)
                previous = why

    def _add_actions(self) -> None:
        for action_id, i in self.action_index.items():
            action = self.record.actions[i]
            # An action's link to its cause is established once its effect was checked.
            status: StatusName = (
                "verified" if action.status is ActionStatus.VERIFIED else "hypothesis"
            )
            for k, ref in enumerate(action.addresses):
                site: Path_ = ("actions", i, "addresses", k)
                if self._known(ref, site, problem_ok=True):
                    self._add_edge(action_id, ref, _EdgeInfo("addresses", "action", status, site))

    # ------------------------------------------------------------------ plain views

    def edges(self) -> list[Edge]:
        """Every edge, in the order the record declares them."""
        return [
            Edge(source, target, info.kind, info.group, info.status, info.origin)
            for (source, target), info in self._edges.items()
        ]

    def edge_site(self, source: str, target: str) -> Path_:
        """Where the record declares the edge source -> target (its first declaration)."""
        return self._edges[(source, target)].site

    def effects(self, cause_id: str) -> list[str]:
        """What a cause leads to, in declaration order."""
        # A cause's successors are causes or the problem (actions only point at causes),
        # and networkx keeps them in insertion order, which is declaration order.
        return list(self._graph.successors(cause_id))

    @cached_property
    def actions_by_cause(self) -> dict[str, list[str]]:
        """Cause id (or 'problem') -> ids of the live actions addressing it."""
        found: dict[str, list[str]] = {}
        for (source, target), info in self._edges.items():
            if info.kind == "addresses":
                found.setdefault(target, []).append(source)
        return found

    # ------------------------------------------------------------------ questions

    @cached_property
    def reaches_problem(self) -> frozenset[str]:
        """Causes from which some path leads to the problem."""
        return frozenset(nx.ancestors(self._causal, PROBLEM_ID))

    @cached_property
    def distance(self) -> dict[str, int]:
        """Edges from each cause to the problem along its shortest path."""
        lengths = nx.single_source_shortest_path_length(
            self._causal.reverse(copy=False), PROBLEM_ID
        )
        return {node: n for node, n in lengths.items() if node != PROBLEM_ID}

    @cached_property
    def cycles(self) -> list[list[str]]:
        """One cycle (as a node list, first node repeated at the end) per tangle of causes."""
        found = []
        for component in nx.strongly_connected_components(self._causal):
            nodes = sorted(component, key=self._order)
            start = nodes[0]
            if len(nodes) == 1 and not self._causal.has_edge(start, start):
                continue
            sub = self._causal.subgraph(component)
            cycle = [u for u, _ in nx.find_cycle(sub, source=start)]
            found.append([*cycle, cycle[0]])
        return sorted(found, key=lambda c: self._order(c[0]))

    def _order(self, node: str) -> tuple[int, str]:
        return (self.cause_index.get(node, -1), node)

    @cached_property
    def roles(self) -> dict[str, Role]:
        """Each cause's role, in record order.

        A root cause is within the organisation's control, reaches the problem,
        and has no within-control cause (kind `cause`) behind it: external causes
        and conditions feeding it do not make it any less a root.
        """
        roles: dict[str, Role] = {}
        for cause_id in self.cause_index:
            cause = self.cause(cause_id)
            if cause_id not in self.reaches_problem:
                roles[cause_id] = "unconnected"
            elif not cause.within_control:
                roles[cause_id] = "external"
            elif cause.kind is CauseKind.CONDITION:
                roles[cause_id] = "condition"
            elif any(self._drives(p, cause_id) for p in self._causal.predecessors(cause_id)):
                roles[cause_id] = "contributing"
            else:
                roles[cause_id] = "root"
        return roles

    def _drives(self, source: str, target: str) -> bool:
        cause = self.cause(source)
        return source != target and cause.within_control and cause.kind is CauseKind.CAUSE

    @cached_property
    def _condensed(self) -> Any:
        return nx.condensation(self._causal)

    @cached_property
    def path_counts(self) -> dict[str, int]:
        """Distinct paths from each cause to the problem.

        Counted by dynamic programming over the condensation (each cycle shrunk
        to one node), so it stays linear in the edges, never enumerates paths,
        and terminates on a graph with a cycle (itself an RCA101 error).
        """
        dag = self._condensed
        mapping = dag.graph["mapping"]
        target = mapping[PROBLEM_ID]
        counts: dict[int, int] = {}
        for scc in reversed(list(nx.topological_sort(dag))):
            counts[scc] = 1 if scc == target else sum(counts[s] for s in dag.successors(scc))
        return {node: counts[mapping[node]] for node in self.cause_index}

    @cached_property
    def downstream_counts(self) -> dict[str, int]:
        """How many nodes (causes and the problem) each cause feeds, directly or not."""
        dag = self._condensed
        mapping = dag.graph["mapping"]
        members = {scc: dag.nodes[scc]["members"] for scc in dag.nodes}
        bit = {node: 1 << i for i, node in enumerate(self._causal.nodes)}
        own = {scc: sum(bit[n] for n in nodes) for scc, nodes in members.items()}
        below: dict[int, int] = {}
        for scc in reversed(list(nx.topological_sort(dag))):
            bits = 0
            for succ in dag.successors(scc):
                bits |= own[succ] | below[succ]
            below[scc] = bits
        counts = {}
        for node in self.cause_index:
            scc = mapping[node]
            bits = below[scc]
            if len(members[scc]) > 1:  # the rest of its cycle is downstream too
                bits |= own[scc] & ~bit[node]
            counts[node] = bits.bit_count()
        return counts

    @property
    def node_count(self) -> int:
        """Causes in the graph, plus the problem."""
        return len(self.cause_index) + 1

    def chain_to_problem(self, cause_id: str) -> list[str]:
        """The longest cycle-free path from a cause to the problem, problem excluded.

        Longest, because the deepest ladder is the fullest 5-whys answer; ties
        go to the effect declared first.
        """
        path = [cause_id]
        node = cause_id
        while node != PROBLEM_ID:
            step = self._longest.get(node)
            if step is None:  # only reachable through a cycle: fall back to a shortest path
                tail = nx.shortest_path(self._causal, node, PROBLEM_ID)
                return [*path[:-1], *tail[:-1]]
            node = step[1]
            path.append(node)
        return path[:-1]

    @cached_property
    def _longest(self) -> dict[str, tuple[int, str]]:
        # On the graph without the edges inside a cycle (a DAG): node -> (length, next node).
        dag = self._causal.copy()
        for component in nx.strongly_connected_components(self._causal):
            dag.remove_edges_from(
                [(u, v) for u in component for v in self._causal.successors(u) if v in component]
            )
        best: dict[str, tuple[int, str]] = {}
        for node in reversed(list(nx.topological_sort(dag))):
            if node == PROBLEM_ID:
                continue
            options = [
                (best[s][0] + 1 if s != PROBLEM_ID else 1, s)
                for s in self.effects(node)
                if dag.has_edge(node, s) and (s == PROBLEM_ID or s in best)
            ]
            if options:
                best[node] = max(options, key=lambda o: o[0])  # max keeps the first of ties
        return best
