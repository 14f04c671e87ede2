"""Findings + audience -> the render context: the only thing templates and renderers see.

Everything in the context has passed through the audience's redaction: the
record view is built field by field from sensitivity tags, and every string in
the findings is scrubbed with the same identifier replacement. What renderers
would otherwise each work out for themselves is derived here, once, from that
redacted view: `view` (the selections the profile's detail limits allow) and
`decisions` (what leadership is asked to decide).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from rca import __version__
from rca.analyse.findings import Findings
from rca.analyse.metrics import CLOCK_MILESTONES
from rca.audience import Privacy, Profile
from rca.labels import labels_for
from rca.load import LoadedRecord
from rca.model import (
    OPEN_ACTION_STATUSES,
    ActionMechanism,
    ActionStatus,
    ActionType,
    AgencyType,
    AuthorityKind,
    CauseStatus,
    Channel,
    DataCategory,
    DeadlineKind,
    DetectionSource,
    LegalBasis,
    LifeSafety,
    Milestone,
    ProcessType,
    ReviewStatus,
    Sensitivity,
    Severity,
    SlaMetric,
    Translation,
    TriageClass,
    Unknowable,
    WorkflowStep,
    open_change_requests,
)
from rca.privacy.redact import WITHHELD, Scrubber, redact_record
from rca.render.decisions import decisions, overdue_actions, top_decisions
from rca.render.formatting import zone_label
from rca.render.names import cause_title

LABELS = labels_for(
    ProcessType,
    TriageClass,
    Severity,
    DetectionSource,
    AgencyType,
    DataCategory,
    WorkflowStep,
    Milestone,
    SlaMetric,
    ReviewStatus,
    CauseStatus,
    ActionType,
    ActionMechanism,
    ActionStatus,
    LifeSafety,
    LegalBasis,
    Channel,
    Translation,
    AuthorityKind,
    DeadlineKind,
    Unknowable,
)


# clock -> the milestones it runs between (rca.analyse.metrics)


def as_of(case: dict[str, Any]) -> date:
    """The record's own latest date: outputs carry it, so the same input gives the same bytes.

    Counts every dated entry of the (redacted) record: timeline events, the
    review's opening, sign-offs and revisions, and actions' completion dates.
    """
    review = case["review"]
    dates = [datetime.fromisoformat(e["at"]).date() for e in case["timeline"]]

    dates += [date.fromisoformat(s["on"]) for s in review["sign_offs"] + review["revisions"]]
    dates += [date.fromisoformat(a["completed_on"]) for a in case["actions"] if a["completed_on"]]
    if review["opened"]:
        dates.append(date.fromisoformat(review["opened"]))
    return max(dates)


def build_context(
    loaded: LoadedRecord,
    findings: Findings,
    profile: Profile,
    *,
    today: date | None = None,
    draft: Sequence[str] = (),
) -> dict[str, Any]:
    """The template context for one case and one audience.

    `today` is the analysis date (default: the current date): open actions due
    before it are overdue. `as_of` is the record's own date and never moves.
    `draft` holds why the outputs are marked DRAFT (`rca.audit.draft_reasons`;
    empty: no marking). A draft of a review marked approved is shown in review:
    no output says "approved" of a review that does not pass as approved.
    """
    record = loaded.record
    scrub = Scrubber.for_record(record, profile.privacy.personal)
    zone = reference_zone(record.time_zone, record.timeline[0].at)
    case = redact_record(record, profile.privacy, scrub)
    case["timeline"] = [{**e, "at": in_zone(e["at"], zone)} for e in case["timeline"]]
    for cause in case["causes"]:
        cause["title"] = cause_title(cause)
    taxonomy = loaded.project.all_taxonomies.get(record.taxonomy)
    record_date = as_of(case).isoformat()
    analysis_date = today or date.today()
    marking = [scrub(reason) for reason in draft]
    review = case["review"]
    review["claimed_status"] = review["status"]
    if marking and review["status"] in ("approved", "published"):
        review["status"] = "in_review"
    review["open_change_requests"] = open_change_requests(
        [(s["role"], s["on"], s["decision"]) for s in review["sign_offs"]]
    )
    classification = (
        f"DRAFT, not approved · {profile.classification}" if marking else profile.classification
    )
    context: dict[str, Any] = {
        "case": case,
        "findings": findings_view(findings, case, profile.privacy, scrub, zone),
        "audience": _audience(profile, loaded),
        "meta": {
            "case_id": record.case_id,
            "title": case["title"],
            "version": record.version,
            # The record's file name is never shown: it can hold an identifier.
            "source": f"{record.case_id} (sha256 {loaded.sha256[:12]})",
            "source_sha": loaded.sha256[:12],
            "tool_version": __version__,
            "as_of": record_date,
            "today": analysis_date.isoformat(),
            # One clock for the whole case: every time is shown in this zone.
            "time_zone": zone_label([e["at"] for e in case["timeline"]], record.time_zone or None),
            "classification": classification,
            "draft": marking,
            "generated": ("DRAFT, not approved: " if marking else "")
            + (
                f"{record.case_id} v{record.version} (record sha256 {loaded.sha256[:12]}), "
                f"as of {record_date}, rca {__version__}"
            ),
        },
        "labels": {
            **LABELS,
            **({c.id: c.label for c in taxonomy.categories} if taxonomy else {}),
            **loaded.project.cause_codes,
        },
    }
    context["requests"] = request_views(case, context["labels"])
    context["primary"] = context["requests"][0]  # the request the case is mainly about
    for action in case["actions"]:  # the strongest control, for one-word displays
        action["mechanism"] = min(action["mechanisms"], key=_MECHANISMS.index)
    several = len(context["requests"]) > 1
    names = {r["id"]: r["name"] for r in context["requests"]}
    for clock in context["findings"]["clocks"]:
        clock["request_label"] = names.get(clock["request"], clock["request"]) if several else ""
    context["view"] = view(context)
    context["decisions"], context["decisions_omitted"] = top_decisions(decisions(context))
    context["review_history"] = review_history(case)
    return context


def review_history(case: dict[str, Any]) -> dict[str, Any]:
    """The review's audit trail for the appendix of every output: sign-offs and revisions by date.

    Sign-offs name roles (the vocabulary refuses a person's name); a request
    for changes says whether it is still open (`rca.model.open_change_requests`)
    or which approval closed it. `status` is the status the record claims.
    """
    review = case["review"]
    signs = review["sign_offs"]
    open_ = set(review["open_change_requests"])
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(signs):
        state = closed_on = ""
        if s["decision"] == "changes_requested":
            state = "open" if i in open_ else "closed"
            if i not in open_:
                closed_on = min(  # the first approval by the same role after it
                    t["on"]
                    for j, t in enumerate(signs)
                    if t["role"].casefold() == s["role"].casefold()
                    and t["decision"] == "approved"
                    and (t["on"] > s["on"] or (t["on"] == s["on"] and j > i))
                )
        rows.append(
            {
                "on": s["on"],
                "kind": "sign_off",
                "by": s["role"],
                "what": "Approved" if s["decision"] == "approved" else "Changes requested",
                "decision": s["decision"],
                "state": state,
                "closed_on": closed_on,
                "note": s["note"] or "",
            }
        )
    for r in review["revisions"]:
        rows.append(
            {
                "on": r["on"],
                "kind": "revision",
                "by": "",
                "what": f"Revision {r['version']}",
                "decision": "",
                "state": "",
                "closed_on": "",
                "note": r["note"],
            }
        )
    rows.sort(key=lambda row: row["on"])  # stable: sign-offs before revisions of the same day
    return {
        "authoring_team": review["authoring_team"],
        "opened": review["opened"],
        "status": review["claimed_status"],
        "rows": rows,
        "open_requests": len(open_),
    }


_MECHANISMS = [m.value for m in ActionMechanism]


def request_views(case: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The case's legal requests as the audience sees them, each with a display name."""
    out = []
    for request in case["requests"]:
        kind = labels.get(request["process_type"], request["process_type"])
        name = f"{request['id']}: {request['title'] or kind}"
        out.append({**request, "name": name})
    return out


def _audience(profile: Profile, loaded: LoadedRecord) -> dict[str, Any]:
    """The profile as plain data, with the project file's decision defaults for it."""
    audience: dict[str, Any] = profile.model_dump(mode="json")
    defaults = loaded.project.audiences.get(profile.id)
    if defaults is not None and "decisions" in audience:
        if defaults.decider is not None:
            audience["decisions"]["decider"] = defaults.decider
        if defaults.within_days is not None:
            audience["decisions"]["within_days"] = defaults.within_days
    return audience


def view(context: dict[str, Any]) -> dict[str, Any]:
    """What the audience's detail limits let every renderer show, as plain data.

    roots: the ranked root causes (cause finding merged with its rank), cut to
    detail.max_root_causes; chains: why-chains cut to detail.why_chain_depth;
    timeline: the events detail.timeline asks for; overdue: ids of open actions
    past due on the analysis date.
    """
    case, findings, detail = context["case"], context["findings"], context["audience"]["detail"]
    causes = {c["id"]: c for c in findings["causes"]}
    ranked = [{**causes[r["id"]], **r} for r in findings["root_causes"] if r["id"] in causes]
    roots = ranked[: detail["max_root_causes"]]
    depth = detail["why_chain_depth"]
    every_chain = chains(findings, min(depth or MAX_CHAIN_STEPS, MAX_CHAIN_STEPS))
    shown_chains = top_chains(every_chain, [r["id"] for r in roots], detail["max_root_causes"])
    overdue = overdue_actions(case["actions"], date.fromisoformat(context["meta"]["today"]))
    shown_actions = top_actions(case["actions"], set(overdue), MAX_ACTIONS)
    return {
        "roots": roots,
        "roots_omitted": len(ranked) - len(roots),
        "chains": shown_chains,
        "chains_omitted": len(every_chain) - len(shown_chains),
        "actions": shown_actions,
        "actions_omitted": len(case["actions"]) - len(shown_actions),
        "timeline": timeline(case["timeline"], findings["clocks"], detail["timeline"]),
        "overdue": overdue,
    }


# A large record keeps its outputs' shape: its decks and briefs show the top
# root causes' why-chains and the most pressing actions, then say how many more
# there are (the rest stay in the record, the specialist brief lists every cause).
MAX_ACTIONS = 7
# A why-chain longer than this (a profile with no depth limit) keeps its first
# whys and its root cause, as a profile's depth does: one slide, one ladder.
MAX_CHAIN_STEPS = 8


def top_chains(
    every: list[dict[str, Any]], shown_roots: list[str], limit: int
) -> list[dict[str, Any]]:
    """At most `limit` chains: declared ones first, then those ending at a shown root cause."""
    if len(every) <= limit:
        return every
    rank = {root: i for i, root in enumerate(shown_roots)}
    picked = [c for c in every if c["declared"]][:limit]
    derived = sorted(
        (c for c in every if not c["declared"] and c["root"] in rank), key=lambda c: rank[c["root"]]
    )
    picked += derived[: limit - len(picked)]
    ids = {id(c) for c in picked}
    return [c for c in every if id(c) in ids]  # in the analysis's order


def top_actions(
    actions: list[dict[str, Any]], overdue: set[str], limit: int
) -> list[dict[str, Any]]:
    """At most `limit` actions, in record order: overdue first, then open by due date, then the rest."""
    if len(actions) <= limit:
        return actions

    def urgency(i: int) -> tuple[int, str, int]:
        a = actions[i]
        group = 0 if a["id"] in overdue else 1 if a["status"] in OPEN_ACTION_STATUSES else 2
        return group, a["due"] or "9999-12-31", i

    keep = set(sorted(range(len(actions)), key=urgency)[:limit])
    return [a for i, a in enumerate(actions) if i in keep]


def chains(findings: dict[str, Any], depth: int | None) -> list[dict[str, Any]]:
    """Declared why-chains, then derived ones for root causes no declared chain reaches, cut to `depth`."""
    roles = {c["id"]: c["role"] for c in findings["causes"]}
    titles = {c["id"]: c.get("title") or c["id"] for c in findings["causes"]}
    declared = [c for c in findings["chains"] if c["declared"]]
    reached = {c["steps"][-1] for c in declared if c["steps"]}
    derived = [
        c
        for c in findings["chains"]
        if not c["declared"] and c["steps"] and c["steps"][-1] not in reached
    ]
    out = []
    for chain in declared + derived:
        # A cut keeps the first depth-1 whys and the root cause: the audience
        # always sees where the chain ends; `truncated` whys are left out before it.
        full = chain["steps"]
        steps = full if depth is None or len(full) <= depth else [*full[: depth - 1], full[-1]]
        if chain["declared"]:
            title = chain["question"] or "Why did it happen?"
        else:
            title = f"How “{titles.get(chain['steps'][-1], '')}” leads to the problem"
        out.append(
            {
                **chain,
                "title": title,
                "root": chain["steps"][-1] if chain["steps"] else None,  # before the cut
                "steps": steps,
                "truncated": len(chain["steps"]) - len(steps),
                "ends_at_root": bool(steps) and roles.get(steps[-1]) == "root",
                "gap_before_last": len(full) != len(steps),
            }
        )
    return out


def timeline(
    events: list[dict[str, Any]], clocks: list[dict[str, Any]], level: str
) -> list[dict[str, Any]]:
    """The events a timeline detail level shows, in record order.

    full: every event; milestones: milestones and deviations; deviations:
    deviations and the milestones that start or stop a clock with a target.
    """
    if level == "milestones":
        return [e for e in events if e["milestone"] or e["deviation"]]
    if level == "deviations":
        anchors = {
            m
            for c in clocks
            if c["target_seconds"] is not None
            for m in CLOCK_MILESTONES.get(c["metric"], ())
        }
        return [e for e in events if e["deviation"] or e["milestone"] in anchors]
    return list(events)


def reference_zone(name: str | None, first: datetime) -> tzinfo:
    """The case's reference clock: its IANA zone, else the offset of its first event."""
    if name:
        return ZoneInfo(name)
    return first.tzinfo or ZoneInfo("UTC")


def in_zone(iso: str | None, zone: tzinfo) -> str | None:
    """An ISO timestamp shown on the reference clock (the same instant)."""
    if not iso:
        return iso
    return datetime.fromisoformat(iso).astimezone(zone).isoformat()


def findings_view(
    findings: Findings,
    case: dict[str, Any],
    privacy: Privacy,
    scrub: Scrubber,
    zone: tzinfo | None = None,
) -> dict[str, Any]:
    """The findings as this audience may read them.

    Reviewer text in the findings (the problem, cause statements, chain
    questions) is taken from the redacted case, so field-level withholding
    applies to it exactly as to the case; lint messages quote record text, so
    they follow the clearance for internal text. Everything is scrubbed.
    """
    data: dict[str, Any] = scrub_strings(findings, scrub)  # as to_dict(), in one walk
    data["problem"] = case["problem"]["statement"]
    data["title"] = case["title"]
    statements = {c["id"]: c["statement"] for c in case["causes"]}
    titles = {c["id"]: c["title"] for c in case["causes"]}
    for cause in data["causes"]:
        cause["statement"] = statements.get(cause["id"], WITHHELD)
        cause["title"] = titles.get(cause["id"], WITHHELD)
    if zone is not None:
        for clock in data["clocks"]:
            clock["start"], clock["end"] = (
                in_zone(clock["start"], zone),
                in_zone(clock["end"], zone),
            )
    questions = {w["id"]: w["question"] for w in case["why_chains"]}
    for chain in data["chains"]:
        if chain["declared"]:
            chain["question"] = questions.get(chain["id"])
    if Sensitivity.INTERNAL not in privacy.allow:
        for finding in data["lint"]:
            finding["message"] = WITHHELD
            finding["accepted"] = WITHHELD if finding.get("accepted") else None
    return data


def scrub_strings(value: Any, scrub: Scrubber) -> Any:
    """Every string in nested plain data scrubbed, keys too (they are ids, scrubbed alike).

    A dataclass (the findings and their parts) becomes a dict of its fields, as
    `dataclasses.asdict` would make it: converting and scrubbing in one walk
    halves the cost for a record of 1,000 causes.
    """
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {
            scrub(k) if isinstance(k, str) else k: scrub_strings(v, scrub) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [scrub_strings(v, scrub) for v in value]
    names = getattr(type(value), "__dataclass_fields__", None)
    if names is not None:
        return {name: scrub_strings(getattr(value, name), scrub) for name in names}
    return value
