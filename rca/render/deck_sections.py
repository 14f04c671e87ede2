"""What each deck section says: a registry of section name -> function(builder, context).

A profile's `deck.sections` lists these names; the renderer builds them in that
order. A new audience reuses them (or a plugin adds to `SECTIONS`); no code
branches on the audience. Every function reads the audience-redacted context
only and writes through the `DeckBuilder`, which measures and paginates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from rca.analyse.metrics import format_duration
from rca.model import OPEN_ACTION_STATUSES
from rca.render.decisions import omitted_phrase
from rca.render.deck_appendix import AppendixTable
from rca.render.formatting import (
    day,
    label,
    plural,
    review_phrase,
    sentence_case,
    sentences,
    severity_scale,
)
from rca.render.names import cause_title
from rca.render.pptx import Block, Column, DeckBuilder, Para, Row, Tile, block, cell, lead, para
from rca.render.slide_diagrams import (
    causal_summary,
    fishbone_summary,
    summary_nodes,
    timeline_strip,
)
from rca.render.textfit import Span

Context = dict[str, Any]
Section = Callable[[DeckBuilder, Context], None]

BULLET = "•"
COMPLETE = ("done", "verified")
WORKFLOW = (
    "intake",
    "requester_verification",
    "triage",
    "legal_review",
    "account_identification",
    "preserve_collect",
    "second_review",
    "production",
    "user_notice",
    "closure",
    "post_incident",
)


# --------------------------------------------------------------------------- formatting


def labels(ctx: Context, codes: Iterable[str], empty: str = "none", *, lower: bool = False) -> str:
    """Labels of several codes, comma-separated (in sentence case inside a sentence)."""
    found = [
        sentence_case(label(ctx["labels"], c)) if lower else label(ctx["labels"], c) for c in codes
    ]
    return ", ".join(found) if found else empty


def when(iso: str) -> str:
    """`2026-03-14T21:38:00-07:00` -> `14 Mar 2026, 21:38`: on the case's one clock, named once per slide."""
    return ", ".join(when_parts(iso))


def when_parts(iso: str) -> tuple[str, str]:
    """(`14 Mar 2026`, `21:38`): the context holds every time on the case's reference clock."""
    at = datetime.fromisoformat(iso)
    return day(at), f"{at:%H:%M}"


def when_cell(iso: str) -> tuple[Para, ...]:
    """A table cell with the date over the time."""
    day_text, time_text = when_parts(iso)
    return cell(day_text, Span(time_text, False, "muted"))


def zone(ctx: Context) -> str:
    """The case's reference clock, as every slide names it."""
    return str(ctx["meta"]["time_zone"])


def duration(seconds: float | None) -> str:
    """Seconds -> `45m`, `9h 30m`, `2d 4h`: the same form the diagrams and briefs print."""
    return "not measured" if seconds is None else format_duration(seconds)


def first_sentence(text: str, limit: int = 220) -> str:
    """The first sentence of a text, for talking points ("p.m.", "U.S.C." and initials do not end one)."""
    found = sentences(text)
    sentence = found[0] if found else ""
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- lookups


def causes(ctx: Context) -> dict[str, dict[str, Any]]:
    """Cause findings by id (statements scrubbed for the audience)."""
    return {c["id"]: c for c in ctx["findings"]["causes"]}


def actions(ctx: Context) -> list[dict[str, Any]]:
    """The record's corrective actions."""
    return list(ctx["case"]["actions"])


def overdue(ctx: Context) -> set[str]:
    """Open actions past their due date on the analysis date (the context's view)."""
    return set(ctx["view"]["overdue"])


def milestone_time(ctx: Context, milestone: str) -> str | None:
    """When a milestone happened, if it did."""
    return next((e["at"] for e in ctx["case"]["timeline"] if e["milestone"] == milestone), None)


def clocks(ctx: Context) -> list[dict[str, Any]]:
    """Measured clocks."""
    return [c for c in ctx["findings"]["clocks"] if c["elapsed_seconds"] is not None]


def breached(ctx: Context) -> list[dict[str, Any]]:
    """Clocks that missed their target."""
    return [c for c in ctx["findings"]["clocks"] if c["breached"]]


def root_causes(ctx: Context) -> list[dict[str, Any]]:
    """Ranked root causes (cause and rank in one dict), as many as the audience's detail allows."""
    roots: list[dict[str, Any]] = ctx["view"]["roots"]
    return roots


def reportable_text(value: bool | None) -> str:
    """What the record says about regulatory reportability."""
    if value is None:
        return "regulatory reportability not yet determined"
    return "reportable to a regulator" if value else "not reportable to a regulator"


# --------------------------------------------------------------------------- shared sections


def title(b: DeckBuilder, ctx: Context) -> None:
    """The opening slide."""
    meta, case, audience = ctx["meta"], ctx["case"], ctx["audience"]
    esc = case["escalation"]
    severity = label(ctx["labels"], esc["severity"])
    b.title_slide(
        meta["title"],
        [
            f"{audience['title']} · {meta['case_id']} · version {meta['version']}",
            f"{severity} severity ({severity_scale(ctx['labels'], esc['severity'])}) · "
            f"{label(ctx['labels'], ctx['primary']['process_type'])} · {review_phrase(case['review']['status'])}",
            f"As of {day(meta['as_of'])} · {meta['classification']}",
        ],
        "\n".join(
            [
                *([f"DRAFT, not approved: {'; '.join(meta['draft'])}."] if meta["draft"] else []),
                f"Purpose: {audience['description']}",
                f"Case {meta['case_id']}, version {meta['version']}: {meta['title']}.",
                f"Severity {sentence_case(severity)}: {severity_scale(ctx['labels'], esc['severity'])}; "
                f"{review_phrase(case['review']['status'])}.",
                f"Handling: {meta['classification']}. Do not forward outside the intended audience.",
                f"Source: {meta['generated']}.",
            ]
        ),
    )


def fishbone(b: DeckBuilder, ctx: Context) -> None:
    """The causes by category, drawn as a fishbone of native shapes naming each cause by its title."""
    counts = {k: v for k, v in ctx["findings"]["categories"].items() if v}
    spread = ", ".join(f"{label(ctx['labels'], k)} ({v})" for k, v in counts.items()) or "none yet"
    top = max(counts, key=lambda k: counts[k]) if counts else None
    notes = "\n".join(
        [
            f"The fishbone sorts all {sum(counts.values())} causes by category: {spread}.",
            *(
                [
                    f"Most causes sit in {label(ctx['labels'], top)}: that is where the system needs attention, "
                    "not one person."
                ]
                if top
                else []
            ),
            "Causes spread over several categories mean no single fix will do. Root causes are in bold.",
        ]
    )
    if not ctx["findings"]["causes"]:
        b.text_slides(
            "Causes by category",
            [block(para("No causes recorded yet; the analysis is open."))],
            notes,
        )
        return
    caption = pointer(ctx, "Root causes in bold; at most a few causes a category.")
    w, h = b.drawing_area(caption)
    drawing = fishbone_summary(ctx["findings"], ctx["labels"], problem_line(ctx), w, h)
    b.drawing_slide("Causes by category (fishbone)", drawing, notes, caption)


# --------------------------------------------------------------------------- leadership


def bottom_line(b: DeckBuilder, ctx: Context) -> None:
    """What happened, why (the root causes, one line each), the impact and the ask: up front."""
    case, findings = ctx["case"], ctx["findings"]
    impact = case["impact"]
    asks = ctx["decisions"]
    roots = root_causes(ctx)
    missed, measured = breached(ctx), [c for c in ctx["findings"]["clocks"] if c["target_seconds"]]
    exposed = labels(ctx, impact["categories_exposed"], "no data categories", lower=True)
    impact_text = (
        f"{plural(impact['accounts_affected'], 'account')} affected; {exposed} exposed; "
        f"life safety: {sentence_case(label(ctx['labels'], impact['life_safety']))}; "
        f"{reportable_text(impact['regulatory_reportable'])}"
        + (f"; {len(missed)} of {len(measured)} service levels missed" if measured else "")
        + "."
    )
    why: list[Para] = [Para((Span("Why:", True, "title"),), space_before=6)]
    for r in roots[:3]:
        spans = [Span(cause_title(r), True, ""), Span(f"  {r['id']}", False, "muted")]
        if r["status"] != "verified":
            spans.append(
                Span(
                    f"  {sentence_case(label(ctx['labels'], r['status']))}, unverified",
                    True,
                    "accent",
                )
            )
        why.append(Para(tuple(spans), bullet=BULLET, space_before=2))
    if not roots:
        why.append(
            Para(
                (Span("No root cause identified yet; the analysis is open.", False, "accent"),),
                bullet=BULLET,
                space_before=2,
            )
        )
    elif len(roots) > 3:
        why.append(
            Para(
                (
                    Span(
                        f"and {plural(len(roots) - 3, 'further root cause')} on the root-cause slide",
                        False,
                        "muted",
                    ),
                ),
                hanging=True,
                space_before=2,
            )
        )
    ask: list[Para] = [Para((Span("Asked of leadership:", True, "title"),), space_before=6)]
    for d in asks[:3]:
        ask.append(
            Para(
                (
                    Span(d["ask"], False, ""),
                    Span(f"  {d['decider']}, by {day(d['by'])}", True, "accent"),
                ),
                bullet=BULLET,
                space_before=2,
            )
        )
    if len(asks) > 3:
        ask.append(
            Para(
                (
                    Span(
                        f"and {plural(len(asks) - 3, 'further decision')} on the decisions slide",
                        False,
                        "muted",
                    ),
                ),
                hanging=True,
                space_before=2,
            )
        )
    if not asks:
        ask.append(
            Para(
                (Span("No decision is needed today; for information.", False, ""),),
                hanging=True,
                space_before=2,
            )
        )
    blocks = [
        block(lead("What happened:", first_sentence(findings["problem"], 300))),
        block(*why),
        block(lead("Impact:", impact_text)),
        block(*ask),
    ]
    notes = "\n".join(
        [
            f"Open with the bottom line: {first_sentence(case['escalation']['summary'])}",
            *(
                f"Root cause {r['id']}: {first_sentence(r['statement'])}"
                + ("" if r["status"] == "verified" else " (not yet verified)")
                for r in roots[:3]
            ),
            *(
                f"Ask: {d['ask']}. Decides: {d['decider']}, by {day(d['by'])}. {d['why']}"
                for d in asks[:3]
            ),
            *([] if asks else ["No decision is needed; this is for information."]),
        ]
    )
    b.text_slides("Bottom line up front", blocks, notes)


def impact(b: DeckBuilder, ctx: Context) -> None:
    """Impact and legal risk, with the headline figures as tiles."""
    case = ctx["case"]
    imp, esc = case["impact"], case["escalation"]
    missed = breached(ctx)
    reportable = imp["regulatory_reportable"]
    scale = severity_scale(ctx["labels"], esc["severity"]).split(",")[0]
    tiles = [
        Tile(
            str(imp["accounts_affected"]),
            "accounts affected",
            "accent" if imp["accounts_affected"] else "title",
        ),
        Tile(
            label(ctx["labels"], esc["severity"]),
            f"severity, {scale} on our scale" if scale else "severity",
            "accent" if esc["severity"] in ("serious", "reportable") else "title",
        ),
        Tile(
            label(ctx["labels"], imp["life_safety"]),
            "life-safety risk",
            "title" if imp["life_safety"] == "none" else "accent",
        ),
        Tile(
            "Not decided" if reportable is None else "Yes" if reportable else "No",
            "report to a regulator?",
            "title" if reportable is False else "accent",
        ),
    ]
    blocks = [
        block(lead("Data exposed:", imp["data_exposure"])),
        block(lead("Legal exposure:", imp["legal_exposure"])),
    ]
    if imp["life_safety_note"]:
        blocks.append(block(lead("Life safety:", imp["life_safety_note"])))
    if imp["requester_impact"]:
        blocks.append(block(lead("Requester:", imp["requester_impact"])))
    if missed:
        blocks.append(
            block(
                lead(
                    "Service levels missed:",
                    "; ".join(
                        f"time to {sentence_case(label(ctx['labels'], c['metric']))} took {duration(c['elapsed_seconds'])} against a "
                        f"{duration(c['target_seconds'])} target"
                        for c in missed
                    )
                    + ".",
                    tag="accent",
                )
            )
        )
    notes = "\n".join(
        [
            f"{plural(imp['accounts_affected'], 'account')} affected; categories exposed: "
            f"{labels(ctx, imp['categories_exposed'], lower=True)}.",
            f"Severity {sentence_case(label(ctx['labels'], esc['severity']))}: "
            f"{severity_scale(ctx['labels'], esc['severity'])}.",
            f"Legal: {first_sentence(imp['legal_exposure'])}",
            f"Regulatory: {reportable_text(reportable)}.",
            f"{plural(len(missed), 'service level')} missed."
            if missed
            else "No service level was missed.",
        ]
    )
    b.text_slides("Impact and legal risk", blocks, notes, tiles=tiles)


def _events(ctx: Context) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ctx["view"]["timeline"]
    return events


def timeline(b: DeckBuilder, ctx: Context) -> None:
    """The milestones and deviations as a strip on the case's one clock; every event in the appendix."""
    events = _events(ctx)
    timing = [
        (f"{c['request_label']}: " if c["request_label"] else "")
        + f"Time to {sentence_case(label(ctx['labels'], c['metric']))}: "
        + (
            "not measured (a milestone is missing)"
            if c["elapsed_seconds"] is None
            else duration(c["elapsed_seconds"])
            + (" (to the day)" if c["precision"] == "day" else "")
        )
        + (
            f" against {duration(c['target_seconds'])}"
            + (" (missed)" if c["breached"] else "" if c["elapsed_seconds"] is None else " (met)")
            if c["target_seconds"]
            else ""
        )
        for c in ctx["findings"]["clocks"]
        if c["target_seconds"] is not None or c["elapsed_seconds"] is not None
    ]
    notes = "\n".join(
        [
            "Walk the strip left to right: when the request came in, where it went wrong, when we found out.",
            f"All times are on one clock: {zone(ctx)}. T+ counts from the first stop.",
            *(["Clocks: " + "; ".join(timing) + "."] if timing else []),
            f"{plural(sum(e['deviation'] for e in ctx['case']['timeline']), 'step')} deviated from procedure.",
            *(
                f"{when(e['at'])}: deviation at {sentence_case(label(ctx['labels'], e['step']))}. "
                f"Expected: {first_sentence(e['expected'] or '', 300)}"
                for e in events
                if e["deviation"]
            ),
        ]
    )
    has_table = "appendix_timeline" in ctx["audience"]["deck"]["sections"]
    caption = (
        Span(
            f"All times {zone(ctx)}." + (" Every event: the appendix." if has_table else ""),
            False,
            "muted",
        ),
    )
    w, h = b.drawing_area(caption)
    drawing = timeline_strip(events, ctx["findings"]["clocks"], ctx["labels"], zone(ctx), w, h)
    b.drawing_slide("Timeline at a glance", drawing, notes, caption)


def root_causes_section(b: DeckBuilder, ctx: Context) -> None:
    """The ranked root causes in words, each with its badge, status and the actions that answer it."""
    roots = root_causes(ctx)
    total = len(roots) + ctx["view"]["roots_omitted"]
    if not roots:
        b.text_slides(
            "Why it happened",
            [
                block(para("No root cause has been identified yet.")),
                block(para(ctx["findings"]["problem"], tag="muted")),
            ],
            "The analysis has not yet traced the problem to a root cause within our control.",
        )
        return
    acts = {a["id"]: a for a in actions(ctx)}
    rows = []
    for c in roots:
        fixes = [acts[a] for a in c["actions"] if a in acts]
        fix = (
            Span(
                "Fixed by: " + "; ".join(f"{a['title']} ({a['id']})" for a in fixes), False, "muted"
            )
            if fixes
            else Span("No action yet", True, "accent")
        )
        rows.append(
            Row(
                (
                    cell(Span(c["id"], True, "muted")),
                    cell(Span(cause_title(c), True, ""), fix),
                    cell(c["category_label"]),
                    cell(
                        Span(
                            label(ctx["labels"], c["status"]),
                            c["status"] != "verified",
                            "" if c["status"] == "verified" else "accent",
                        )
                    ),
                ),
                note=f"{c['id']} {cause_title(c)}: {first_sentence(c['statement'])} "
                f"{round(c['path_share'] * 100)} % of the causal paths to the problem start here.",
            )
        )
    extra = f" The appendix shows all {total}." if total > len(roots) else ""
    external = [causes(ctx)[i] for i in ctx["findings"]["external"] if i in causes(ctx)]
    notes = "\n".join(
        [
            "These are the conditions inside our control that let the error happen; fixing them prevents a "
            f"repeat. Ranked by how much of the problem runs through each.{extra}",
            *(
                [
                    f"Outside our control, and not counted here: {first_sentence(x['statement'])}"
                    for x in external
                ]
            ),
        ]
    )
    b.table_slides(
        "Why it happened: root causes",
        [
            Column("", 0.7),
            Column("Root cause", 7.6),
            Column("Category", 2.2),
            Column("Evidence", 1.6),
        ],
        rows,
        notes,
        intro=Para(
            (
                Span("Problem: ", True, "title"),
                Span(first_sentence(ctx["findings"]["problem"], 400), False, "muted"),
            ),
            space_before=0,
        ),
    )


def actions_section(b: DeckBuilder, ctx: Context) -> None:
    """Corrective actions with owner, due date and status; overdue ones flagged."""
    late = overdue(ctx)
    by_id = causes(ctx)
    rows = []
    for a in ctx["view"]["actions"]:
        status = [
            Span(
                label(ctx["labels"], a["status"]),
                a["id"] in late,
                "accent" if a["id"] in late else "",
            )
        ]
        if a["id"] in late:
            status.append(Span("Overdue", True, "accent"))
        elif a["completed_on"]:
            status.append(Span(f"on {day(a['completed_on'])}", False, "muted"))
        targets = "; ".join(cause_title(by_id[c]) if c in by_id else c for c in a["addresses"])
        rows.append(
            Row(
                (
                    cell(
                        Para(
                            (Span(a["title"], True, ""), Span(f"  {a['id']}", False, "muted")),
                            space_before=0,
                        ),
                        Span(
                            f"{label(ctx['labels'], a['mechanism'])} · for: {targets}",
                            False,
                            "muted",
                        ),
                    ),
                    cell(
                        Span(a["owner"], False, "")
                        if a["owner"]
                        else Span("No owner", True, "accent")
                    ),
                    cell(
                        Span(day(a["due"]), False, "")
                        if a["due"]
                        else Span("No date", True, "accent")
                    ),
                    cell(*status),
                ),
                note=(
                    f"{a['title']}: success means {first_sentence(a['success_criterion'], 300)}"
                    if a["success_criterion"]
                    else f"{a['title']}: no success criterion recorded yet."
                )
                + (
                    f" Verified: {first_sentence(a['verification_result'], 300)}"
                    if a["verification_result"]
                    else ""
                ),
            )
        )
    acts = actions(ctx)
    notes = "\n".join(
        [
            f"{plural(len(acts), 'corrective action')}: "
            f"{sum(a['status'] in COMPLETE for a in acts)} complete, {sum(a['status'] in OPEN_ACTION_STATUSES for a in acts)} open"
            + (f", {len(late)} overdue" if late else "")
            + ".",
            "Each action names the cause it removes and how we will know it worked.",
        ]
    )
    omitted = ctx["view"]["actions_omitted"]
    if omitted:
        rows.append(
            Row(
                (
                    cell(
                        Span(
                            f"And {plural(omitted, 'more action', 'more actions')} in the review: "
                            "this table shows the overdue and open ones due soonest.",
                            False,
                            "muted",
                        )
                    ),
                    cell(""),
                    cell(""),
                    cell(""),
                )
            )
        )
    if not rows:
        b.text_slides(
            "Corrective actions",
            [
                block(para("No corrective action has been agreed yet.")),
                block(
                    para(
                        "The root causes above have no owner for a fix; the decisions slide asks for one.",
                        tag="muted",
                    )
                ),
            ],
            notes,
        )
        return
    b.table_slides(
        "Corrective actions",
        [Column("Action", 7.2), Column("Owner", 2.1), Column("Due", 1.45), Column("Status", 1.35)],
        rows,
        notes,
    )


def decisions_section(b: DeckBuilder, ctx: Context) -> None:
    """The decisions asked of leadership: each with who decides, by when, and why it is asked.

    With nothing to decide the slide is left out: the bottom line already says so.
    """
    asks = ctx["decisions"]
    if not asks:
        return
    blocks = [
        block(
            Para(
                (Span(d["ask"], True, "title"),),
                bullet=str(n) if n < 10 else BULLET,
                space_before=10,
            ),
            Para(
                (Span(f"Decides: {d['decider']}, by {day(d['by'])}. ", True, "accent"),)
                + ((Span(d["detail"], False, "muted"),) if d["detail"] else ()),
                hanging=True,
                space_before=2,
            ),
            note=f"{n}. {d['why']}",
        )
        for n, d in enumerate(asks, start=1)
    ]
    if ctx["decisions_omitted"]:
        rest = omitted_phrase(ctx["decisions_omitted"])
        blocks.append(
            block(para(f"Also open, and in the review: {rest}.", tag="muted"), note=rest + ".")
        )
    b.text_slides(
        "Decisions needed",
        blocks,
        f"{plural(len(asks), 'decision')} asked of leadership, most pressing first; each names who "
        "decides and by when.",
    )


def _lint_row(lint: list[dict[str, Any]]) -> Row:
    errors = sum(x["severity"] == "error" for x in lint)
    warnings = sum(x["severity"] == "warning" and not x["accepted"] for x in lint)
    result = (
        Span("Errors", True, "accent")
        if errors
        else Span("Warnings", True, "accent")
        if warnings
        else Span("Pass", False, "")
    )
    return Row(
        (
            cell("Analysis quality checks"),
            cell(f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"),
            cell("none"),
            cell(result),
        )
    )


def _appendix(b: DeckBuilder, ctx: Context) -> None:
    """Appendix slides say so in their titles; no divider slide of a few words before them."""


# The deck's cause appendix lists every cause of a record of up to
# APPENDIX_CAUSES (two slides); a larger one gets one slide: the first
# APPENDIX_SUMMARY, root causes first, and how many more.
APPENDIX_CAUSES = 16
APPENDIX_SUMMARY = 7


def appendix_graph(b: DeckBuilder, ctx: Context) -> None:
    """Appendix: the full causal graph, every cause and what it leads to, in words."""
    _appendix(b, ctx)
    f = ctx["findings"]
    notes = (
        f"The full causal graph: {plural(len(f['causes']), 'cause')}, {len(f['root_causes'])} root, "
        f"{len(f['contributing'])} contributing, {len(f['conditions'])} condition(s), "
        f"{len(f['external'])} outside our control. Each row names what the cause leads to."
    )
    by_id = causes(ctx)
    shown = len(by_id) if len(by_id) <= APPENDIX_CAUSES else APPENDIX_SUMMARY
    order = {"root": 0, "contributing": 1, "condition": 2, "external": 3}
    listed = sorted(by_id.values(), key=lambda c: order.get(c["role"], 4))[:shown]

    def leads_to(c: dict[str, Any], limit: int) -> str:
        return (
            "; ".join(
                "the problem"
                if x == "problem"
                else f"{x} {first_sentence(cause_title(by_id[x]), limit)}"
                if x in by_id
                else x
                for x in c["effects"]
            )
            or "—"
        )

    def row(c: dict[str, Any], short: bool) -> Row:
        statement = () if short else (Span(first_sentence(c["statement"], 200), False, "muted"),)
        return Row(
            (
                cell(Span(c["id"], True, "accent" if c["role"] == "root" else "muted")),
                cell(Span(cause_title(c), True, ""), *statement),
                cell(label(ctx["labels"], c["role"])),
                cell(leads_to(c, 60 if short else 200)),
            )
        )

    rest = len(by_id) - shown
    if rest:
        notes += f" {plural(rest, 'more cause', 'more causes')} (conditions and contributing) are in the review."

    def fold(hidden: Sequence[int]) -> Row:
        more = len(hidden) + rest
        return Row(
            (
                cell(""),
                cell(
                    Span(
                        f"And {plural(more, 'more cause', 'more causes')}, listed in the review.",
                        False,
                        "muted",
                    )
                ),
                cell(""),
                cell(""),
            )
        )

    b.appendix_table(
        AppendixTable(
            "Appendix: every cause and what it leads to"
            if not rest
            else f"Appendix: the first {shown} causes and what they lead to",
            (
                Column("", 0.7),
                Column("Cause", 6.4),
                Column("Role", 1.6),
                Column("Leads to", 3.4),
            ),
            tuple(row(c, False) for c in listed),
            notes,
            name="causes",
            short=tuple(row(c, True) for c in listed),
            fold=fold,
            omitted=rest,
            folded_title="Appendix: the main causes and what they lead to",
        )
    )


def appendix_metrics(b: DeckBuilder, ctx: Context) -> None:
    """Appendix: the case's clocks and analysis figures."""
    _appendix(b, ctx)
    f = ctx["findings"]
    rows = []
    for c in f["clocks"]:
        if c["elapsed_seconds"] is None and c["target_seconds"] is None:
            continue
        result = (
            Span("Not measured", True, "muted")
            if c["elapsed_seconds"] is None
            else (Span("Missed", True, "accent") if c["breached"] else Span("Met", False, ""))
            if c["target_seconds"]
            else Span("No target", False, "muted")
        )
        rows.append(
            Row(
                (
                    cell(
                        f"Time to {sentence_case(label(ctx['labels'], c['metric']))}"
                        + (f" ({c['request_label']})" if c["request_label"] else "")
                    ),
                    cell(
                        duration(c["elapsed_seconds"])
                        + (" (to the day)" if c["precision"] == "day" else "")
                    ),
                    cell(duration(c["target_seconds"]) if c["target_seconds"] else "—"),
                    cell(result),
                )
            )
        )
    # Which rows stay longest when the budget is tight: a missed clock or a
    # deviation, then the analysis figures, then clocks met, last those without a target.
    rank = [{"accent": 0, "": 2}.get(r.cells[3][0].spans[0].tag, 3) for r in rows]
    deviations = {k: v for k, v in f["deviations_by_step"].items() if v}
    for step, n in deviations.items():
        rank.append(0)
        rows.append(
            Row(
                (
                    cell(f"Deviations: {label(ctx['labels'], step)}"),
                    cell(str(n)),
                    cell("0"),
                    cell(Span("Deviated", True, "accent")),
                )
            )
        )
    acts = actions(ctx)
    by_status = ", ".join(
        f"{sum(a['status'] == s for a in acts)} {sentence_case(label(ctx['labels'], s))}"
        for s in ("verified", "done", "in_progress", "planned", "cancelled")
        if any(a["status"] == s for a in acts)
    )
    rows += [
        Row(
            (
                cell("Causes analysed"),
                cell(str(len(f["causes"]))),
                cell("—"),
                cell(
                    f"{len(f['root_causes'])} root, {len(f['contributing'])} contributing, "
                    f"{plural(len(f['conditions']), 'condition')}, {len(f['external'])} outside our control"
                ),
            )
        ),
        Row(
            (cell("Corrective actions"), cell(str(len(acts))), cell("—"), cell(by_status or "none"))
        ),
        Row(
            (
                cell("Fishbone categories with causes"),
                cell(str(sum(1 for v in f["categories"].values() if v))),
                cell("—"),
                cell(f"of {len(f['categories'])}"),
            )
        ),
        _lint_row(f["lint"]),
    ]
    rank += [1] * (len(rows) - len(rank))
    missed = breached(ctx)
    notes = (
        "Clocks run between timeline milestones; targets come from the service levels for this process "
        "type. "
        + (
            f"{plural(len(missed), 'clock')} missed its target."
            if missed
            else "No clock missed its target."
        )
    )

    def fold(hidden: Sequence[int]) -> Row:
        clocks = all(rank[i] >= 2 for i in hidden)
        what = (
            plural(len(hidden), "more clock", "more clocks")
            if clocks
            else plural(len(hidden), "more measure", "more measures")
        )
        return Row(
            (
                cell(
                    Span(
                        f"And {what}{', none missed,' if clocks else ''} in the review.",
                        False,
                        "muted",
                    )
                ),
                cell(""),
                cell(""),
                cell(""),
            )
        )

    b.appendix_table(
        AppendixTable(
            "Appendix: metrics",
            (
                Column("Measure", 4.2),
                Column("Value", 2.4),
                Column("Target", 2.0),
                Column("Result", 3.5),
            ),
            tuple(rows),
            notes,
            name="metrics",
            rank=tuple(rank),
            fold=fold,
            min_rows=6,
        )
    )


# --------------------------------------------------------------------------- specialist


def scenario(b: DeckBuilder, ctx: Context) -> None:
    """Each request as it arrived, and what went wrong (one slide a request)."""
    esc = ctx["case"]["escalation"]
    several = len(ctx["requests"]) > 1
    for request in ctx["requests"]:
        _scenario_slide(
            b, ctx, esc, request, f"The scenario: {request['name']}" if several else "The scenario"
        )


def _scenario_slide(
    b: DeckBuilder, ctx: Context, esc: dict[str, Any], request: dict[str, Any], heading: str
) -> None:
    req, data = request["requester"], request["data"]
    correct = request["correct_entity"] is not False
    facts = [
        lead(
            "Process:",
            ", ".join(
                [
                    label(ctx["labels"], request["process_type"]),
                    *(label(ctx["labels"], p) for p in request["additional_process_types"]),
                ]
            ),
        ),
        lead("Triaged as:", label(ctx["labels"], request["triage_class"])),
        lead("Requester:", f"{label(ctx['labels'], req['agency_type'])}, {req['jurisdiction']}"),
        lead(
            "Addressed to:",
            request["addressed_to"] + ("" if correct else " (the wrong legal entity)"),
            tag="" if correct else "accent",
        ),
        lead("Asked for:", labels(ctx, data["requested"])),
        lead("Process allowed:", labels(ctx, data["authorised"], "nothing verified")),
        lead(
            "Produced:",
            labels(ctx, data["produced"], "nothing"),
            tag="accent" if set(data["produced"]) - set(data["authorised"]) else "",
        ),
        *([lead("Lost:", labels(ctx, data["lost"]), tag="accent")] if data["lost"] else []),
    ]
    story = [block(para(request["summary"] or esc["summary"]))]
    notes = "\n".join(
        [
            "Set the scene as the specialist saw it at the time, without hindsight.",
            f"The problem this review explains: {ctx['findings']['problem']}",
            f"A {sentence_case(label(ctx['labels'], request['process_type']))} from {sentence_case(label(ctx['labels'], req['agency_type']))}, "
            f"triaged {sentence_case(label(ctx['labels'], request['triage_class']))}.",
            "Ask the room: what would you check first, and what would make you stop?",
        ]
    )
    b.two_column_slides(
        heading, ("The request", [block(p) for p in facts]), ("What happened", story), notes
    )


def walkthrough(b: DeckBuilder, ctx: Context) -> None:
    """The case on a strip, then at each deviation a pause ("what would you do?") and the answer."""
    events = _events(ctx)
    caption = (Span(f"All times {zone(ctx)}. Every event: the appendix.", False, "muted"),)
    w, h = b.drawing_area(caption)
    deviations = [e for e in events if e["deviation"]]
    b.drawing_slide(
        "The case at a glance",
        timeline_strip(events, ctx["findings"]["clocks"], ctx["labels"], zone(ctx), w, h),
        "\n".join(
            [
                "The milestones and the deviations on one line; we stop at each deviation.",
                f"All times on one clock: {zone(ctx)}.",
                f"{plural(len(deviations), 'deviation')} to discuss.",
            ]
        ),
        caption,
    )
    since = 0
    for n, e in enumerate(deviations, start=1):
        index = events.index(e)
        before = events[max(since, index - 3) : index]
        since = index + 1
        step = sentence_case(label(ctx["labels"], e["step"]))
        situation = [
            block(
                Para(
                    (Span(when(x["at"]) + "  ", True, "muted"), Span(x["what"])),
                    bullet=BULLET,
                    space_before=6,
                )
            )
            for x in before
        ]
        prompt = block(
            Para(
                (
                    Span("Your move: ", True, "accent"),
                    Span(
                        f"you are the {e['actor']} at the {step} step, at {when(e['at'])}. "
                        "What do you do next, and what do you check before you act?",
                        False,
                        "",
                    ),
                ),
                space_before=14,
            )
        )
        b.text_slides(
            f"What would you do? Deviation {n} of {len(deviations)}: {step}",
            [
                block(para("What the specialist knew at that moment:", bold=True, tag="title")),
                *situation,
                prompt,
            ],
            "Pause here. Give the room two minutes to answer before you move on: no hindsight, only "
            "what was on screen at the time.",
        )
        policy = _policy_for(ctx, e["step"])
        b.two_column_slides(
            f"What happened at {step}, and what the procedure expects",
            ("What happened", [block(para(e["what"]))]),
            (
                "What the procedure expects",
                [
                    block(para(e["expected"] or "", tag="accent")),
                    *([block(lead("Policy:", policy))] if policy else []),
                ],
            ),
            f"Compare the room's answers with the procedure. Deviation {n}: {when(e['at'])}, at "
            f"{step}. Ask what made the shortcut look right at the time.",
        )


def procedure(b: DeckBuilder, ctx: Context) -> None:
    """The correct procedure, step by step, with the policy behind each point."""
    case = ctx["case"]
    policies = {p["id"]: p for p in case["policies"]}
    order = {s: i for i, s in enumerate(WORKFLOW)}
    points = sorted(
        case["training"]["points"], key=lambda p: order.get(p["step"] or "", len(WORKFLOW))
    )
    rows = []
    for p in points:
        ref = policies.get(p["policy"] or "")
        policy = (
            cell(
                Span(p["policy"], True, "title"),
                *([Span(ref["title"], False, "muted")] if ref else []),
            )
            if p["policy"]
            else cell(Span("—", False, "muted"))
        )
        rows.append(
            Row(
                (
                    cell(
                        Span(
                            label(ctx["labels"], p["step"]) if p["step"] else "Any step",
                            True,
                            "title",
                        )
                    ),
                    cell(p["point"]),
                    policy,
                ),
                note=(
                    f"{p['policy']} {ref['title']}"
                    + (f", {ref['section']}" if ref and ref["section"] else "")
                    + (f": {first_sentence(ref['summary'], 300)}" if ref and ref["summary"] else "")
                    if ref
                    else None
                ),
            )
        )
    notes = "The procedure as it should run, step by step; each point names the policy that requires it."
    if not rows:
        b.text_slides(
            "The correct procedure",
            [block(para("No procedure points recorded for this case."))],
            notes,
        )
        return
    b.table_slides(
        "The correct procedure",
        [Column("Step", 2.3), Column("What to do", 7.0), Column("Policy", 2.8)],
        rows,
        notes,
    )


def _bullets(b: DeckBuilder, heading: str, items: Sequence[str], notes: str, empty: str) -> None:
    blocks = [block(para(t, bullet=BULLET, space_before=10)) for t in items]
    b.text_slides(heading, blocks or [block(para(empty, tag="muted"))], notes)


def red_flags(b: DeckBuilder, ctx: Context) -> None:
    """Red flags to notice next time."""
    flags = ctx["case"]["training"]["red_flags"]
    _bullets(
        b,
        "Red flags to notice next time",
        flags,
        "Ask the room which of these were visible in this case, and at which step. "
        f"{plural(len(flags), 'red flag')} in all.",
        "No red flags recorded for this case.",
    )


def number(cut: int, i: int, shown: int) -> int:
    """The why number of the i-th shown step; the root keeps its number after a cut."""
    return i + cut if i == shown and cut else i


def why_chains(b: DeckBuilder, ctx: Context) -> None:
    """Each why-chain as a ladder from the problem down to its root (to the audience's depth).

    A chain cut short shows its first whys, a row saying how many more were
    folded, and its root cause: the fold takes the place of one more why, so a
    cut chain fills one slide, as a whole one of the same depth does.
    """
    f = ctx["findings"]
    by_id = causes(ctx)
    chains = ctx["view"]["chains"]
    for n, chain in enumerate(chains, start=1):
        steps = [s for s in chain["steps"] if s in by_id]
        cut = chain["truncated"]
        if cut and len(steps) > 2:
            steps, cut = [*steps[:-2], steps[-1]], cut + 1
        start = (
            f["problem"]
            if chain["starts_at"] == "problem"
            else by_id.get(chain["starts_at"], {}).get("statement", chain["starts_at"])
        )
        rows = [
            Row(
                (
                    cell(
                        Span(f"Why {number(cut, i, len(steps))}?", True, "title"),
                        Span(s, False, "muted"),
                    ),
                    cell(
                        Span(cause_title(by_id[s]), True, ""),
                        Span(first_sentence(by_id[s]["statement"], 240), False, "muted"),
                    ),
                    cell(by_id[s]["category_label"]),
                    cell(
                        Span(
                            label(ctx["labels"], by_id[s]["status"]),
                            by_id[s]["status"] != "verified",
                            "" if by_id[s]["status"] == "verified" else "accent",
                        )
                    ),
                ),
                note=f"Why {number(cut, i, len(steps))}? {first_sentence(by_id[s]['statement'])}",
            )
            for i, s in enumerate(steps, start=1)
        ]
        if cut and len(rows) > 1:
            # The fold shows on the slide, where the numbers jump, not only in the notes.
            rows.insert(
                len(rows) - 1,
                Row(
                    (
                        cell(Span("\u2026", True, "muted")),
                        cell(
                            Span(
                                f"\u2026 {plural(cut, 'more why', 'more whys')} \u2026",
                                True,
                                "muted",
                            ),
                            Span("The full chain is in the review.", False, "muted"),
                        ),
                        cell(""),
                        cell(""),
                    )
                ),
            )
        question = chain["title"]
        sentence = question if question.endswith(("?", ".")) else question + "."
        folded = (
            f" {plural(cut, 'intermediate why', 'intermediate whys')} left out "
            "before the root cause; the full chain is in the review."
            if cut
            else ""
        )
        more = ctx["view"]["chains_omitted"]
        rest = (
            f" {plural(more, 'more why-chain', 'more why-chains')}, to the other root causes, "
            "are in the review."
            if more and n == len(chains)
            else ""
        )
        notes = (
            f"Chain {n} of {len(chains)}: {sentence} Read it top to bottom; each line answers 'why?' of the "
            f"line above. The last line is where a corrective action belongs.{folded}{rest}"
        )
        b.table_slides(
            f"Why-chain {n}: {question}",
            [
                Column("", 1.2),
                Column("Because", 7.6),
                Column("Category", 2.0),
                Column("Evidence", 1.4),
            ],
            rows,
            notes,
            intro=Para(
                (
                    Span("Starting from: ", True, "title"),
                    Span(first_sentence(start, 300), False, "muted"),
                ),
                space_before=0,
            ),
        )


def lessons(b: DeckBuilder, ctx: Context) -> None:
    """Lessons learned."""
    items = ctx["case"]["lessons"]
    _bullets(
        b,
        "Lessons",
        items,
        f"Close on what changes for each of us. {plural(len(items), 'lesson')}.",
        "No lessons recorded for this case.",
    )


def knowledge_check(b: DeckBuilder, ctx: Context) -> None:
    """Questions on the slides; the answers, with their option letter, only in the speaker notes."""
    questions = ctx["case"]["training"]["knowledge_check"]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    blocks = []
    for n, q in enumerate(questions, start=1):
        paras = [
            Para((Span(f"{n}. ", True, "title"), Span(q["question"], True, "")), space_before=14)
        ]
        paras += [
            Para((Span(o),), bullet=letters[i % 26], space_before=3)
            for i, o in enumerate(q["options"])
        ]
        if not q["options"]:
            paras.append(
                Para(
                    (Span("Open question: discuss in pairs.", False, "muted"),),
                    hanging=True,
                    space_before=3,
                )
            )
        letter = (
            f"{letters[q['options'].index(q['answer']) % 26]}. "
            if q["answer"] in q["options"]
            else ""
        )
        answer = f"Answer {n}: {letter}{q['answer']}" + (
            f" Why: {q['explanation']}" if q["explanation"] else ""
        )
        blocks.append(Block(tuple(paras), answer))
    if not blocks:
        return
    b.text_slides(
        "Knowledge check",
        blocks,
        "Give the room a minute per question before revealing the answer below.",
    )


def pointer(ctx: Context, what: str) -> tuple[Span, ...]:
    """A caption under a slide diagram: where the full diagram is."""
    where = [
        name
        for section, name in (
            ("appendix_graph", "the appendix"),
            ("appendix_timeline", "the appendix"),
        )
        if section in ctx["audience"]["deck"]["sections"]
    ]
    brief = "the brief" if "diagrams" in ctx["audience"]["brief"]["sections"] else ""
    places = " and ".join(dict.fromkeys([*where, *([brief] if brief else [])]))
    return (Span(what, False, "muted"),) + (
        (Span(f" In full: {places}.", False, "muted"),) if places else ()
    )


def problem_line(ctx: Context) -> str:
    """The problem, short enough for a diagram's box: its first sentence."""
    return first_sentence(ctx["findings"]["problem"], 200)


def causal_summary_section(b: DeckBuilder, ctx: Context) -> None:
    """How the root causes led to the problem: a summary drawn for the slide (at most 7 boxes)."""
    roots = [r["id"] for r in root_causes(ctx)]
    if not roots:
        return
    f = ctx["findings"]
    shown = min(len(summary_nodes(f, roots)[0]), len(f["causes"]))
    caption = pointer(ctx, f"Summary: {shown} of {plural(len(f['causes']), 'cause')}.")
    w, h = b.drawing_area(caption)
    drawing = causal_summary(f, roots, ctx["labels"], problem_line(ctx), w, h)
    b.drawing_slide(
        "How the root causes led to the problem",
        drawing,
        "\n".join(
            [
                "Read left to right: each root cause, then the causes it set off, into the problem.",
                f"A summary: {shown} of the {plural(len(f['causes']), 'cause')}; dashed boxes lie outside "
                "our control. Every cause and link is in the full causal graph.",
                drawing.alt,
            ]
        ),
        caption,
    )


def event_rows(ctx: Context, events: Sequence[dict[str, Any]], *, short: bool = False) -> list[Row]:
    """The events as table rows: when, step (milestone, deviation), what happened and was expected.

    `short`: the first sentence of each text, for a deck short of slides.
    """

    def text(value: str, limit: int) -> str:
        return first_sentence(value, limit) if short else value

    rows = []
    for e in events:
        marker = (
            [Span(label(ctx["labels"], e["milestone"]), True, "title")] if e["milestone"] else []
        )
        step = cell(
            *marker,
            Span(label(ctx["labels"], e["step"]), False, "muted"),
            *([Span("Deviation", True, "accent")] if e["deviation"] else []),
        )
        what = cell(
            Span(f"{e['actor']}. " if e.get("actor") else "", True, "muted"),
            text(e["what"], 160),
            *(
                [Span("Expected: " + text(e["expected"] or "", 120), False, "accent")]
                if e["deviation"]
                else []
            ),
        )
        rows.append(Row((when_cell(e["at"]), step, what)))
    return rows


def appendix_timeline(b: DeckBuilder, ctx: Context) -> None:
    """Appendix: every event the audience may see, on the case's one clock."""
    _appendix(b, ctx)
    events = _events(ctx)
    # Where every event is when the deck folds some: the brief's event table, when it has one.
    audience = ctx["audience"]
    full = (
        "timeline" in audience["brief"]["sections"]
        and audience["detail"]["timeline"] != "milestones"
    )
    where = "in the brief's timeline" if full else "in the review"

    def fold(hidden: Sequence[int]) -> Row:
        deviations = sum(bool(events[i]["deviation"]) for i in hidden)
        return Row(
            (
                cell(""),
                cell(""),
                cell(
                    Span(
                        f"And {plural(len(hidden), 'more event', 'more events')}"
                        + (f" ({plural(deviations, 'deviation')})" if deviations else "")
                        + f", {where}.",
                        False,
                        "muted",
                    )
                ),
            )
        )

    b.appendix_table(
        AppendixTable(
            "Appendix: timeline",
            (
                Column(f"When ({zone(ctx).split(' (')[0]})", 1.6),
                Column("Step", 2.3),
                Column("What happened", 8.2),
            ),
            tuple(event_rows(ctx, events)),
            f"Every event shown to this audience, on one clock: {zone(ctx)}.",
            name="timeline",
            short=tuple(event_rows(ctx, events, short=True)),
            # Deviations stay longest, then milestones, then the other events.
            rank=tuple(0 if e["deviation"] else 1 if e["milestone"] else 2 for e in events),
            fold=fold,
            folded_title="Appendix: timeline, the main events",
        )
    )


def _state(row: dict[str, Any]) -> list[Span]:
    """Whether a request for changes is still open, or the approval that closed it."""
    if row["state"] == "open":
        return [Span("still open", True, "accent")]
    if row["state"] == "closed":
        return [Span(f"closed: approved {day(row['closed_on'])}", False, "muted")]
    return []


def appendix_review(b: DeckBuilder, ctx: Context) -> None:
    """Appendix: the audit trail, every sign-off (by role) and revision in date order."""
    _appendix(b, ctx)
    history = ctx["review_history"]
    rows = [
        Row(
            (
                cell(day(r["on"])),
                cell(Span(r["what"], True, "accent" if r["state"] == "open" else ""), *_state(r)),
                cell(r["by"] or "—"),
                cell(Span(r["note"], False, "muted") if r["note"] else "—"),
            )
        )
        for r in history["rows"]
    ]
    if not rows:
        rows = [Row((cell("—"), cell("No sign-off or revision yet"), cell("—"), cell("—")))]
    opened = f", opened {day(history['opened'])}" if history["opened"] else ""
    status = review_phrase(ctx["case"]["review"]["status"])
    draft = ctx["meta"]["draft"]
    notes = (
        f"Written by {history['authoring_team']}{opened}; {status}"
        + (f" (the record says {history['status'].replace('_', ' ')})" if draft else "")
        + ". "
        + (
            f"{plural(sum(r['kind'] == 'sign_off' for r in history['rows']), 'sign-off')} and "
            f"{plural(sum(r['kind'] == 'revision' for r in history['rows']), 'revision')}, by date"
            if history["rows"]
            else "No sign-off or revision yet"
        )
        + "; sign-offs name roles, never people. A request for changes stays open until the "
        "same role approves later."
        + (f" DRAFT, not approved: {'; '.join(draft)}." if draft else "")
    )

    b.appendix_table(
        AppendixTable(
            "Appendix: review history and sign-offs",
            (
                Column("On", 1.5),
                Column("Sign-off or revision", 3.0),
                Column("By", 2.4),
                Column("Note", 5.2),
            ),
            tuple(rows),
            notes,
            complete=True,  # the audit trail: every entry, in full
        )
    )


def went_well(b: DeckBuilder, ctx: Context) -> None:
    """What went well and where we were lucky, side by side; left out when the review records neither."""
    well, lucky = ctx["case"]["went_well"], ctx["case"]["lucky"]
    if not well and not lucky:
        return

    def items(texts: Sequence[str], empty: str) -> list[Block]:
        if not texts:
            return [block(para(empty, tag="muted"))]
        return [block(para(t, bullet=BULLET, space_before=8)) for t in texts]

    b.two_column_slides(
        "What went well, and where we were lucky",
        ("What went well: keep it", items(well, "The review records nothing here.")),
        ("Where we were lucky: not a control", items(lucky, "The review records nothing here.")),
        "What worked is worth keeping on purpose. Where chance limited the harm, a control is missing: "
        "luck will not be there next time.",
    )


def objectives(b: DeckBuilder, ctx: Context) -> None:
    """What the session teaches: learning objectives derived from the case, before the story."""
    case = ctx["case"]
    process = sentence_case(label(ctx["labels"], ctx["primary"]["process_type"]))
    points = case["training"]["points"]
    policy_of = {p["step"]: p["policy"] for p in points if p["step"] and p["policy"]}
    steps = list(dict.fromkeys(e["step"] for e in case["timeline"] if e["deviation"]))
    goals: list[str] = []
    if case["training"]["red_flags"]:
        goals.append(
            f"Recognise the warning signs of a {process} like this one "
            f"({plural(len(case['training']['red_flags']), 'red flag')} to remember)."
        )
    for step in steps[:3]:
        policy = policy_of.get(step)
        goals.append(
            f"Carry out the {sentence_case(label(ctx['labels'], step))} step as the procedure expects"
            + (f", and say which policy requires it ({policy})." if policy else ".")
        )
    roots = root_causes(ctx)
    if roots:
        goals.append(
            f"Explain how {plural(len(roots), 'root cause')} in our systems, not one person's slip, "
            "led to the problem, and what each fix changes."
        )
    questions = case["training"]["knowledge_check"]
    if questions:
        goals.append(
            f"Check yourself on the {plural(len(questions), 'knowledge-check question')} at the end."
        )
    if not goals:
        return
    b.text_slides(
        "What you will be able to do after this session",
        [block(para(g, bullet=str(n), space_before=10)) for n, g in enumerate(goals, start=1)],
        "State the objectives before the story: they tell the room what to watch for. "
        "Come back to them at the end, with the knowledge check.",
    )


def _policy_for(ctx: Context, step: str) -> str:
    policies = {p["id"]: p for p in ctx["case"]["policies"]}
    found = [
        p["policy"] for p in ctx["case"]["training"]["points"] if p["step"] == step and p["policy"]
    ]
    if not found:
        return ""
    ref = policies.get(found[0])
    return f"{found[0]}" + (f" {ref['title']}" if ref else "")


SECTIONS: dict[str, Section] = {
    "title": title,
    "objectives": objectives,
    "bottom_line": bottom_line,
    "impact": impact,
    "timeline": timeline,
    "root_causes": root_causes_section,
    "causal_summary": causal_summary_section,
    "fishbone": fishbone,
    "actions": actions_section,
    "decisions": decisions_section,
    "went_well": went_well,
    "appendix_graph": appendix_graph,
    "appendix_timeline": appendix_timeline,
    "appendix_metrics": appendix_metrics,
    "appendix_review": appendix_review,
    "scenario": scenario,
    "walkthrough": walkthrough,
    "procedure": procedure,
    "red_flags": red_flags,
    "why_chains": why_chains,
    "lessons": lessons,
    "knowledge_check": knowledge_check,
}
