"""RCA-quality rules: a registry of small checks, each with a stable id, name and severity.

A rule is a function from the analysis `Context` to `Hit`s (a place in the
record and a message); `run` locates each hit in the file, applies the
record's `lint_accepted` entries, and turns warnings into errors under
--strict or once the review is approved. Every rule is documented in
docs/lint-rules.md (a test keeps the two in step).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from rca.analyse.config import AnalysisConfig
from rca.analyse.findings import Chain, LintFinding, Severity
from rca.analyse.graph import CausalGraph
from rca.analyse.metrics import Measured, format_duration
from rca.load import LoadedRecord, format_path
from rca.model import (
    OPEN_ACTION_STATUSES,
    PROBLEM_ID,
    AcceptedLint,
    ActionMechanism,
    ActionStatus,
    CaseReview,
    CauseStatus,
    Event,
    ReviewStatus,
)
from rca.taxonomy import Taxonomy
from rca.yamlsafe import Path_

FINAL_REVIEW = (ReviewStatus.APPROVED, ReviewStatus.PUBLISHED)


@dataclass(frozen=True)
class Hit:
    """One violation, before it is located in the file."""

    site: Path_
    message: str
    subject: str | None = None
    at_key: bool = False  # point at the field's key (`impact:`) rather than its value


@dataclass(frozen=True)
class Context:
    """What a rule may look at."""

    record: CaseReview
    graph: CausalGraph
    chains: list[Chain]
    clocks: list[Measured]
    taxonomy: Taxonomy | None
    config: AnalysisConfig
    today: date


Check = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    id: str
    name: str
    severity: Severity
    summary: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, name: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    """Register a check under a stable id."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"lint rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, name, severity, summary, check)
        return check

    return register


def run(loaded: LoadedRecord, ctx: Context) -> list[LintFinding]:
    """Every finding for one record: located, accepted where the record says so, sorted."""
    findings = []
    for current in RULES.values():
        for hit in current.check(ctx):
            pos = loaded.source.where(hit.site, key=hit.at_key) if hit.at_key else None
            line, column = pos if pos is not None else loaded.where_v2(hit.site)
            findings.append(
                LintFinding(
                    rule=current.id,
                    name=current.name,
                    severity=current.severity,
                    message=hit.message,
                    path=str(loaded.path),
                    line=line,
                    column=column,
                    field=format_path(hit.site),
                    subject=hit.subject,
                )
            )
    findings = _accept(loaded, ctx.record.lint_accepted, findings)
    if ctx.config.strict or ctx.record.review.status in FINAL_REVIEW:
        findings = [
            replace(f, severity="error") if f.severity == "warning" else f for f in findings
        ]
    return sorted(findings, key=lambda f: (f.line is None, f.line or 0, f.column or 0, f.rule))


def _matches(entry: AcceptedLint, finding: LintFinding) -> bool:
    if entry.rule != finding.rule or finding.severity != "warning":
        return False
    if entry.subject is not None and entry.subject != finding.subject:
        return False
    if entry.field is not None:
        f = finding.field
        return f == entry.field or f.startswith((entry.field + ".", entry.field + "["))
    return True


def _accept(
    loaded: LoadedRecord, accepted: list[AcceptedLint], findings: list[LintFinding]
) -> list[LintFinding]:
    used = [False] * len(accepted)
    out = []
    for finding in findings:
        for i, entry in enumerate(accepted):
            if _matches(entry, finding):
                used[i] = True
                finding = replace(finding, severity="info", accepted=entry.reason)
                break
        out.append(finding)
    unused = RULES["RCA901"]
    for i, entry in enumerate(accepted):
        if used[i]:
            continue
        site: Path_ = ("lint_accepted", i, "rule")
        if entry.rule not in RULES:
            message = f"'{entry.rule}' is not a lint rule; see docs/lint-rules.md"
        else:
            narrowed = "".join(
                f" {label} {value}"
                for label, value in (("for", entry.subject), ("at", entry.field))
                if value is not None
            )
            message = (
                f"accepts {entry.rule} {RULES[entry.rule].name}{narrowed}, but no such warning "
                "fires; remove the entry"
            )
        line, column = loaded.where(site)
        out.append(
            LintFinding(
                unused.id,
                unused.name,
                unused.severity,
                message,
                str(loaded.path),
                line,
                column,
                format_path(site),
                None,
            )
        )
    return out


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# ============================================================================ structure


@rule("RCA101", "causal-cycle", "error", "a cause leads, through other causes, back to itself")
def _cycle(ctx: Context) -> Iterator[Hit]:
    for cycle in ctx.graph.cycles:
        yield Hit(
            ctx.graph.edge_site(cycle[0], cycle[1]),
            f"causal cycle {' -> '.join(cycle)}: a cause cannot lead back to itself; "
            "remove the link that is not causal",
            cycle[0],
        )


def _owner(site: Path_, record: CaseReview) -> str | None:
    # The id of the cause, chain, action or event a site belongs to.
    if len(site) >= 2 and isinstance(site[1], int):
        items = getattr(record, str(site[0]), None)
        if isinstance(items, list) and site[1] < len(items):
            return getattr(items[site[1]], "id", None)
    return None


@rule("RCA102", "dangling-reference", "error", "a causal link names a cause that is not defined")
def _dangling(ctx: Context) -> Iterator[Hit]:
    known = list(ctx.graph.cause_index)
    for ref in ctx.graph.dangling:
        candidates = [*known, PROBLEM_ID] if "problem" in ref.expected else known
        yield Hit(
            ref.site,
            f"'{ref.ref}' is not {ref.expected} in this record{_did_you_mean(ref.ref, candidates)}",
            _owner(ref.site, ctx.record),
        )


@rule("RCA103", "unconnected-cause", "warning", "a cause has no path to the problem")
def _unconnected(ctx: Context) -> Iterator[Hit]:
    for cause_id, role in ctx.graph.roles.items():
        if role == "unconnected":
            i = ctx.graph.cause_index[cause_id]
            yield Hit(
                ("causes", i, "id"),
                f"cause {cause_id} does not lead to the problem: no chain of leads_to links or "
                "why-chain steps runs from it to 'problem'; link it to the effect it had, "
                "or remove it",
                cause_id,
            )


@rule("RCA104", "duplicate-id", "error", "two causes, actions, chains or evidence share an id")
def _duplicates(ctx: Context) -> Iterator[Hit]:
    record = ctx.record
    # Causes and actions share the graph, and 'problem' names the problem in it.
    graph_ids: list[tuple[Path_, str | None]] = [
        (("causes", i, "id"), c.id) for i, c in enumerate(record.causes)
    ]
    graph_ids += [(("actions", i, "id"), a.id) for i, a in enumerate(record.actions)]
    namespaces: list[list[tuple[Path_, str | None]]] = [
        graph_ids,
        [(("why_chains", i, "id"), w.id) for i, w in enumerate(record.why_chains)],
        [(("evidence", i, "id"), e.id) for i, e in enumerate(record.evidence)],
        [(("policies", i, "id"), p.id) for i, p in enumerate(record.policies)],
        [(("timeline", i, "id"), e.id) for i, e in enumerate(record.timeline)],
        [(("identifiers", i, "id"), d.id) for i, d in enumerate(record.identifiers)],
    ]
    for space in namespaces:
        first: dict[str, Path_] = {}
        for site, ident in space:
            if ident is None:
                continue
            if ident == PROBLEM_ID and site[0] in ("causes", "actions"):
                yield Hit(
                    site,
                    "'problem' is reserved for the problem statement; choose another id",
                    ident,
                )
            elif ident in first:
                yield Hit(
                    site,
                    f"id '{ident}' is already used by {format_path(first[ident][:2])}; "
                    "ids must be unique (the analysis uses the first)",
                    ident,
                )
            else:
                first[ident] = site


@rule("RCA105", "no-root-cause", "warning", "no cause within the organisation's control is a root")
def _no_root(ctx: Context) -> Iterator[Hit]:
    if any(role == "root" for role in ctx.graph.roles.values()):
        return
    if not ctx.graph.cause_index:
        yield Hit(
            ("problem", "statement"),
            "the case has no causes; add what led to the problem under causes: "
            "so there is something to act on",
        )
    else:
        yield Hit(
            ("causes",),
            "no root cause: no cause within the organisation's control leads to the problem "
            "without another such cause behind it; the analysis needs a cause the "
            "organisation can act on",
            at_key=True,
        )


# ============================================================================ language


@rule(
    "RCA201", "blame-root-cause", "warning", "a root cause names a person's error or carelessness"
)
def _blame(ctx: Context) -> Iterator[Hit]:
    pattern = ctx.config.lexicon.blame_pattern
    for cause_id, role in ctx.graph.roles.items():
        if role != "root":
            continue
        cause = ctx.graph.cause(cause_id)
        found = pattern.search(cause.statement)
        if found:
            yield Hit(
                ("causes", ctx.graph.cause_index[cause_id], "statement"),
                f"root cause {cause_id} puts the problem down to a person ('{_quote(found)}'); "
                "ask why that was possible or likely, and make the condition that allowed it "
                "the root cause",
                cause_id,
            )


def _quote(found: re.Match[str]) -> str:
    return " ".join(found.group(0).split())


@rule("RCA202", "hindsight-phrasing", "warning", "a statement judges the past by hindsight")
def _hindsight(ctx: Context) -> Iterator[Hit]:
    pattern = ctx.config.lexicon.hindsight_pattern
    found = pattern.search(ctx.record.problem.statement)
    if found:
        yield Hit(
            ("problem", "statement"),
            f"'{_quote(found)}' judges the problem with hindsight; state what happened",
        )
    for i, cause in enumerate(ctx.record.causes):
        found = pattern.search(cause.statement)
        if found:
            yield Hit(
                ("causes", i, "statement"),
                f"'{_quote(found)}' judges {cause.id} with hindsight; describe what happened "
                "and why it made sense at the time",
                cause.id,
            )


# ============================================================================ depth


def _depths(ctx: Context) -> Iterator[tuple[Path_, str, str, int]]:
    """(site, subject, wording, depth) of every declared chain, and of every root
    cause no declared chain ends at (its derived chain)."""
    distance = ctx.graph.distance
    ends = set()
    for i, chain in enumerate(ctx.record.why_chains):
        ends.add(chain.whys[-1])
        lead = distance.get(chain.starts_at, 0) if chain.starts_at != PROBLEM_ID else 0
        yield ("why_chains", i, "whys"), chain.id, f"why-chain {chain.id}", len(chain.whys) + lead
    for derived in ctx.chains:
        if not derived.declared and derived.steps and derived.steps[-1] not in ends:
            root = derived.steps[-1]
            site: Path_ = ("causes", ctx.graph.cause_index[root], "id")
            yield site, root, f"root cause {root}", len(derived.steps)


@rule("RCA301", "shallow-chain", "warning", "a why-chain stops before the configured depth")
def _shallow(ctx: Context) -> Iterator[Hit]:
    least = ctx.config.min_chain_depth
    for site, subject, what, depth in _depths(ctx):
        if depth < least:
            yield Hit(
                site,
                f"{what} is only {depth} why(s) from the problem (minimum {least}); "
                "keep asking why until you reach a condition the organisation can change",
                subject,
            )


@rule("RCA302", "long-chain", "warning", "a why-chain is suspiciously long")
def _long(ctx: Context) -> Iterator[Hit]:
    most = ctx.config.max_chain_depth
    for site, subject, what, depth in _depths(ctx):
        if depth > most:
            yield Hit(
                site,
                f"{what} is {depth} whys from the problem (maximum {most}); a ladder this long "
                "often narrates the timeline or mixes levels: check each step answers "
                "'why?' of the one before",
                subject,
            )


# ============================================================================ actions


@rule("RCA401", "root-without-action", "warning", "a root cause has no corrective action")
def _uncovered(ctx: Context) -> Iterator[Hit]:
    for cause_id, role in ctx.graph.roles.items():
        if role == "root" and not ctx.graph.actions_by_cause.get(cause_id):
            yield Hit(
                ("causes", ctx.graph.cause_index[cause_id], "id"),
                f"root cause {cause_id} has no corrective action; add an action that addresses it",
                cause_id,
            )


def _live_actions(ctx: Context) -> Iterator[tuple[int, str]]:
    for i, action in enumerate(ctx.record.actions):
        if action.status is not ActionStatus.CANCELLED:
            yield i, action.id


@rule("RCA402", "action-without-owner", "warning", "an action has no owner")
def _no_owner(ctx: Context) -> Iterator[Hit]:
    for i, action_id in _live_actions(ctx):
        if ctx.record.actions[i].owner is None:
            yield Hit(
                ("actions", i, "owner"),
                f"action {action_id} has no owner; name the team or role accountable for it",
                action_id,
            )


@rule("RCA403", "action-without-due-date", "warning", "an open action has no due date")
def _no_due(ctx: Context) -> Iterator[Hit]:
    for i, action in enumerate(ctx.record.actions):
        if action.status in OPEN_ACTION_STATUSES and action.due is None:
            yield Hit(
                ("actions", i, "due"),
                f"action {action.id} has no due date; set due so its progress can be tracked",
                action.id,
            )


@rule("RCA404", "action-without-success-criterion", "warning", "an action has no success criterion")
def _no_criterion(ctx: Context) -> Iterator[Hit]:
    for i, action_id in _live_actions(ctx):
        if ctx.record.actions[i].success_criterion is None:
            yield Hit(
                ("actions", i, "success_criterion"),
                f"action {action_id} has no success criterion; say what measurable result, "
                "by when, shows it worked",
                action_id,
            )


# A measure: a number, a number word, a share, or an absolute ("no", "every").
_MEASURE = re.compile(
    r"\d|%|\b(zero|none|no|one|two|three|four|five|six|seven|eight|nine|ten|twelve|hundred|"
    r"thousand|half|twice|once|every|all|each|percent|per cent|rate|ratio|median|average)\b",
    re.IGNORECASE,
)


@rule(
    "RCA405",
    "unmeasurable-success-criterion",
    "warning",
    "an action's success criterion names no measure",
)
def _unmeasurable(ctx: Context) -> Iterator[Hit]:
    for i, action_id in _live_actions(ctx):
        criterion = ctx.record.actions[i].success_criterion
        if criterion is not None and not _MEASURE.search(criterion):
            yield Hit(
                ("actions", i, "success_criterion"),
                f"the success criterion of action {action_id} names no measure; say how many, "
                "how much or how fast (a number, a rate, 'no', 'every'), and by when",
                action_id,
            )


@rule("RCA406", "overdue-action", "warning", "an open action is past its due date")
def _overdue(ctx: Context) -> Iterator[Hit]:
    for i, action in enumerate(ctx.record.actions):
        if (
            action.status in OPEN_ACTION_STATUSES
            and action.due is not None
            and action.due < ctx.today
        ):
            days = (ctx.today - action.due).days
            yield Hit(
                ("actions", i, "due"),
                f"action {action.id} was due {action.due.isoformat()} and is still "
                f"{action.status.value} ({days} day(s) overdue on {ctx.today.isoformat()}); "
                "finish it, or re-plan it with a new due date",
                action.id,
            )


@rule(
    "RCA407", "training-only-fix", "warning", "a systemic root cause is answered only by training"
)
def _training_only(ctx: Context) -> Iterator[Hit]:
    for cause_id, role in ctx.graph.roles.items():
        cause = ctx.graph.cause(cause_id)
        if role != "root" or cause.category in ctx.config.people_categories:
            continue
        actions = [
            ctx.record.actions[ctx.graph.action_index[a]]
            for a in ctx.graph.actions_by_cause.get(cause_id, [])
        ]
        if actions and all(a.mechanism is ActionMechanism.TRAINING for a in actions):
            yield Hit(
                ("causes", ctx.graph.cause_index[cause_id], "id"),
                f"root cause {cause_id} ({cause.category}) is answered only by training, the "
                "weakest control; add one that changes the system (eliminate, forcing function, "
                "automate, standardise, checklist or alert)",
                cause_id,
            )


# ============================================================================ evidence


@rule("RCA501", "verified-without-evidence", "warning", "a verified cause cites no evidence")
def _verified_bare(ctx: Context) -> Iterator[Hit]:
    for i, cause in enumerate(ctx.record.causes):
        if cause.status is CauseStatus.VERIFIED and not cause.evidence:
            yield Hit(
                ("causes", i, "status"),
                f"cause {cause.id} is marked verified but cites no evidence; list the evidence "
                "that verifies it, or mark it a hypothesis",
                cause.id,
            )


@rule("RCA502", "undefined-evidence", "warning", "evidence is cited but not defined")
def _undefined_evidence(ctx: Context) -> Iterator[Hit]:
    record = ctx.record
    defined = [e.id for e in record.evidence]
    citing: list[tuple[str, int, str | None, list[str]]] = [
        ("causes", i, c.id, c.evidence) for i, c in enumerate(record.causes)
    ] + [("timeline", i, e.id, e.evidence) for i, e in enumerate(record.timeline)]
    citing += [("actions", i, a.id, a.evidence) for i, a in enumerate(record.actions)]
    for section, i, owner, refs in citing:
        for k, ref in enumerate(refs):
            if ref not in defined:
                yield Hit(
                    (section, i, "evidence", k),
                    f"evidence '{ref}' is not defined under evidence:{_did_you_mean(ref, defined)}",
                    owner,
                )


_STATUS_WORDS = {
    CauseStatus.VERIFIED: "verified",
    CauseStatus.HYPOTHESIS: "a hypothesis",
    CauseStatus.UNKNOWN: "unknown",
}


@rule(
    "RCA503",
    "unverified-in-approved",
    "warning",
    "an approved review still rests on hypotheses or unverified links",
)
def _unverified(ctx: Context) -> Iterator[Hit]:
    status = ctx.record.review.status
    if status not in FINAL_REVIEW:
        return
    for i, cause in enumerate(ctx.record.causes):
        if cause.status is not CauseStatus.VERIFIED:
            yield Hit(
                ("causes", i, "status"),
                f"the review is {status.value} but cause {cause.id} is still "
                f"{_STATUS_WORDS[cause.status]}; "
                "verify it, or return the review to in_review",
                cause.id,
            )
            continue
        for j, link in enumerate(cause.leads_to):
            if link.status is not None and link.status is not CauseStatus.VERIFIED:
                yield Hit(
                    ("causes", i, "leads_to", j, "status"),
                    f"the review is {status.value} but the link {cause.id} -> {link.to} is "
                    f"still {_STATUS_WORDS[link.status]}; verify it, or return the review to "
                    "in_review",
                    cause.id,
                )


@rule(
    "RCA504",
    "changes-requested-open",
    "error",
    "an approved review still has a sign-off requesting changes that no later approval closed",
)
def _changes_requested(ctx: Context) -> Iterator[Hit]:
    review = ctx.record.review
    if review.status not in FINAL_REVIEW:
        return
    for i in review.open_change_requests:
        s = review.sign_offs[i]
        yield Hit(
            ("review", "sign_offs", i, "decision"),
            f"the review is {review.status.value} but {s.role} requested changes on "
            f"{s.on.isoformat()} and no later sign-off by {s.role} approves; make the changes "
            f"and add a sign-off by {s.role} with decision approved, or return the review to "
            "in_review",
        )


# ============================================================================ timeline


@rule("RCA601", "timeline-out-of-order", "warning", "an event is listed after a later one")
def _out_of_order(ctx: Context) -> Iterator[Hit]:
    events = ctx.record.timeline
    zone = ctx.record.time_zone
    for i in range(1, len(events)):
        if _before(events[i], events[i - 1], zone):
            yield Hit(
                ("timeline", i, "at"),
                f"this event ({events[i].at.isoformat()}) is listed after a later one "
                f"(timeline[{i - 1}], {events[i - 1].at.isoformat()}); list events in the order "
                "they happened, and check the time zones",
                events[i].id,
            )


def _before(event: Event, other: Event, zone: str | None) -> bool:
    """Whether `event` certainly happened before `other` (a day-precision one by its day)."""
    if "day" not in (event.precision, other.precision):
        return event.at < other.at
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone) if zone else None
    return event.at.astimezone(tz).date() < other.at.astimezone(tz).date()


@rule("RCA602", "milestones-reversed", "warning", "a clock's end milestone precedes its start")
def _reversed(ctx: Context) -> Iterator[Hit]:
    events = ctx.record.timeline
    for measured in ctx.clocks:
        clock = measured.clock
        if clock.elapsed_seconds is not None and clock.elapsed_seconds < 0:
            assert measured.start_event is not None and measured.end_event is not None
            start, end = events[measured.start_event], events[measured.end_event]
            assert start.milestone is not None and end.milestone is not None
            yield Hit(
                ("timeline", measured.end_event, "at"),
                f"milestone {end.milestone.value} ({end.at.isoformat()}) is before "
                f"{start.milestone.value} ({start.at.isoformat()}), so the {clock.metric} clock "
                "runs backwards; check both timestamps and their time zones",
                end.id,
            )


@rule("RCA603", "event-after-resolution", "warning", "an event is dated after the resolution")
def _after_resolution(ctx: Context) -> Iterator[Hit]:
    events = ctx.record.timeline
    # With several requests, the case is resolved when the last of them is.
    resolutions = [e for e in events if e.milestone is not None and e.milestone.value == "resolved"]
    if len(resolutions) < len(ctx.record.requests) and len(ctx.record.requests) > 1:
        return
    resolved = max(resolutions, key=lambda e: e.at, default=None)
    if resolved is None:
        return
    for i, event in enumerate(events):
        if _before(resolved, event, ctx.record.time_zone):
            yield Hit(
                ("timeline", i, "at"),
                f"this event ({event.at.isoformat()}) is after the case was resolved "
                f"({resolved.at.isoformat()}); move the resolved milestone, or track the "
                "follow-up as an action",
                event.id,
            )


# Words that show the impact speaks about a clock: see docs/lint-rules.md (RCA604).
_TIME_WORDS = (
    r"sla|service[- ]levels?|targets?|late|lateness|delay\w*|breach\w*|overdue|deadlines?|"
    r"turnaround|minutes?|hours?|days?|weeks?"
)
_METRIC_WORDS = {
    "detect": r"detect\w*",
    "escalate": r"escalat\w*",
    "respond": r"respon\w*",
    "resolve": r"resol\w*",
}


@rule("RCA604", "unmentioned-breach", "warning", "a breached service level is not in the impact")
def _unmentioned_breach(ctx: Context) -> Iterator[Hit]:
    impact = ctx.record.impact
    text = " ".join(
        t
        for t in (
            impact.data_exposure,
            impact.legal_exposure,
            impact.requester_impact,
            impact.life_safety_note,
        )
        if t
    )
    several = len(ctx.record.requests) > 1
    for measured in ctx.clocks:
        clock = measured.clock
        if not clock.breached:
            continue
        words = re.compile(rf"\b({_TIME_WORDS}|{_METRIC_WORDS[clock.metric]})\b", re.IGNORECASE)
        if not words.search(text):
            source = (
                format_path(measured.target_site)
                if measured.target_site is not None
                else "the project file's default"
            )
            source = source.removesuffix(".target")
            of = f" of request {clock.request}" if several else ""
            yield Hit(
                ("impact",),
                f"the {clock.metric} clock{of} ran {format_duration(clock.elapsed_seconds)} "
                f"against a target of {format_duration(clock.target_seconds)} "
                f"({source}), but the impact does not mention it; say what the delay cost",
                at_key=True,
            )


# ============================================================================ breadth


@rule("RCA701", "single-category", "warning", "every cause is in one fishbone category")
def _tunnel(ctx: Context) -> Iterator[Hit]:
    categories = {ctx.graph.cause(c).category for c in ctx.graph.cause_index}
    count = len(ctx.graph.cause_index)
    if count >= 2 and len(categories) == 1:
        category = categories.pop()
        found = ctx.taxonomy.get(category) if ctx.taxonomy else None
        label = f"{found.label} ({category})" if found else category
        yield Hit(
            ("causes",),
            f"all {count} causes are in one category, {label}; look across the other "
            "categories of the fishbone before settling on an answer",
            at_key=True,
        )


# ============================================================================ meta


@rule("RCA901", "unused-acceptance", "warning", "a lint_accepted entry matches no warning")
def _unused(ctx: Context) -> Iterator[Hit]:
    return iter(())  # reported by `run`, which knows what was accepted


# The rules on what the analysis says, registered in the same registry.
from rca.analyse import semantic as _semantic  # noqa: E402, F401
