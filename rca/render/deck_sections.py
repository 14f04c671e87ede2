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
from rca.render.decisions import decisions_summary
from rca.render.formatting import day, label, plural, sentence_case, utc_offset
from rca.render.pptx import Block, Column, DeckBuilder, Para, Row, Tile, block, cell, lead, para
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
    """`2026-03-14T21:38:00-07:00` -> `14 Mar 2026, 21:38 UTC-7`: the offset matters in this domain."""
    return ", ".join(when_parts(iso))


def when_parts(iso: str) -> tuple[str, str]:
    """(`14 Mar 2026`, `21:38 UTC-7`), written with a minus sign (U+2212): viewers break after a hyphen."""
    at = datetime.fromisoformat(iso)
    return day(at), f"{at:%H:%M} {utc_offset(at)}"


def when_cell(iso: str) -> tuple[Para, ...]:
    """A table cell with the date over the time."""
    day_text, time_text = when_parts(iso)
    return cell(day_text, Span(time_text, False, "muted"))


def duration(seconds: float | None) -> str:
    """Seconds -> `45m`, `9h 30m`, `2d 4h`: the same form the diagrams and briefs print."""
    return "not measured" if seconds is None else format_duration(seconds)


def first_sentence(text: str, limit: int = 220) -> str:
    """The first sentence of a text, for talking points."""
    end = text.find(". ")
    sentence = text if end < 0 else text[: end + 1]
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
    b.title_slide(
        meta["title"],
        [
            f"{audience['title']} · {meta['case_id']} · version {meta['version']}",
            f"{label(ctx['labels'], esc['severity'])} severity · {label(ctx['labels'], esc['process_type'])} · "
            f"review {sentence_case(label(ctx['labels'], case['review']['status']))}",
            f"As of {day(meta['as_of'])} · {meta['classification']}",
        ],
        "\n".join(
            [
                f"Purpose: {audience['description']}",
                f"Case {meta['case_id']}, version {meta['version']}: {meta['title']}.",
                f"Severity {sentence_case(label(ctx['labels'], esc['severity']))}; the review is "
                f"{sentence_case(label(ctx['labels'], case['review']['status']))}.",
                f"Handling: {meta['classification']}. Do not forward outside the intended audience.",
                f"Source: {meta['generated']}.",
            ]
        ),
    )


def fishbone(b: DeckBuilder, ctx: Context) -> None:
    """The causes by category, as the fishbone diagram (or as lists when no diagram is given)."""
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
            "Causes spread over several categories mean no single fix will do.",
        ]
    )
    if b.has_diagram("fishbone"):
        b.picture_slide("Causes by category (fishbone)", b.diagrams["fishbone"], notes)
        return
    by_id = causes(ctx)
    blocks = [
        block(
            para(label(ctx["labels"], cat), bold=True, tag="title"),
            *(
                para(by_id[c]["statement"], bullet=BULLET, space_before=3)
                for c in ids
                if c in by_id
            ),
        )
        for cat, ids in ctx["findings"]["fishbone"].items()
        if ids
    ]
    b.text_slides("Causes by category", blocks or [block(para("No causes recorded yet."))], notes)


# --------------------------------------------------------------------------- leadership


def bottom_line(b: DeckBuilder, ctx: Context) -> None:
    """What happened, the impact, where things stand and what is asked: up front."""
    case, findings = ctx["case"], ctx["findings"]
    impact, esc = case["impact"], case["escalation"]
    acts = actions(ctx)
    done = sum(a["status"] in COMPLETE for a in acts)
    verified = sum(a["status"] == "verified" for a in acts)
    late = overdue(ctx)
    asks = ctx["decisions"]
    exposed = labels(ctx, impact["categories_exposed"], "no data categories", lower=True)
    impact_text = (
        f"{plural(impact['accounts_affected'], 'account')} affected; {exposed} exposed; "
        f"life safety: {sentence_case(label(ctx['labels'], impact['life_safety']))}; {reportable_text(impact['regulatory_reportable'])}."
    )
    resolved = milestone_time(ctx, "resolved")
    status = (
        f"Review {sentence_case(label(ctx['labels'], case['review']['status']))}. "
        + (f"Incident resolved {when(resolved)}. " if resolved else "Incident not yet resolved. ")
        + (
            f"Corrective actions: {done} of {len(acts)} complete ({verified} verified)"
            + (f", {len(late)} overdue." if late else ".")
            if acts
            else "No corrective actions yet."
        )
    )
    ask_text = decisions_summary(asks)
    blocks = [
        block(lead("What happened:", findings["problem"])),
        block(lead("Impact:", impact_text)),
        block(lead("Status:", status)),
        block(
            lead(
                "Asked of leadership:",
                ask_text if asks else "No decision is needed today; for information.",
            )
        ),
    ]
    roots = root_causes(ctx)
    notes = "\n".join(
        [
            f"Open with the bottom line: {first_sentence(esc['summary'])}",
            f"Severity {sentence_case(label(ctx['labels'], esc['severity']))}, detected by {sentence_case(label(ctx['labels'], esc['detected_by']))}.",
            *([f"The main root cause: {first_sentence(roots[0]['statement'])}"] if roots else []),
            f"Ask: {asks[0]['ask']}."
            if asks
            else "No decision is needed; this is for information.",
        ]
    )
    b.text_slides("Bottom line up front", blocks, notes)


def impact(b: DeckBuilder, ctx: Context) -> None:
    """Impact and legal risk, with the headline figures as tiles."""
    case = ctx["case"]
    imp, esc = case["impact"], case["escalation"]
    missed = breached(ctx)
    reportable = imp["regulatory_reportable"]
    tiles = [
        Tile(
            str(imp["accounts_affected"]),
            "accounts affected",
            "accent" if imp["accounts_affected"] else "title",
        ),
        Tile(
            label(ctx["labels"], esc["severity"]),
            "severity",
            "accent" if esc["severity"] in ("serious", "reportable") else "title",
        ),
        Tile(
            label(ctx["labels"], imp["life_safety"]),
            "life-safety risk",
            "title" if imp["life_safety"] == "none" else "accent",
        ),
        Tile(
            "Open" if reportable is None else "Yes" if reportable else "No",
            "regulatory reportable",
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
    """The case's milestones and deviations at a glance (as much as the audience's detail allows)."""
    rows = []
    for e in _events(ctx):
        marker = (
            [Span(label(ctx["labels"], e["milestone"]), True, "title")] if e["milestone"] else []
        )
        step = cell(
            *marker,
            Span(label(ctx["labels"], e["step"]), False, "muted"),
            *([Span("Deviation", True, "accent")] if e["deviation"] else []),
        )
        rows.append(
            Row(
                (when_cell(e["at"]), step, cell(e["what"])),
                note=(
                    f"{when(e['at'])} — deviation at {sentence_case(label(ctx['labels'], e['step']))}: expected {e['expected']}"
                    if e["deviation"]
                    else None
                ),
            )
        )
    timing = [
        f"{label(ctx['labels'], c['metric'])}: {duration(c['elapsed_seconds'])}"
        + (
            f" against {duration(c['target_seconds'])}"
            + (" (missed)" if c["breached"] else " (met)")
            if c["target_seconds"]
            else ""
        )
        for c in clocks(ctx)
    ]
    notes = "\n".join(
        [
            "Walk the timeline top to bottom: when the request came in, where it went wrong, when we found out.",
            *(["Clocks: " + "; ".join(timing) + "."] if timing else []),
            f"{plural(sum(e['deviation'] for e in ctx['case']['timeline']), 'step')} deviated from procedure.",
        ]
    )
    b.table_slides(
        "Timeline at a glance",
        [Column("When", 1.6), Column("Step", 2.3), Column("What happened", 8.2)],
        rows,
        notes,
    )


def root_causes_section(b: DeckBuilder, ctx: Context) -> None:
    """The ranked root causes in plain language, with status and the actions that answer them."""
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
    rows = []
    for n, c in enumerate(roots, start=1):
        acts = c["actions"]
        rows.append(
            Row(
                (
                    cell(Span(str(n), True, "title")),
                    cell(c["statement"]),
                    cell(c["category_label"]),
                    cell(
                        Span(
                            label(ctx["labels"], c["status"]),
                            c["status"] != "verified",
                            "" if c["status"] == "verified" else "accent",
                        )
                    ),
                    cell(
                        Span(", ".join(acts), False, "")
                        if acts
                        else Span("None yet", True, "accent")
                    ),
                ),
                note=f"Root cause {n} ({c['id']}): {first_sentence(c['statement'])} "
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
            Column("#", 0.45),
            Column("Root cause", 7.0),
            Column("Category", 1.9),
            Column("Evidence", 1.3),
            Column("Actions", 1.45),
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
    rows = []
    for a in actions(ctx):
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
        rows.append(
            Row(
                (
                    cell(
                        Para(
                            (Span(f"{a['id']}  ", True, "title"), Span(a["title"])), space_before=0
                        ),
                        Span(
                            f"{label(ctx['labels'], a['type'])} · {label(ctx['labels'], a['mechanism'])} · addresses "
                            f"{', '.join(a['addresses'])}",
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
                    f"{a['id']}: success means {first_sentence(a['success_criterion'], 300)}"
                    if a["success_criterion"]
                    else f"{a['id']}: no success criterion recorded yet."
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
    if not rows:
        b.text_slides(
            "Corrective actions", [block(para("No corrective action has been agreed yet."))], notes
        )
        return
    b.table_slides(
        "Corrective actions",
        [Column("Action", 7.2), Column("Owner", 2.1), Column("Due", 1.45), Column("Status", 1.35)],
        rows,
        notes,
    )


def decisions_section(b: DeckBuilder, ctx: Context) -> None:
    """The decisions asked of leadership, each with the reason it is asked."""
    asks = ctx["decisions"]
    if not asks:
        b.text_slides(
            "Decisions needed",
            [block(para("No decision is needed today; this review is for information."))],
            "Nothing in the record needs a leadership decision: every root cause has an owned, "
            "dated action and nothing is overdue.",
        )
        return
    blocks = [
        block(
            Para(
                (Span(d["ask"], True, "title"),),
                bullet=str(n) if n < 10 else BULLET,
                space_before=10,
            ),
            Para((Span(d["detail"], False, "muted"),), hanging=True, space_before=2),
            note=f"{n}. {d['why']}",
        )
        for n, d in enumerate(asks, start=1)
    ]
    b.text_slides(
        "Decisions needed",
        blocks,
        f"{plural(len(asks), 'decision')} asked of leadership, most pressing first.",
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


_APPENDIX = {
    "appendix_graph": "the full causal graph",
    "appendix_metrics": "the case's clocks and figures",
}


def _appendix(b: DeckBuilder, ctx: Context) -> None:
    """The divider before the first appendix section, naming what the appendix holds."""
    if b.state.get("appendix"):
        return
    b.state["appendix"] = True
    held = [_APPENDIX[s] for s in ctx["audience"]["deck"]["sections"] if s in _APPENDIX]
    subtitle = (
        (", ".join(held[:-1]) + " and " + held[-1] if len(held) > 1 else held[0]) if held else ""
    )
    b.section_slide(
        "Appendix",
        [subtitle[:1].upper() + subtitle[1:]] if subtitle else [],
        "Reference material for questions; not presented unless asked.",
    )


def appendix_graph(b: DeckBuilder, ctx: Context) -> None:
    """Appendix: the full causal graph."""
    _appendix(b, ctx)
    f = ctx["findings"]
    notes = (
        f"The full causal graph: {plural(len(f['causes']), 'cause')}, {len(f['root_causes'])} root, "
        f"{len(f['contributing'])} contributing, {len(f['conditions'])} condition(s), "
        f"{len(f['external'])} outside our control. Arrows run from cause to effect; actions point at "
        "the causes they address."
    )
    if b.has_diagram("causal_graph"):
        b.picture_slide("Appendix: causal graph", b.diagrams["causal_graph"], notes)
        return
    by_id = causes(ctx)
    rows = [
        Row(
            (
                cell(Span(c["id"], True, "title")),
                cell(c["statement"]),
                cell(label(ctx["labels"], c["role"])),
                cell(", ".join(x for x in c["effects"]) or "—"),
            )
        )
        for c in by_id.values()
    ]
    b.table_slides(
        "Appendix: causal graph",
        [
            Column("Cause", 0.9),
            Column("Statement", 7.6),
            Column("Role", 1.6),
            Column("Leads to", 2.0),
        ],
        rows,
        notes,
    )


def appendix_metrics(b: DeckBuilder, ctx: Context) -> None:
    """Appendix: the case's clocks and analysis figures."""
    _appendix(b, ctx)
    f = ctx["findings"]
    rows = []
    for c in f["clocks"]:
        if c["elapsed_seconds"] is None:
            continue
        result = (
            (Span("Missed", True, "accent") if c["breached"] else Span("Met", False, ""))
            if c["target_seconds"]
            else Span("No target", False, "muted")
        )
        rows.append(
            Row(
                (
                    cell(f"Time to {sentence_case(label(ctx['labels'], c['metric']))}"),
                    cell(duration(c["elapsed_seconds"])),
                    cell(duration(c["target_seconds"]) if c["target_seconds"] else "—"),
                    cell(result),
                )
            )
        )
    deviations = {k: v for k, v in f["deviations_by_step"].items() if v}
    for step, n in deviations.items():
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
    b.table_slides(
        "Appendix: metrics",
        [
            Column("Measure", 4.2),
            Column("Value", 2.4),
            Column("Target", 2.0),
            Column("Result", 3.5),
        ],
        rows,
        notes,
    )


# --------------------------------------------------------------------------- specialist


def scenario(b: DeckBuilder, ctx: Context) -> None:
    """The request as it arrived, and what went wrong."""
    esc = ctx["case"]["escalation"]
    req, data = esc["requester"], esc["data"]
    facts = [
        lead(
            "Process:",
            ", ".join(
                [
                    label(ctx["labels"], esc["process_type"]),
                    *(label(ctx["labels"], p) for p in esc["additional_process_types"]),
                ]
            ),
        ),
        lead("Triaged as:", label(ctx["labels"], esc["triage_class"])),
        lead("Requester:", f"{label(ctx['labels'], req['agency_type'])}, {req['jurisdiction']}"),
        lead(
            "Addressed to:",
            req["addressed_to"] + ("" if req["correct_entity"] else " (the wrong legal entity)"),
            tag="" if req["correct_entity"] else "accent",
        ),
        lead("Asked for:", labels(ctx, data["requested"])),
        lead("Process allowed:", labels(ctx, data["authorised"], "nothing verified")),
        lead(
            "Produced:",
            labels(ctx, data["produced"], "nothing"),
            tag="accent" if set(data["produced"]) - set(data["authorised"]) else "",
        ),
    ]
    story = [block(para(esc["summary"]))]
    notes = "\n".join(
        [
            "Set the scene as the specialist saw it at the time, without hindsight.",
            f"The problem this review explains: {ctx['findings']['problem']}",
            f"A {sentence_case(label(ctx['labels'], esc['process_type']))} from {sentence_case(label(ctx['labels'], req['agency_type']))}, "
            f"triaged {sentence_case(label(ctx['labels'], esc['triage_class']))}.",
            "Ask the room: what would you check first, and what would make you stop?",
        ]
    )
    b.two_column_slides(
        "The scenario", ("The request", [block(p) for p in facts]), ("What happened", story), notes
    )


def walkthrough(b: DeckBuilder, ctx: Context) -> None:
    """The case step by step through the workflow, with each deviation and what was expected."""
    if b.legible("timeline"):  # a long case's timeline is too tall to read on a slide
        d = b.diagrams["timeline"]
        b.picture_slide(
            "The case on the workflow",
            d,
            "The timeline on the workflow steps; deviations are marked. " + d.alt,
        )
    rows = []
    for e in _events(ctx):
        step = cell(
            Span(label(ctx["labels"], e["step"]), True, "title"),
            Span(e["actor"], False, "muted"),
            *([Span("Deviation", True, "accent")] if e["deviation"] else []),
        )
        expected = cell(e["expected"]) if e["deviation"] else cell(Span("—", False, "muted"))
        rows.append(
            Row(
                (when_cell(e["at"]), step, cell(e["what"]), expected),
                note=(
                    f"Pause at {sentence_case(label(ctx['labels'], e['step']))}: ask what made this look right at the time. "
                    f"Expected: {first_sentence(e['expected'], 300)}"
                    if e["deviation"]
                    else None
                ),
            )
        )
    deviations = {k: v for k, v in ctx["findings"]["deviations_by_step"].items() if v}
    notes = "\n".join(
        [
            "Go through the case step by step in workflow order; stop at each deviation.",
            "Deviations at: "
            + (
                ", ".join(
                    f"{sentence_case(label(ctx['labels'], k))} ({v})" for k, v in deviations.items()
                )
                or "none"
            )
            + ".",
        ]
    )
    b.table_slides(
        "Step by step through the workflow",
        [
            Column("When", 1.45),
            Column("Step", 1.9),
            Column("What happened", 4.9),
            Column("What the procedure expects", 3.85),
        ],
        rows,
        notes,
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


def number(chain: dict[str, Any], i: int, shown: int) -> int:
    """The why number of the i-th shown step; the root keeps its number after a cut."""
    return i + chain["truncated"] if i == shown and chain["truncated"] else i


def why_chains(b: DeckBuilder, ctx: Context) -> None:
    """Each why-chain as a ladder from the problem down to its root (to the audience's depth)."""
    f = ctx["findings"]
    by_id = causes(ctx)
    if b.legible("why_chains"):
        d = b.diagrams["why_chains"]
        b.picture_slide(
            "Why-chains",
            d,
            "All why-chains together, from the problem to the root causes. " + d.alt,
        )
    chains = ctx["view"]["chains"]
    for n, chain in enumerate(chains, start=1):
        steps = [s for s in chain["steps"] if s in by_id]
        start = (
            f["problem"]
            if chain["starts_at"] == "problem"
            else by_id.get(chain["starts_at"], {}).get("statement", chain["starts_at"])
        )
        rows = [
            Row(
                (
                    cell(Span(f"Why {number(chain, i, len(steps))}?", True, "title")),
                    cell(by_id[s]["statement"]),
                    cell(by_id[s]["category_label"]),
                    cell(
                        Span(
                            label(ctx["labels"], by_id[s]["status"]),
                            by_id[s]["status"] != "verified",
                            "" if by_id[s]["status"] == "verified" else "accent",
                        )
                    ),
                ),
                note=f"Why {number(chain, i, len(steps))}? {first_sentence(by_id[s]['statement'])}",
            )
            for i, s in enumerate(steps, start=1)
        ]
        question = chain["title"]
        sentence = question if question.endswith(("?", ".")) else question + "."
        cut = (
            f" {plural(chain['truncated'], 'intermediate why', 'intermediate whys')} left out "
            "before the root cause; the full chain is in the review."
            if chain["truncated"]
            else ""
        )
        notes = (
            f"Chain {n} of {len(chains)}: {sentence} Read it top to bottom; each line answers 'why?' of the "
            f"line above. The last line is where a corrective action belongs.{cut}"
        )
        b.table_slides(
            f"Why-chain {n}: {question}",
            [
                Column("", 1.0),
                Column("Because", 7.6),
                Column("Category", 2.1),
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
    """Questions on the slides; the answers only in the speaker notes."""
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
        answer = f"Answer {n}: {q['answer']}" + (
            f" Why: {q['explanation']}" if q["explanation"] else ""
        )
        blocks.append(Block(tuple(paras), answer))
    if not blocks:
        blocks = [block(para("No knowledge-check questions recorded for this case.", tag="muted"))]
    b.text_slides(
        "Knowledge check",
        blocks,
        "Give the room a minute per question before revealing the answer below.",
    )


SECTIONS: dict[str, Section] = {
    "title": title,
    "bottom_line": bottom_line,
    "impact": impact,
    "timeline": timeline,
    "root_causes": root_causes_section,
    "fishbone": fishbone,
    "actions": actions_section,
    "decisions": decisions_section,
    "appendix_graph": appendix_graph,
    "appendix_metrics": appendix_metrics,
    "scenario": scenario,
    "walkthrough": walkthrough,
    "procedure": procedure,
    "red_flags": red_flags,
    "why_chains": why_chains,
    "lessons": lessons,
    "knowledge_check": knowledge_check,
}
