"""Plain, JSON-serialisable results of analysing one case.

This is the contract between the engine (`rca.analyse`) and everything
downstream (reports, decks, briefs, trends): no networkx object crosses it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class LintFinding:
    """One RCA-quality rule violation, located in the record's file."""

    rule: str  # stable id, e.g. "RCA201"
    name: str  # short slug, e.g. "blame-root-cause"
    severity: Severity
    message: str
    path: str  # the record file
    line: int | None
    column: int | None
    field: str  # e.g. "causes[3].statement"
    subject: str | None = None  # id of the cause, action, chain or event concerned
    accepted: str | None = None  # the reviewers' reason, when the record accepts this finding

    def __str__(self) -> str:
        where = self.path + "".join(f":{n}" for n in (self.line, self.column) if n is not None)
        text = f"{where}: {self.severity}: {self.rule} {self.name}: {self.field}: {self.message}"
        return text + (f" (accepted: {self.accepted})" if self.accepted else "")


@dataclass(frozen=True)
class CauseFinding:
    """A cause (or condition) as the graph sees it."""

    id: str
    statement: str
    category: str  # taxonomy category id
    category_label: str
    kind: Literal["cause", "condition"]
    status: Literal["verified", "hypothesis", "unknown"]
    within_control: bool
    role: Literal["root", "contributing", "condition", "external", "unconnected"]
    distance: int | None  # edges to the problem along the shortest path, None if unreachable
    effects: list[str]  # ids this cause leads to ("problem" included)
    actions: list[str]  # ids of actions addressing it


@dataclass(frozen=True)
class RankedRoot:
    """A root cause ranked by how much of the problem runs through it."""

    id: str
    paths: int  # number of distinct root->problem paths starting at this cause
    path_share: float  # paths / all root->problem paths
    effect_share: float  # share of all causes (and the problem) downstream of it
    actions: list[str]


@dataclass(frozen=True)
class Edge:
    """An edge of the causal graph: cause -> effect, or action -> cause."""

    source: str
    target: str
    kind: Literal["causes", "addresses"]
    group: str | None  # AND-group id when the source acts together with others
    status: Literal["verified", "hypothesis", "unknown"]
    origin: Literal["leads_to", "why_chain", "action"]


@dataclass(frozen=True)
class Chain:
    """A why-chain as an ordered path: problem-adjacent cause first, root cause last."""

    id: str
    question: str | None
    starts_at: str
    steps: list[str]
    declared: bool  # True for a why_chains entry, False for a path derived from the graph


@dataclass(frozen=True)
class Clock:
    """One of the case's clocks, measured between timeline milestones."""

    metric: Literal["detect", "escalate", "respond", "resolve"]
    start: str | None  # ISO timestamps of the milestones
    end: str | None
    elapsed_seconds: float | None
    target_seconds: float | None
    breached: bool | None  # None when either end or the target is missing, or the day says neither
    request: str = "R1"  # the legal request whose clock this is
    precision: Literal["minute", "day"] = "minute"  # day: an end is known only by its day


@dataclass(frozen=True)
class DeadlineStatus:
    """A request's deadline and where it stands on the analysis date."""

    request: str
    kind: str  # response_due, hold_expiry, order_end, nondisclosure_expiry, other
    due: str  # ISO timestamp (the start of the day, for a day-precision deadline)
    precision: Literal["minute", "day"]
    status: Literal["met", "missed", "open", "passed", "ahead"]


@dataclass(frozen=True)
class Findings:
    """Everything the engine concludes about one case."""

    case_id: str
    problem: str
    causes: list[CauseFinding]
    root_causes: list[RankedRoot]  # ranked, most important first
    contributing: list[str]
    conditions: list[str]
    chains: list[Chain]
    edges: list[Edge]
    action_coverage: dict[str, list[str]]  # root cause id -> action ids
    categories: dict[str, int]  # category id -> number of causes, taxonomy order
    clocks: list[Clock]
    deviations_by_step: dict[str, int]  # workflow step -> deviating events
    lint: list[LintFinding] = field(default_factory=list)
    external: list[str] = field(default_factory=list)  # causes outside the organisation's control
    unconnected: list[str] = field(default_factory=list)  # causes with no path to the problem
    fishbone: dict[str, list[str]] = field(default_factory=dict)  # category id -> cause ids
    taxonomy: str = "ler"
    review_status: str = "draft"
    strict: bool = False  # whether warnings counted as errors (--strict, or an approved review)
    title: str = ""
    deadlines: list[DeadlineStatus] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # request ids, in record order

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def count(self, severity: Severity) -> int:
        """How many lint findings have this severity."""
        return sum(1 for f in self.lint if f.severity == severity)
