"""The leadership trends deck, built on the case decks' master and `DeckBuilder`.

Each slide is a function of (builder, context); `SLIDES` lists them in order.
Titles state the finding; every slide has talking points in its notes and
every chart its alt text. Same context and charts in, same bytes out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rca.render.pptx import (
    Column,
    DeckBuilder,
    Row,
    Tile,
    block,
    cell,
    lead,
    open_master,
    para,
    save,
)
from rca.render.registry import Diagram
from rca.render.textfit import Span
from rca.trends.words import plural

Context = dict[str, Any]
Slide = Callable[[DeckBuilder, Context], None]
BULLET = "•"


def trends_deck(context: Context, charts: dict[str, Diagram]) -> bytes:
    """The .pptx bytes of the trends deck."""
    builder = DeckBuilder(open_master(), context, charts)
    for slide in SLIDES:
        slide(builder, context)
    return save(builder)


def title(b: DeckBuilder, ctx: Context) -> None:
    """The opening slide."""
    meta, qa, cases = ctx["meta"], ctx["qa"], ctx["cases"]
    sources = [plural(cases["count"], "case review")]
    if qa is not None:
        sources.append(f"{qa['items']:,} QA assessments")
    b.title_slide(
        "Quality trends: case reviews and QA assessments",
        [
            f"{meta['range']} · by {meta['period']}",
            " and ".join(sources),
            f"As of {meta['as_of_text']} · {meta['classification']}",
        ],
        "\n".join([
            "Purpose: what the quality data says across reviews, where it changed, and what "
            "needs a decision.",
            f"Sources: {meta['generated']}.",
            "Every figure is an aggregate: counts, rates, cause codes and categories. No case "
            "narrative or personal data appears in this deck.",
            f"Handling: {meta['classification']}.",
        ]),
    )  # fmt: skip


def bottom_line(b: DeckBuilder, ctx: Context) -> None:
    """Headline figures and the findings, most urgent first."""
    qa, cases = ctx["qa"], ctx["cases"]
    tiles = []
    if qa is not None:
        flagged = len(qa["flagged"])
        tiles.append(Tile(f"{qa['items']:,}", "QA items assessed"))
        tiles.append(Tile(qa["item_accuracy"], "Items with no failed check"))
        tiles.append(Tile(str(flagged), "Checks flagged on their control chart",
                          "accent" if flagged else "title"))  # fmt: skip
        if qa["calibrated"]:
            tiles.append(Tile(str(len(qa["untrusted"])), "Checks reviewers disagree on",
                              "accent" if qa["untrusted"] else "title"))  # fmt: skip
    acts = cases["actions"]
    if acts:
        tiles.append(Tile(f"{acts['open']} / {acts['overdue']}", "Actions open / overdue",
                          "accent" if acts["overdue"] else "title"))  # fmt: skip
    marks = {"alert": "▲", "ok": "✓", "info": BULLET}
    blocks = [
        block(
            para(h["text"], bullet=marks[h["tone"]], tag="accent" if h["tone"] == "alert" else "")
        )
        for h in ctx["headlines"]
    ]
    notes = "\n".join([
        "The bottom line, most urgent first. ▲ needs attention, ✓ is stable.",
        *(h["text"] for h in ctx["headlines"]),
    ])  # fmt: skip
    b.text_slides("Bottom line", blocks or [block(para("No findings in this range."))], notes,
                  tiles=tiles)  # fmt: skip


def control_charts(b: DeckBuilder, ctx: Context) -> None:
    """One slide per flagged check: its control chart, titled with the finding."""
    qa = ctx["qa"]
    if qa is None:
        return
    shown = qa["flagged"] or ([qa["item_flagged"]] if qa["item_flagged"] else [])
    for chart in shown:
        name = f"pchart-{chart['metric']}"
        if not b.has_diagram(name):
            continue
        run = chart["runs"][0]
        title_text = f"{chart['label']} {run['text'].split(' (')[0]}"
        item = qa["item_flagged"]
        notes = [
            chart["finding"],
            f"Data column: {chart['metric']}. Each point is one {ctx['meta']['period']}'s share of "
            "assessed items that passed this check.",
            f"The centre line ({chart['centre']}) is the baseline: the first {chart['baseline']} "
            f"{ctx['meta']['period']}s. The dashed limits are 3 sigma for each period's number of "
            "items; inside them, month-to-month movement is noise.",
            *(f"Flagged {r['span']}: {r['rules_long']}." for r in chart["runs"]),
        ]
        if item is not None and chart["metric"] != item["metric"]:
            notes.append(
                f"Whole-item accuracy is flagged too ({item['flag_text']}): this check drives it."
            )
        if chart["untrusted"]:
            notes.append("Caution: reviewers disagree on this check (see calibration).")
        notes.append("Ask: what changed at the start of the flagged period?")
        b.picture_slide(title_text, b.diagrams[name], "\n".join(notes))


def accuracy_overview(b: DeckBuilder, ctx: Context) -> None:
    """Every check's accuracy by period with confidence intervals."""
    qa = ctx["qa"]
    if qa is None or not b.has_diagram("accuracy-by-period"):
        return
    moved = [c["label"] for c in qa["flagged"]]
    heading = (
        f"Every check, {ctx['meta']['period']} by {ctx['meta']['period']}: only "
        f"{moved[0].lower()} moved"
        if len(moved) == 1
        else f"Every check, {ctx['meta']['period']} by {ctx['meta']['period']}"
    )
    notes = "\n".join([
        "One panel per check: each point is a period's accuracy, the bar its 95% confidence "
        "interval (Wilson). Orange points are periods a control-chart rule flagged.",
        *(c["finding"] for c in qa["charts"]),
    ])  # fmt: skip
    b.picture_slide(heading, b.diagrams["accuracy-by-period"], notes)


def error_types(b: DeckBuilder, ctx: Context) -> None:
    """The QA error-type Pareto."""
    qa = ctx["qa"]
    if qa is None or not qa["top_error"] or not b.has_diagram("pareto-error-types"):
        return
    top = qa["top_error"]
    notes = "\n".join([
        f"Errors found in QA, by type, most frequent first; the line is the running share of all "
        f"{qa['errors_total']:,} errors.",
        *(f"{e['label']}: {e['count']} ({e['share']} of errors; {e['rate']} of items)" for e in qa["errors"]),
    ])  # fmt: skip
    b.picture_slide(f"{top['label']} is the most frequent error type: {top['share']} of errors",
                    b.diagrams["pareto-error-types"], notes)  # fmt: skip


def calibration(b: DeckBuilder, ctx: Context) -> None:
    """Reviewer agreement per check, and which trends cannot be trusted."""
    qa = ctx["qa"]
    if qa is None or not qa["calibrated"] or not b.has_diagram("agreement"):
        return
    weak = [a for a in qa["agreement"] if a["trusted"] is False]
    if weak:
        names = " and ".join(a["label"].lower() for a in weak)
        heading = f"Reviewers disagree on {names}: {'its' if len(weak) == 1 else 'their'} trend can\u2019t be trusted yet"
    else:
        heading = "Reviewers agree on every check: the trends can be trusted"
    notes = "\n".join([
        f"Calibration: several reviewers scored the same items. A check's trend is trusted when "
        f"Krippendorff's alpha is at least {qa['threshold']}.",
        "Raw agreement alone flatters: when most items pass, two reviewers agree by chance "
        "most of the time. Alpha and kappa correct for that.",
        *(f"{a['label']}: alpha {a['alpha']}, Fleiss {a['fleiss']}, Cohen {a['cohen']}, raw "
          f"agreement {a['raw']}, fail in {a['fail_share']} of ratings: {a['verdict']}."
          for a in qa["agreement"]),
    ])  # fmt: skip
    b.picture_slide(heading, b.diagrams["agreement"], notes)


def root_causes(b: DeckBuilder, ctx: Context) -> None:
    """Where the causes across cases sit (fishbone categories)."""
    cases = ctx["cases"]
    if not cases["categories"] or not b.has_diagram("pareto-categories"):
        return
    top = cases["categories"][0]
    total = sum(r["causes"] for r in cases["categories"])
    word = cases["cause_word"]
    notes = "\n".join([
        f"{word.capitalize()}s across {plural(cases['count'], 'case review')}, by fishbone category.",
        *(f"{r['label']}: {r['causes']} in {plural(r['cases'], 'case')}" for r in cases["categories"]),
        "A category that holds most causes is where the system needs work, not one person.",
    ])  # fmt: skip
    b.picture_slide(f"{top['label']} holds {top['causes']} of {total} {word}s",
                    b.diagrams["pareto-categories"], notes)  # fmt: skip


def recurrence(b: DeckBuilder, ctx: Context) -> None:
    """Cause codes that came back, and actions that did not hold."""
    cases = ctx["cases"]
    rows = [
        Row((cell(Span(r["label"], True, "")), cell(r["category"]), cell(str(r["cases"])),
             cell(r["case_ids"]), cell(f"{r['first']} to {r['last']}")))
        for r in cases["recurrence"]
    ]  # fmt: skip
    notes = [
        "A cause code that appears in more than one case points at the system, not the case.",
        f"{cases['codes_once']} of {cases['codes_total']} cause codes appear in one case only.",
    ]
    if cases["ineffective"]:
        notes += [f"Ineffective: {i['action']} ({i['owner']}), completed {i['completed']}; "
                  f"“{i['code']}” recurred in {i['recurred_in']}." for i in cases["ineffective"]]  # fmt: skip
    else:
        notes.append("No completed action has seen its cause come back in a later case.")
    if not rows:
        b.text_slides("No cause code recurred across cases",
                      [block(para("Every cause code appears in one case only."))], "\n".join(notes))  # fmt: skip
        return
    first = cases["recurrence"][0]
    heading = f"“{first['label']}” recurred in {first['cases']} cases"
    intro = lead("Ineffective actions:", "none: no completed action saw its cause come back." if not
                 cases["ineffective"] else "; ".join(f"{i['action']} ({i['owner']})" for i in cases["ineffective"]))  # fmt: skip
    b.table_slides(
        heading,
        [Column("Cause code", 3), Column("Category", 2), Column("Cases", 0.8),
         Column("Which", 2.2), Column("First to last", 2.4)],
        rows, "\n".join(notes), intro=intro,
    )  # fmt: skip


def actions(b: DeckBuilder, ctx: Context) -> None:
    """The corrective-action portfolio by owner."""
    acts = ctx["cases"]["actions"]
    if not acts or not b.has_diagram("action-portfolio"):
        return
    heading = (
        f"{acts['open']} actions open, {acts['overdue']} overdue; {acts['awaiting']} await "
        "verification"
    )
    notes = "\n".join([
        f"{acts['total']} corrective actions across the reviews, by owner and state.",
        "Done is not the same as effective: an action counts as verified only once its success "
        "criterion was checked.",
        *(f"{p['owner']}: {p['actions']} ({p['open']} open, {p['overdue']} overdue, "
          f"{p['awaiting']} awaiting verification, {p['verified']} verified)"
          for p in ctx["cases"]["portfolio"] if not p["total"]),
    ])  # fmt: skip
    b.picture_slide(heading, b.diagrams["action-portfolio"], notes)


def clocks(b: DeckBuilder, ctx: Context) -> None:
    """Service-level breaches by clock and process type."""
    cases = ctx["cases"]
    if not cases["clocks"] or not b.has_diagram("clock-breaches"):
        return
    breached = [c for c in cases["clocks"] if c["breached"]]
    if breached:
        worst = max(breached, key=lambda c: c["breached"] / max(c["with_target"], 1))
        heading = f"{worst['label']} breached its target in {worst['breached']} of {worst['with_target']} cases"
    else:
        heading = "No clock breached its service level"
    notes = "\n".join([
        "Each bar is the share of cases whose clock ran past the service level for its process "
        "type; the label is breached of measured.",
        *(f"{c['label']}: median {c['median']}, 90th percentile {c['p90']}, {c['breached']} of "
          f"{c['with_target']} breached" for c in cases["clocks"]),
    ])  # fmt: skip
    b.picture_slide(heading, b.diagrams["clock-breaches"], notes)


def asks(b: DeckBuilder, ctx: Context) -> None:
    """What the data asks of leadership."""
    items = ctx["asks"]
    blocks = [
        block(lead(f"{i}. {a['title']}.", a["text"])) for i, a in enumerate(items, start=1)
    ] or [block(para("Nothing in this range calls for a decision."))]
    notes = "\n".join(["Decisions and follow-ups the trends call for.",
                       *(f"{a['title']}: {a['text']}" for a in items)])  # fmt: skip
    b.text_slides("Decisions and follow-ups", blocks, notes)


def appendix(b: DeckBuilder, ctx: Context) -> None:
    """The appendix divider."""
    b.section_slide("Appendix", ["Accuracy per check", "Method and data"],
                    "Reference material: the figures behind the charts and how they were made.")  # fmt: skip


def accuracy_table(b: DeckBuilder, ctx: Context) -> None:
    """Accuracy per check with its interval, flags and reviewer agreement."""
    qa = ctx["qa"]
    if qa is None:
        return
    rows = [
        Row((cell(Span(a["label"], True, "")), cell(a["n"]), cell(a["accuracy"]), cell(a["ci"]),
             cell(Span(a["flagged"] or "none", False, "accent" if a["flagged"] else "muted")),
             cell(Span(a["trust"], False, "accent" if a["untrusted"] else ""))))
        for a in qa["accuracy"]
    ]  # fmt: skip
    b.table_slides(
        f"Accuracy per check, {qa['range']}",
        [Column("Check", 2.6), Column("Items", 1), Column("Accuracy", 1.1),
         Column("95% interval", 1.8), Column("Flagged periods", 3.2), Column("Agreement", 1.6)],
        rows,
        "Accuracy over the whole range with its 95% Wilson interval, the periods a control-chart "
        "rule flagged, and the reviewers' agreement on the check (Krippendorff's alpha).",
    )  # fmt: skip


def method(b: DeckBuilder, ctx: Context) -> None:
    """How the figures were made."""
    blocks = [block(para(line, bullet=BULLET)) for line in ctx["method"]]
    blocks.append(block(para(f"Sources: {ctx['meta']['generated']}.", tag="muted")))
    b.text_slides("Method and data", blocks, "How the figures were made, for questions.")


SLIDES: tuple[Slide, ...] = (
    title,
    bottom_line,
    control_charts,
    accuracy_overview,
    error_types,
    calibration,
    root_causes,
    recurrence,
    actions,
    clocks,
    asks,
    appendix,
    accuracy_table,
    method,
)
