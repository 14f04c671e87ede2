"""QA and case trends -> the trends context: plain, pre-worded data the deck and brief both read.

Only aggregates reach the context: counts, rates, cause codes and category
labels, owners (teams), case and action ids, and QA pseudonyms. No cause
statement, no action text, nothing a reviewer wrote in a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rca import __version__
from rca.analyse.metrics import format_duration
from rca.audience import DecisionDefaults
from rca.trends.cases import CASE_DIMENSIONS, CausePareto, ClockSummary
from rca.trends.qa import ITEM_METRIC
from rca.trends.queries import Scope
from rca.trends.stats import RULE_TEXT, PChart, rule_chance
from rca.trends.summary import CaseTrends, QaTrends
from rca.trends.words import (
    CLOCK_LABELS,
    MIN_RATE_N,
    agreement_words,
    chart_finding,
    chart_statistics,
    code_label,
    day_label,
    flag_runs,
    join,
    metric_label,
    number,
    panels_finding,
    pct,
    period_label,
    plural,
    rules_text,
    run_finding,
    share_text,
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

    cases_digest: str  # the records' content (rca.trends.report._digest), never a path
    qa_digest: str | None  # the QA files' content, when there is QA data
    cases: int
    classification: str
    today: date
    decisions: DecisionDefaults = field(default_factory=DecisionDefaults)


def trends_context(
    qa: QaTrends | None, cases: CaseTrends, source: Source, labels: dict[str, str]
) -> Context:
    """Everything the deck and brief say, as plain data (strings pre-worded, numbers kept)."""
    scope = cases.scope
    qa_part = _qa(qa, scope.period, labels, source.today) if qa is not None else None
    case_part = _cases(cases, labels)
    period = _range(qa_part, case_part)
    meta = {
        "title": "Quality trends",
        "case_id": "Quality trends",  # the deck footer's second half
        "as_of": source.today.isoformat(),
        "as_of_text": day_label(source.today),
        "classification": source.classification,
        "tool_version": __version__,
        "period": scope.period,
        "range": period,  # from the data present, each source its own span
        "since": scope.since.isoformat() if scope.since else None,
        "until": scope.until.isoformat() if scope.until else None,
        "window": _window(scope),
        # The data's hashes as the generated line prints them: the guard lets them pass.
        "digests": [d for d in (source.cases_digest, source.qa_digest) if d],
        "generated": (
            f"rca {__version__}: {plural(source.cases, 'case review')} "
            f"(records sha256 {source.cases_digest})"
            + (
                f" and {qa_part['items']:,} QA assessments"
                + (f" (sha256 {source.qa_digest})" if source.qa_digest else "")
                if qa_part
                else ""
            )
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
    context["asks"] = _asks(context, source.decisions, source.today)
    context["method"] = _method(context, qa)
    context["method_detail"] = _method_detail(context)
    return context


def _range(qa: Context | None, cases: Context) -> str:
    """What the data covers, each source its own span: `QA Apr 2025-Mar 2026 · cases Mar-Nov 2026`.

    Never the --since/--until window or the union of both sources: a title must
    not promise QA figures for months that have none.
    """
    parts = []
    if qa is not None and qa["days"]:
        parts.append(f"QA {qa['range']}")
    if cases["range"]:
        parts.append(f"cases {cases['range']}")
    return " \u00b7 ".join(parts) or "no data in range"


def _window(scope: Scope) -> str | None:
    """The --since/--until window asked for, in words (None when neither was given)."""
    if scope.since and scope.until:
        return f"{day_label(scope.since)} to {day_label(scope.until)}"
    if scope.since:
        return f"from {day_label(scope.since)}"
    if scope.until:
        return f"up to {day_label(scope.until)}"
    return None


# A source whose data ends more than this many periods before the report is stale.
STALE_PERIODS = 2
PERIOD_DAYS = {"week": 7, "month": 31, "quarter": 92}


def _staleness(last: date, today: date, period: str) -> Context | None:
    """How far the data ends before the report, when that is more than STALE_PERIODS periods."""
    days = (today - last).days
    if days <= STALE_PERIODS * PERIOD_DAYS[period]:
        return None
    months = (today.year - last.year) * 12 + today.month - last.month - (today.day < last.day)
    gap = plural(months, "month") if period != "week" or days >= 62 else plural(days // 7, "week")
    return {"last": day_label(last), "gap": gap, "days": days}


# --------------------------------------------------------------------------- QA


def _qa(qa: QaTrends, period: str, labels: dict[str, str], today: date) -> Context:
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
        "range": span_label(periods[0], periods[-1], period, bare=True) if periods else "no data",
        "last_day": day_label(qa.handled[1]) if qa.handled else None,
        "stale": _staleness(qa.handled[1], today, period) if qa.handled else None,
        "overview": panels_finding(qa.charts, period),
        "overview_flagged": [c["label"] for c in charts if c["flagged"]],
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
                "flag_plain": next(
                    (c["finding"] for c in charts if c["metric"] == m and c["flagged"]), ""
                ),
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
                "words": agreement_words(a.krippendorff_alpha),
                "chance": pct(sum(v * v for v in a.prevalence.values()), 0)
                if a.prevalence
                else "n/a",
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
        "statistics": chart_statistics(chart, period),
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
    return (
        f"{number(agreement.krippendorff_alpha)}: {agreement_words(agreement.krippendorff_alpha)}"
    )


def _process_cell(row: Any, overall: float | None) -> Context:
    if row is None:
        return {"text": "\u2013", "n": "", "low": False}
    # Below the overall level with 95 % confidence: the interval's top is under it.
    low = overall is not None and row.ci_high is not None and row.ci_high < overall
    if row.n < MIN_RATE_N:  # a rate of one or two items reads as 0 % or 100 %: counts instead
        return {"text": f"{row.passed} of {row.n}", "n": "", "low": low}
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


def _clocks_finding(clocks: Sequence[ClockSummary]) -> str:
    """The clocks that missed their target most often, every one of them: `Time to detect and
    time to respond missed their target in 3 of 6 requests each` (a case has one or more)."""
    missed = [c for c in clocks if c.breached and c.with_target]
    if not missed:
        return "No clock missed its service-level target"
    rate = max(c.breached / c.with_target for c in missed)
    worst = [c for c in missed if c.breached / c.with_target == rate]
    names = join([CLOCK_LABELS[c.metric] if i == 0 else CLOCK_LABELS[c.metric].lower()
                  for i, c in enumerate(worst)])  # fmt: skip
    counts = {(c.breached, c.with_target) for c in worst}
    if len(worst) == 1:
        c = worst[0]
        return (
            f"{names} missed its service-level target in {c.breached} of {c.with_target} requests "
            f"(median {format_duration(c.median_seconds)})"
        )
    if len(counts) == 1:
        k, n = counts.pop()
        return f"{names} missed their service-level target in {k} of {n} requests each"
    return (
        f"{names} missed their service-level target most often, in "
        + join([f"{c.breached} of {c.with_target}" for c in worst])
        + " requests"
    )


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
        "range": span_label(days[0], days[-1], period, bare=True) if days else "",
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
                "text": share_text(r.repeats, r.cases),
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
        "clocks_finding": _clocks_finding(overall_clocks),
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
    """The bottom line in plain words, most urgent first: a tone (alert, ok, info), a sentence
    (`text`), and the same in fewer words for a slide (`short`)."""
    qa, cases = ctx["qa"], ctx["cases"]
    out: list[Context] = []
    if qa is not None:
        if qa["stale"]:
            short = f"QA data ends {qa['stale']['last']}, {qa['stale']['gap']} before this report"
            out.append({"tone": "alert", "short": f"{short}.", "text": (
                f"{short}: the QA figures cannot show how quality has moved since."
            )})  # fmt: skip
        for chart in qa["flagged"]:
            caveat = (
                " Reviewers do not agree on this check, so read it with care."
                if chart["untrusted"]
                else ""
            )
            out.append(
                {"tone": "alert", "text": chart["finding"] + caveat, "short": chart["finding"]}
            )
        stable = [s for s in qa["stable"] if s != metric_label(ITEM_METRIC)]
        if stable:
            names = join([s[0].lower() + s[1:] for s in stable])
            head = "The other check" if len(stable) == 1 else f"The other {len(stable)} checks"
            if not qa["flagged"]:
                head = "Every check" if len(stable) > 1 else "The check"
            out.append({"tone": "ok", "short": f"{head} held steady.", "text": (
                f"{head} held steady: every {ctx['meta']['period']} within "
                f"{'its' if len(stable) == 1 else 'their'} usual range ({names})."
            )})  # fmt: skip
        for a in qa["agreement"]:
            if a["trusted"] is False:
                out.append({"tone": "alert", "short": (
                    f"Reviewers {a['words']} on {a['label'].lower()}: its trend cannot be trusted "
                    "yet."
                ), "text": (
                    f"Reviewers {a['words']} on {a['label'].lower()}: two reviewers give the same "
                    f"answer {a['raw']} of the time, where guessing in the same proportions would "
                    f"give {a['chance']}. Its trend cannot be trusted until the policy it checks "
                    "is clarified."
                )})  # fmt: skip
        if qa["top_error"]:
            top = qa["top_error"]
            text = (
                f"{top['label']} is the most frequent QA error type: {top['share']} of "
                f"{qa['errors_total']:,} errors."
            )
            out.append({"tone": "info", "text": text, "short": text})
    for r in cases["recurrence"]:
        short = (
            f"The same cause, \u201c{r['label']}\u201d, was found in {r['cases']} of "
            f"{cases['count']} cases"
        )
        out.append({"tone": "alert", "short": f"{short}.", "text": f"{short} ({r['case_ids']})."})
    for i in cases["ineffective"]:
        out.append({"tone": "alert", "short": (
            f"Action {i['action']} ({i['owner']}) did not hold: its cause came back."
        ), "text": (
            f"Action {i['action']} ({i['owner']}) did not hold: its cause \u201c{i['code']}\u201d "
            f"came back in {i['recurred_in']} after the action was completed on {i['completed']}."
        )})  # fmt: skip
    acts = cases["actions"]
    if acts:
        tone = "alert" if acts["overdue"] or acts["verification_overdue"] else "info"
        out.append({"tone": tone, "short": (
            f"{acts['total']} corrective actions: {acts['open']} open ({acts['overdue']} overdue), "
            f"{acts['awaiting']} awaiting a check that they worked, {acts['verified']} verified."
        ), "text": (
            f"{acts['total']} corrective actions: {acts['open']} open ({acts['overdue']} overdue), "
            f"{acts['awaiting']} done and awaiting a check that they worked "
            f"({acts['verification_overdue']} past the date for it), {acts['verified']} verified."
        )})  # fmt: skip
    breached = [c for c in cases["clocks"] if c["breached"]]
    if breached:
        text = f"{ctx['cases']['clocks_finding']}."
        out.append({"tone": "alert", "text": text, "short": text})
    return out


def _asks(ctx: Context, defaults: DecisionDefaults, today: date) -> list[Context]:
    """Decisions and follow-ups the data calls for, each with who decides and by when."""
    qa, cases = ctx["qa"], ctx["cases"]
    out: list[Context] = []

    def ask(kind: str, title: str, text: str) -> None:
        by = defaults.due(kind, today)
        out.append({"kind": kind, "title": title, "text": text,
                    "decider": defaults.decider_for(kind), "by": by.isoformat(),
                    "by_text": day_label(by)})  # fmt: skip

    if qa is not None:
        if qa["stale"]:
            ask("trend_stale", "Bring the QA data up to date", (
                f"The assessments stop at {qa['stale']['last']}. Load those since, and re-run the "
                "trends before acting on the QA findings."
            ))  # fmt: skip
        for chart in qa["flagged"]:
            run = chart["runs"][0]
            ask("trend_shift", f"Find out what changed for {chart['label'].lower()}", (
                f"The shift starts in {run['start']}. Ask for a root-cause review of what changed "
                "then (tools, procedure, staffing) and a corrective action with an owner."
            ))  # fmt: skip
        for a in qa["agreement"]:
            if a["trusted"] is False:
                ask("trend_calibration", f"Clarify what {a['label'].lower()} means", (
                    "Reviewers read the policy behind this check differently. Agree one reading, "
                    "update the guidance, and re-run calibration before acting on its trend."
                ))  # fmt: skip
    for r in cases["recurrence"]:
        ask("trend_recurrence", f"Treat \u201c{r['label']}\u201d as a systemic cause", (
            f"It was found in {r['cases']} cases. Check that the actions addressing it work across "
            "teams, not case by case."
        ))  # fmt: skip
    for i in cases["ineffective"]:
        ask("trend_ineffective", f"Revisit action {i['action']}", (
            f"Its cause came back after completion; the action did not work as intended "
            f"(owner: {i['owner']})."
        ))  # fmt: skip
    acts = cases["actions"]
    if acts and (acts["awaiting"] or acts["overdue"]):
        ask("trend_actions", "Close the loop on corrective actions", (
            f"{acts['awaiting']} done actions still await a check that they worked"
            + (f" and {acts['overdue']} are overdue" if acts["overdue"] else "")
            + ": hold owners to their verification dates."
        ))  # fmt: skip
    return out


def _method(ctx: Context, qa: QaTrends | None) -> list[str]:
    """How the figures were made: the statistics the plain sentences stand for."""
    meta, qa_ctx = ctx["meta"], ctx["qa"]
    period = meta["period"]
    lines = [
        f"Data: {meta['range']}"
        + (f" (asked for {meta['window']})" if meta["window"] else "")
        + f". QA items count in the {period} they were handled, cases in the {period} they were "
        f"detected. A source ending more than {STALE_PERIODS} {period}s before the report is "
        "flagged as out of date.",
    ]
    if qa is not None and qa.charts:
        chart = qa.charts[0]
        chances = "; ".join(
            f"{RULE_TEXT[r]}, {pct(rule_chance(r), 2)} of {period}s" for r in chart.rules
        )
        lines.append(
            f"Control charts (p-charts): the centre line is the pass rate of the first "
            f"{chart.baseline_periods} {period}s; the limits are 3 sigma for each {period}'s own "
            f"number of items. \u201cHappens by chance less than 1 time in N\u201d is how often "
            f"noise alone trips the rule that flagged the {period}: {chances}."
        )
    if qa_ctx is not None:
        lines.append(
            "Accuracy intervals are 95% Wilson score intervals. An item passes a check when the "
            "reviewer scored it pass; not-applicable scores are left out."
        )
    if qa is not None and qa.agreement and qa_ctx is not None:
        lines.append(
            "Calibration: several reviewers scored the same items. Krippendorff's alpha decides "
            f"whether a check's trend can be trusted (alpha \u2265 {qa.agreement[0].threshold:.3f}). "
            "In words: 0.8 or more agree well; from 0.667 well enough to use with care; from 0.4 "
            "only partly; from 0.2 barely more than chance; below that no more than chance."
        )
    lines.append(
        "Case reviews: causes are counted by fishbone category and cause code"
        + (" (root causes only, as the analysis ranks them)" if ctx["cases"]["roots"] else "")
        + ". A cause code recurs when it appears in more than one case; an action is ineffective "
        "when a cause it addressed occurs again in a later case after the action was completed. "
        f"Groups of fewer than {MIN_RATE_N} are shown as counts (\u201c1 of 2\u201d), never as "
        "a rate."
    )
    lines.append(
        "Clocks: detect = error to detection, escalate = detection to escalation, respond = "
        "request received to response, resolve = detection to resolution, each against the "
        "service level the record sets for its process type."
    )
    lines.append(
        "Who decides and by when: the leadership audience profile's defaults (the cases' rca.toml "
        f"may set the overall one), counted from the report date ({meta['as_of_text']})."
    )
    return lines


def _method_detail(ctx: Context) -> list[str]:
    """Each flag's statistic, for those who want it (the deck has them in its notes)."""
    qa = ctx["qa"]
    if qa is None:
        return []
    lines = [f"{c['label']}: {c['statistics']}." for c in qa["charts"] if c["flagged"]]
    lines += [
        f"{a['label']}: alpha {a['alpha']}, Fleiss' kappa {a['fleiss']}, Cohen's kappa "
        f"{a['cohen']}; raw agreement {a['raw']} where chance gives {a['chance']}."
        for a in qa["agreement"]
        if a["trusted"] is False
    ]
    return lines
