"""QA and case trends -> the trends context: plain, pre-worded data the deck and brief both read.

Only aggregates reach the context: counts, rates, cause codes and category
labels, owners (teams), case and action ids, and QA pseudonyms. No cause
statement, no action text, nothing a reviewer wrote in a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rca import __version__
from rca.analyse.metrics import format_duration
from rca.trends.cases import CASE_DIMENSIONS, CausePareto, ClockSummary
from rca.trends.qa import ITEM_METRIC
from rca.trends.queries import Scope
from rca.trends.stats import RULE_TEXT, PChart
from rca.trends.summary import CaseTrends, QaTrends
from rca.trends.words import (
    CLOCK_LABELS,
    chart_finding,
    code_label,
    day_label,
    flag_runs,
    join,
    metric_label,
    number,
    pct,
    period_label,
    plural,
    rules_text,
    run_finding,
    span_label,
)

Context = dict[str, Any]
DIMENSION_LABELS = {
    "process_type": "Process type",
    "severity": "Severity",
    "detected_by": "Detection source",
    "period": "Period detected",
}


@dataclass(frozen=True)
class Source:
    """Where the trends came from, for the masthead and the method notes."""

    cases_dir: str
    qa_source: str | None
    cases: int
    classification: str
    today: date


def trends_context(
    qa: QaTrends | None, cases: CaseTrends, source: Source, labels: dict[str, str]
) -> Context:
    """Everything the deck and brief say, as plain data (strings pre-worded, numbers kept)."""
    scope = cases.scope
    qa_part = _qa(qa, scope.period, labels) if qa is not None else None
    case_part = _cases(cases, labels)
    period = _range(qa_part, case_part, scope)
    meta = {
        "title": "Quality trends",
        "case_id": "Quality trends",  # the deck footer's second half
        "as_of": source.today.isoformat(),
        "as_of_text": day_label(source.today),
        "classification": source.classification,
        "tool_version": __version__,
        "period": scope.period,
        "range": period,
        "since": scope.since.isoformat() if scope.since else None,
        "until": scope.until.isoformat() if scope.until else None,
        "generated": (
            f"rca {__version__}: {plural(source.cases, 'case review')} ({source.cases_dir})"
            + (f" and {qa_part['items']:,} QA assessments ({source.qa_source})" if qa_part else "")
            + f", as of {source.today.isoformat()}"
        ),
    }
    context: Context = {
        "meta": meta,
        "audience": {"id": "trends", "title": "Leadership trends"},
        "qa": qa_part,
        "cases": case_part,
    }
    context["headlines"] = _headlines(context)
    context["asks"] = _asks(context)
    context["method"] = _method(context, qa)
    return context


def _range(qa: Context | None, cases: Context, scope: Scope) -> str:
    """The range covered: --since/--until as given, else the first and last period with data."""
    days = [d for d in (qa or {}).get("days", []) + cases["days"] if d is not None]
    if not days and not (scope.since and scope.until):
        return "no data in range"
    first = day_label(scope.since) if scope.since else period_label(min(days), scope.period)
    last = day_label(scope.until) if scope.until else period_label(max(days), scope.period)
    return f"{first} to {last}"


# --------------------------------------------------------------------------- QA


def _qa(qa: QaTrends, period: str, labels: dict[str, str]) -> Context:
    overall = {r.attribute: r for r in qa.accuracy if r.process_type is None and r.period is None}
    agreement = {a.attribute: a for a in qa.agreement}
    charts = [_chart(c, period, agreement.get(c.metric)) for c in qa.charts]
    flagged = [c for c in charts if c["flagged"]]
    item = overall.get(ITEM_METRIC)
    periods = sorted({r.period for r in qa.accuracy if r.period is not None})
    processes = sorted({r.process_type for r in qa.accuracy if r.process_type is not None})
    by_process = {
        (r.attribute, r.process_type): r
        for r in qa.accuracy
        if r.period is None and r.process_type is not None
    }
    errors_total = sum(r.count for r in qa.errors)
    order = ("near_miss", "recordable", "reportable", "serious")
    severities = sorted(
        {r.group for r in qa.errors_by_severity if r.group is not None},
        key=lambda s: (order.index(s) if s in order else len(order), s),
    )
    return {
        "items": item.n if item else 0,
        "days": [periods[0], periods[-1]] if periods else [],
        "periods": len(periods),
        "range": span_label(periods[0], periods[-1], period) if periods else "no data",
        "item_accuracy": pct(item.accuracy) if item else "n/a",
        "charts": charts,
        "flagged": [c for c in flagged if c["metric"] != ITEM_METRIC],
        "item_flagged": next((c for c in flagged if c["metric"] == ITEM_METRIC), None),
        "stable": [c["label"] for c in charts if not c["flagged"]],
        "accuracy": [
            {
                "metric": m,
                "label": metric_label(m),
                "n": f"{r.n:,}",
                "accuracy": pct(r.accuracy),
                "ci": f"{pct(r.ci_low)[:-1]}\u2013{pct(r.ci_high)}",
                "flagged": next((c["flag_text"] for c in charts if c["metric"] == m), ""),
                "trust": "\u2013" if m == ITEM_METRIC else _trust_text(agreement.get(m)),
                "untrusted": agreement[m].trusted is False if m in agreement else False,
            }
            for m, r in overall.items()
        ],
        "checks": ["Whole item" if m == ITEM_METRIC else metric_label(m) for m in overall],
        "by_process": [
            {
                "label": code_label(p, labels),
                "cells": [
                    _process_cell(by_process.get((m, p)), overall[m].accuracy) for m in overall
                ],
            }
            for p in processes
        ],
        "errors": [
            {
                "key": r.key,
                "label": code_label(r.key, labels),
                "count": f"{r.count:,}",
                "share": pct(r.share),
                "cumulative": pct(r.cumulative_share),
                "rate": pct(r.rate, 2),
            }
            for r in qa.errors
        ],
        "errors_total": errors_total,
        "severities": [code_label(s, labels) for s in severities],
        "errors_by_severity": [
            {
                "label": code_label(e.key, labels),
                "cells": [
                    next(
                        (
                            f"{r.count:,}"
                            for r in qa.errors_by_severity
                            if r.group == s and r.key == e.key
                        ),
                        "0",
                    )
                    for s in severities
                ],
            }
            for e in qa.errors
        ],
        "top_error": (
            {
                "label": code_label(qa.errors[0].key, labels),
                "share": pct(qa.errors[0].share, 0),
                "count": qa.errors[0].count,
            }
            if qa.errors
            else None
        ),
        "agreement": [
            {
                "metric": a.attribute,
                "label": metric_label(a.attribute),
                "items": a.items,
                "reviewers": a.reviewers,
                "alpha": number(a.krippendorff_alpha),
                "fleiss": number(a.fleiss_kappa),
                "cohen": number(a.cohen_kappa),
                "raw": pct(a.percent_agreement, 0),
                "fail_share": pct(a.prevalence.get("fail"), 0),
                "trusted": a.trusted,
                "verdict": {True: "trusted", False: "too low to trust", None: "not measurable"}[
                    a.trusted
                ],
                "note": a.note,
            }
            for a in qa.agreement
        ],
        "untrusted": [metric_label(m) for m in qa.untrusted],
        "threshold": f"{qa.agreement[0].threshold:.3f}" if qa.agreement else None,
        "calibrated": bool(qa.agreement),
    }


def _chart(chart: PChart, period: str, agreement: Any) -> Context:
    runs = flag_runs(chart.points)
    return {
        "metric": chart.metric,
        "label": metric_label(chart.metric),
        "centre": pct(chart.centre),
        "baseline": chart.baseline_periods,
        "finding": chart_finding(chart, period),
        "flagged": bool(runs),
        "flag_text": "; ".join(
            f"{span_label(r[0].period, r[-1].period, period)} ({rules_text(r)})" for r in runs
        ),
        "runs": [
            {
                "span": span_label(r[0].period, r[-1].period, period),
                "start": span_label(r[0].period, r[0].period, period),
                "text": run_finding(chart, r, period),
                "rules": rules_text(r),
                "rules_long": join(
                    [RULE_TEXT[k] for k in dict.fromkeys(x for p in r for x in p.rules)]
                ),
                "low": pct(min(p.p for p in r)),
                "high": pct(max(p.p for p in r)),
                "side": r[0].side,
            }
            for r in runs
        ],
        "note": chart.note,
        "untrusted": agreement is not None and agreement.trusted is False,
        "points": [
            {
                "period": period_label(p.period, period),
                "p": pct(p.p),
                "n": p.n,
                "limits": f"{pct(p.lcl)} to {pct(p.ucl)}",
                "rules": rules_text([p]),
            }
            for p in chart.points
        ],
    }


def _trust_text(agreement: Any) -> str:
    if agreement is None:
        return "not calibrated"
    if agreement.trusted is None:
        return "not measurable"
    return f"\u03b1 {number(agreement.krippendorff_alpha)}" + (
        "" if agreement.trusted else " (too low)"
    )


def _process_cell(row: Any, overall: float | None) -> Context:
    if row is None:
        return {"text": "\u2013", "n": "", "low": False}
    # Below the overall level with 95 % confidence: the interval's top is under it.
    low = overall is not None and row.ci_high is not None and row.ci_high < overall
    return {"text": pct(row.accuracy), "n": f"n={row.n:,}", "low": low}


# --------------------------------------------------------------------------- cases


def _pareto_rows(rows: Sequence[CausePareto], labels: dict[str, str]) -> list[Context]:
    return [
        {"key": r.key, "label": code_label(r.key, labels), "causes": r.causes, "cases": r.cases,
         "share": pct(r.share, 0), "cumulative": pct(r.cumulative_share, 0)}
        for r in rows
    ]  # fmt: skip


def _crosstab(
    rows: Sequence[CausePareto], dimension: str, labels: dict[str, str], period: str
) -> Context:
    groups = sorted({r.group for r in rows if r.group is not None})
    keys = sorted(
        {r.key for r in rows}, key=lambda k: (-sum(r.causes for r in rows if r.key == k), k)
    )
    cases = {r.group: r.group_cases for r in rows}

    def heading(group: str) -> str:
        if dimension == "period":
            return period_label(date.fromisoformat(group), period)
        return code_label(group, labels)

    return {
        "dimension": dimension,
        "title": DIMENSION_LABELS[dimension],
        "columns": [{"label": heading(g), "cases": cases[g]} for g in groups],
        "rows": [
            {
                "label": code_label(k, labels),
                "cells": [
                    next((r.causes for r in rows if r.key == k and r.group == g), 0) for g in groups
                ],
            }
            for k in keys
        ],
    }


def _clock_rows(
    clocks: Sequence[ClockSummary], labels: dict[str, str], by: str, period: str
) -> list[Context]:
    """One row per process type (or period), one cell per clock: median and breaches."""
    index = {(c.metric, c.process_type, c.period): c for c in clocks}
    rows: list[tuple[str, str | None, date | None]]
    if by == "process_type":
        kinds = sorted({c.process_type for c in clocks if c.process_type is not None})
        rows = [(code_label(k, labels), k, None) for k in kinds]
    else:
        periods = sorted({c.period for c in clocks if c.period is not None})
        rows = [(period_label(p, period), None, p) for p in periods]
    rows.append(("All cases", None, None))
    out = []
    for name, process, day in rows:
        cells = []
        for metric in CLOCK_LABELS:
            found = index.get((metric, process, day))
            if found is None:
                cells.append({"median": "\u2013", "breach": "", "breached": False})
                continue
            breach = (
                f"{found.breached} of {found.with_target} breached"
                if found.with_target
                else "no target"
            )
            cells.append({"median": format_duration(found.median_seconds), "breach": breach,
                          "breached": found.breached > 0})  # fmt: skip
        out.append({"label": name, "cells": cells, "total": process is None and day is None})
    return out


def _cases(cases: CaseTrends, labels: dict[str, str]) -> Context:
    period = cases.scope.period
    total = next((p for p in cases.portfolio if p.total), None)
    roots = bool(cases.root_categories)
    categories = cases.root_categories if roots else cases.categories
    codes = cases.root_codes if roots else cases.codes
    overall_clocks = [c for c in cases.clocks if c.process_type is None and c.period is None]
    mix_total = [m for m in cases.severity_mix if m.period is None]
    detected = [m for m in cases.detection_mix if m.period is None]
    n_cases = sum(m.cases for m in mix_total)
    days = sorted({m.period for m in cases.severity_mix if m.period is not None})
    problem_actions = [
        a for a in cases.actions if a.overdue or a.verification_overdue or a.ineffective
    ]
    return {
        "count": n_cases,
        "days": [days[0], days[-1]] if days else [],
        "roots": roots,
        "cause_word": "root cause" if roots else "cause",
        "categories": _pareto_rows(categories, labels),
        "all_categories": _pareto_rows(cases.categories, labels),
        "codes": _pareto_rows(codes, labels)[:12],
        "codes_total": len(codes),
        "codes_once": sum(1 for r in codes if r.cases == 1),
        "crosstabs": [
            _crosstab(cases.categories_by[d], d, labels, period)
            for d in CASE_DIMENSIONS
            if cases.categories_by.get(d)
        ],
        "recurrence": [
            {
                "code": r.code,
                "label": code_label(r.code, labels),
                "category": code_label(r.category, labels),
                "cases": r.cases,
                "case_ids": ", ".join(r.case_ids),
                "first": day_label(r.first_on),
                "last": day_label(r.last_on),
            }
            for r in cases.recurrence
        ],
        "ineffective": [
            {
                "action": f"{i.case_id} {i.action_id}",
                "owner": i.owner or "no owner",
                "completed": day_label(i.completed_on),
                "code": code_label(i.code, labels),
                "recurred_in": ", ".join(i.recurred_in),
                "first_recurrence": day_label(i.first_recurrence_on),
            }
            for i in cases.ineffective
        ],
        "repeat_rates": [
            {
                "category": code_label(r.category, labels),
                "cases": r.cases,
                "repeats": r.repeats,
                "rate": pct(r.rate, 0),
            }
            for r in cases.repeat_rates
            if r.repeats
        ],
        "portfolio": [
            {
                "owner": p.owner or "No owner",
                "actions": p.actions,
                "open": p.open,
                "overdue": p.overdue,
                "done": p.done,
                "awaiting": p.awaiting_verification,
                "verification_overdue": p.verification_overdue,
                "verified": p.verified,
                "cancelled": p.cancelled,
                "ineffective": p.ineffective,
                "total": p.total,
            }
            for p in sorted(cases.portfolio, key=lambda p: (p.total, -p.actions, p.owner or ""))
        ],
        "actions": (
            {
                "total": total.actions,
                "open": total.open,
                "overdue": total.overdue,
                "done": total.done,
                "awaiting": total.awaiting_verification,
                "verification_overdue": total.verification_overdue,
                "verified": total.verified,
                "cancelled": total.cancelled,
                "ineffective": total.ineffective,
            }
            if total
            else None
        ),
        "problem_actions": [
            {
                "action": f"{a.case_id} {a.action_id}",
                "owner": a.owner or "no owner",
                "due": day_label(a.due),
                "verify_by": day_label(a.verify_by),
                "state": join(
                    [
                        s
                        for s, on in (
                            ("overdue", a.overdue),
                            ("verification overdue", a.verification_overdue),
                            ("ineffective", a.ineffective),
                        )
                        if on
                    ]
                ),
            }
            for a in problem_actions
        ],
        "clocks": [
            {
                "metric": c.metric,
                "label": CLOCK_LABELS[c.metric],
                "median": format_duration(c.median_seconds),
                "p90": format_duration(c.p90_seconds),
                "measured": c.measured,
                "breached": c.breached,
                "with_target": c.with_target,
                "rate": pct(c.breach_rate, 0) if c.breach_rate is not None else "no target",
            }
            for c in overall_clocks
        ],
        "clocks_by_process": _clock_rows(cases.clocks, labels, "process_type", period),
        "clocks_by_period": _clock_rows(cases.clocks, labels, "period", period),
        "clock_names": list(CLOCK_LABELS.values()),
        "severity": [
            {"label": code_label(m.key, labels), "cases": m.cases, "share": pct(m.share, 0)}
            for m in mix_total
        ],
        "detection": [
            {"label": code_label(m.key, labels), "cases": m.cases, "share": pct(m.share, 0)}
            for m in detected
        ],
    }


# --------------------------------------------------------------------------- headlines


def _headlines(ctx: Context) -> list[Context]:
    """The bottom line, most urgent first: each a tone (alert, ok, info) and a sentence."""
    qa, cases = ctx["qa"], ctx["cases"]
    out: list[Context] = []
    if qa is not None:
        for chart in qa["flagged"]:
            caveat = (
                " Reviewers do not agree on this check, so read it with care."
                if chart["untrusted"]
                else ""
            )
            out.append({"tone": "alert", "text": chart["finding"] + caveat})
        if qa["stable"]:
            stable = [s for s in qa["stable"] if s != metric_label(ITEM_METRIC)]
            if stable:
                names = join([s[0].lower() + s[1:] for s in stable])
                head = "The other check" if len(stable) == 1 else f"The other {len(stable)} checks"
                if not qa["flagged"]:
                    head = "Every check" if len(stable) > 1 else "The check"
                out.append({"tone": "ok", "text": (
                    f"{head} stayed within {'its' if len(stable) == 1 else 'their'} control limits "
                    f"in every {ctx['meta']['period']}: {names}."
                )})  # fmt: skip
        for a in qa["agreement"]:
            if a["trusted"] is False:
                out.append({"tone": "alert", "text": (
                    f"Reviewers disagree on {a['label'].lower()} (Krippendorff's \u03b1 {a['alpha']}, "
                    f"below {qa['threshold']}; raw agreement {a['raw']}): its trend cannot be "
                    "trusted until the policy it checks is clarified."
                )})  # fmt: skip
        if qa["top_error"]:
            top = qa["top_error"]
            out.append(
                {
                    "tone": "info",
                    "text": f"{top['label']} is the most frequent QA error type: {top['share']} of {qa['errors_total']:,} errors.",
                }
            )
    for r in cases["recurrence"]:
        out.append(
            {
                "tone": "alert",
                "text": f"Cause code “{r['label']}” recurred: it appears in {r['cases']} cases ({r['case_ids']}).",
            }
        )
    for i in cases["ineffective"]:
        out.append(
            {
                "tone": "alert",
                "text": f"Action {i['action']} ({i['owner']}) looks ineffective: its cause “{i['code']}” occurred again in {i['recurred_in']} after it was completed on {i['completed']}.",
            }
        )
    acts = cases["actions"]
    if acts:
        tone = "alert" if acts["overdue"] or acts["verification_overdue"] else "info"
        out.append({"tone": tone, "text": (
            f"{acts['total']} corrective actions: {acts['open']} open ({acts['overdue']} overdue), "
            f"{acts['awaiting']} done and awaiting verification of effectiveness "
            f"({acts['verification_overdue']} past their verification date), {acts['verified']} verified."
        )})  # fmt: skip
    breached = [c for c in cases["clocks"] if c["breached"]]
    if breached:
        worst = max(breached, key=lambda c: c["breached"] / max(c["with_target"], 1))
        out.append(
            {
                "tone": "alert",
                "text": f"{worst['label']} breached its service level in {worst['breached']} of {worst['with_target']} cases (median {worst['median']}).",
            }
        )
    return out


def _asks(ctx: Context) -> list[Context]:
    """Decisions and follow-ups the data calls for."""
    qa, cases = ctx["qa"], ctx["cases"]
    out: list[Context] = []
    if qa is not None:
        for chart in qa["flagged"]:
            run = chart["runs"][0]
            out.append({"title": f"Find out what changed for {chart['label'].lower()}", "text": (
                f"The shift starts in {run['start']}. Ask for a root-cause review of "
                "what changed then (tools, procedure, staffing) and a corrective action with an owner."
            )})  # fmt: skip
        for a in qa["agreement"]:
            if a["trusted"] is False:
                out.append({"title": f"Clarify what {a['label'].lower()} means", "text": (
                    "Reviewers read the policy behind this check differently. Agree one reading, "
                    "update the guidance, and re-run calibration before acting on its trend."
                )})  # fmt: skip
    for r in cases["recurrence"]:
        out.append({"title": f"Treat “{r['label']}” as a systemic cause", "text": (
            f"It appears in {r['cases']} cases. Check that the actions addressing it work across "
            "teams, not case by case."
        )})  # fmt: skip
    for i in cases["ineffective"]:
        out.append(
            {
                "title": f"Revisit action {i['action']}",
                "text": f"Its cause came back after completion; the action did not work as intended ({i['owner']}).",
            }
        )
    acts = cases["actions"]
    if acts and (acts["awaiting"] or acts["overdue"]):
        out.append({"title": "Close the loop on corrective actions", "text": (
            f"{acts['awaiting']} done actions still await verification of effectiveness"
            + (f" and {acts['overdue']} are overdue" if acts["overdue"] else "")
            + ": hold owners to their verification dates."
        )})  # fmt: skip
    return out


def _method(ctx: Context, qa: QaTrends | None) -> list[str]:
    meta = ctx["meta"]
    lines = [
        f"Periods are {meta['period']}s. QA items count in the {meta['period']} they were "
        "handled; cases count in the period they were detected.",
    ]
    if qa is not None and qa.charts:
        chart = qa.charts[0]
        lines.append(
            f"Control charts (p-charts): the centre line is the pass rate of the first "
            f"{chart.baseline_periods} {meta['period']}s (the baseline); the limits are 3 sigma "
            f"for each {meta['period']}'s own number of items, so they widen when fewer items "
            "were assessed. A period is flagged by: "
            + join([RULE_TEXT[r] for r in chart.rules], "or")
            + "."
        )
        lines.append(
            "Accuracy intervals are 95% Wilson score intervals. An item passes a check when the "
            "reviewer scored it pass; not-applicable scores are left out."
        )
    if qa is not None and qa.agreement:
        lines.append(
            "Calibration: several reviewers scored the same items. Krippendorff's alpha (any "
            "number of reviewers, missing ratings allowed) decides whether a check's trend can be "
            f"trusted (alpha ≥ {qa.agreement[0].threshold:.3f}); Fleiss' kappa, Cohen's kappa "
            "(mean over reviewer pairs), raw agreement and the share of fail ratings are shown "
            "beside it, because kappa and alpha fall when one answer is rare."
        )
    lines.append(
        "Case reviews: causes are counted by fishbone category and cause code"
        + (" (root causes only, as the analysis ranks them)" if ctx["cases"]["roots"] else "")
        + ". A cause code recurs when it appears in more than one case; an action is ineffective "
        "when a cause it addressed occurs again in a later case after the action was completed."
    )
    lines.append(
        "Clocks: detect = error to detection, escalate = detection to escalation, respond = "
        "request received to response, resolve = detection to resolution, each against the "
        "service level the record sets for its process type."
    )
    return lines
