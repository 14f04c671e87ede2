"""The analysis stage: a loaded record -> its causal graph -> plain `Findings`.

    findings = analyse(loaded)            # rca.load.LoadedRecord
    findings.root_causes[0].id, findings.lint, findings.to_dict()

Nothing networkx leaves this package: `Findings` is plain, JSON-ready data.
"""

from __future__ import annotations

from datetime import date

from rca.analyse.config import AnalysisConfig
from rca.analyse.findings import CauseFinding, Chain, Findings, LintFinding, RankedRoot
from rca.analyse.graph import CausalGraph
from rca.analyse.lint import FINAL_REVIEW, Context
from rca.analyse.lint import run as run_lint
from rca.analyse.metrics import deadlines, deviations_by_step, measure
from rca.load import LoadedRecord
from rca.model import PROBLEM_ID, CaseReview
from rca.taxonomy import Taxonomy

__all__ = ["AnalysisConfig", "Findings", "LintFinding", "analyse"]


def analyse(
    loaded: LoadedRecord, config: AnalysisConfig | None = None, *, today: date | None = None
) -> Findings:
    """Analyse one case: roles, ranked root causes, why-chains, clocks and lint findings.

    `today` decides which actions are overdue (default: the current date).
    """
    config = config or AnalysisConfig()
    record = loaded.record
    known = {**loaded.project.all_taxonomies, **config.taxonomies}
    taxonomy = known.get(record.taxonomy)
    graph = CausalGraph(record)
    roles = graph.roles
    roots = _ranked_roots(graph)
    chains = _declared_chains(record) + [
        # problem-adjacent cause first, the root last, as a declared chain reads
        Chain(f"root:{r.id}", None, PROBLEM_ID, graph.chain_to_problem(r.id)[::-1], declared=False)
        for r in roots
    ]
    day = today or date.today()
    clocks = measure(record, loaded.project)
    lint = run_lint(
        loaded,
        Context(record, graph, chains, clocks, taxonomy, config, day),
    )
    by_role = {role: [c for c, r in roles.items() if r == role] for role in set(roles.values())}
    return Findings(
        case_id=record.case_id,
        problem=record.problem.statement,
        causes=[_cause_finding(graph, c, taxonomy) for c in graph.cause_index],
        root_causes=roots,
        contributing=by_role.get("contributing", []),
        conditions=by_role.get("condition", []),
        chains=chains,
        edges=graph.edges(),
        action_coverage={r.id: r.actions for r in roots},
        categories=_categories(graph, taxonomy),
        clocks=[m.clock for m in clocks],
        deviations_by_step=deviations_by_step(record),
        lint=lint,
        external=by_role.get("external", []),
        unconnected=by_role.get("unconnected", []),
        fishbone=_fishbone(graph, taxonomy),
        taxonomy=record.taxonomy,
        review_status=record.review.status.value,
        strict=_strict(record, config),
        title=record.title,
        deadlines=deadlines(record, day),
        requests=[r.id for r in record.requests],
    )


def _strict(record: CaseReview, config: AnalysisConfig) -> bool:
    return config.strict or record.review.status in FINAL_REVIEW


def _ranked_roots(graph: CausalGraph) -> list[RankedRoot]:
    roots = [c for c, role in graph.roles.items() if role == "root"]
    counts = graph.path_counts
    total = sum(counts[r] for r in roots)
    downstream = graph.downstream_counts
    ranked = [
        RankedRoot(
            id=r,
            paths=counts[r],
            path_share=counts[r] / total if total else 0.0,
            effect_share=downstream[r] / graph.node_count,
            actions=list(graph.actions_by_cause.get(r, [])),
        )
        for r in roots
    ]
    return sorted(ranked, key=lambda r: (-r.paths, -r.effect_share, r.id))


def _declared_chains(record: CaseReview) -> list[Chain]:
    return [
        Chain(w.id, w.question, w.starts_at, list(w.whys), declared=True) for w in record.why_chains
    ]


def _cause_finding(graph: CausalGraph, cause_id: str, taxonomy: Taxonomy | None) -> CauseFinding:
    cause = graph.cause(cause_id)
    category = taxonomy.get(cause.category) if taxonomy else None
    return CauseFinding(
        id=cause.id,
        statement=cause.statement,
        category=cause.category,
        category_label=category.label if category else cause.category,
        kind=cause.kind.value,
        status=cause.status.value,
        within_control=cause.within_control,
        role=graph.roles[cause_id],
        distance=graph.distance.get(cause_id),
        effects=graph.effects(cause_id),
        actions=list(graph.actions_by_cause.get(cause_id, [])),
    )


def _category_ids(graph: CausalGraph, taxonomy: Taxonomy | None) -> list[str]:
    ids = list(taxonomy.ids) if taxonomy else []
    for cause_id in graph.cause_index:
        category = graph.cause(cause_id).category
        if category not in ids:
            ids.append(category)
    return ids


def _categories(graph: CausalGraph, taxonomy: Taxonomy | None) -> dict[str, int]:
    fishbone = _fishbone(graph, taxonomy)
    return {category: len(causes) for category, causes in fishbone.items()}


def _fishbone(graph: CausalGraph, taxonomy: Taxonomy | None) -> dict[str, list[str]]:
    bones: dict[str, list[str]] = {c: [] for c in _category_ids(graph, taxonomy)}
    for cause_id in graph.cause_index:
        bones[graph.cause(cause_id).category].append(cause_id)
    return bones
