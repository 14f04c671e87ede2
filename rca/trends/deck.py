"""The leadership trends deck, built on the case decks' master and `DeckBuilder`.

Each slide is a function of (builder, context); `SLIDES` lists them in order.
Titles state the finding; every slide has talking points in its notes and
every chart its alt text. Same context and charts in, same bytes out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rca.render.pptx import (
    MEDIA_TYPE,
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
from rca.render.registry import Diagram, RenderInput
from rca.render.textfit import Span
from rca.trends.words import plural

Context = dict[str, Any]
Slide = Callable[[DeckBuilder, Context], None]
BULLET = "•"


class TrendsDeckRenderer:
    """The leadership trends deck (rca.render.registry's `Renderer` protocol)."""

    extension = "pptx"
    media_type = MEDIA_TYPE
    raster_diagrams = True

    def render(self, data: RenderInput) -> bytes:
        """The .pptx bytes."""
        return trends_deck(data.context, data.diagrams)


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
    lines = [f"{meta['range']} · by {meta['period']}", " and ".join(sources)]
    if qa is not None and qa["stale"]:
        lines.append(f"QA data ends {qa['stale']['last']}, {qa['stale']['gap']} before this report")
    b.title_slide(
        "Quality trends: case reviews and QA assessments",
        [*lines, f"As of {meta['as_of_text']} · {meta['classification']}"],
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
        tiles.append(Tile(str(flagged), "Checks outside their usual range",
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
            para(h["short"], bullet=marks[h["tone"]], tag="accent" if h["tone"] == "alert" else "")
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
        title_text = f"{chart['label']} {run['text']}"
        item = qa["item_flagged"]
        period = ctx["meta"]["period"]
        notes = [
            chart["finding"],
            f"Each point is one {period}'s share of assessed items that passed this check "
            f"(data column {chart['metric']}).",
            f"The centre line ({chart['centre']}) is the level of the first {chart['baseline']} "
            f"{period}s. Between the dashed lines is the usual range: inside it, {period}-to-"
            f"{period} movement is noise.",
            f"For those who want the statistic: {chart['statistics']}.",
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
    notes = "\n".join([
        "One panel per check, all on one scale: each point is a period's accuracy, the bar its "
        "95% confidence interval (Wilson). Orange panels and points are the ones flagged.",
        *(c["finding"] for c in qa["charts"]),
    ])  # fmt: skip
    heading = qa["overview"]  # the chart's own finding: the title names every flagged panel
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
        words = weak[0]["words"] if len(weak) == 1 else "agree too little"
        heading = (
            f"Reviewers {words} on {names}: {'its' if len(weak) == 1 else 'their'} trend "
            "can\u2019t be trusted yet"
        )
    else:
        heading = "Reviewers agree on every check: the trends can be trusted"
    notes = "\n".join([
        "Calibration: several reviewers scored the same items. The bar says how far they agree "
        "beyond what chance alone would give; at the dashed line a check's trend can be trusted.",
        "Raw agreement alone flatters: when most items pass, two reviewers agree by chance "
        "most of the time.",
        *(f"{a['label']}: reviewers {a['words']} (alpha {a['alpha']}, Fleiss {a['fleiss']}, "
          f"Cohen {a['cohen']}); same answer {a['raw']} of the time where chance gives "
          f"{a['chance']}; {a['verdict']}." for a in qa["agreement"]),
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
    heading = (
        f"\u201c{first['label']}\u201d was found in {first['cases']} of {cases['count']} cases"
    )
    held = (
        "none: no completed action saw its cause come back."
        if not cases["ineffective"]
        else "; ".join(f"{i['action']} ({i['owner']})" for i in cases["ineffective"])
    )
    if len(rows) > 3:  # enough rows for a table to be the clearest view
        b.table_slides(
            heading,
            [Column("Cause code", 3), Column("Category", 2), Column("Cases", 0.8),
             Column("Which", 2.2), Column("First to last", 2.4)],
            rows, "\n".join(notes), intro=lead("Actions that did not hold:", held),
        )  # fmt: skip
        return
    # One to three codes: sentences read better than a near-empty table.
    blocks = [
        block(lead(f"\u201c{r['label']}\u201d:", f"{r['category']}; {r['cases']} cases "
                   f"({r['case_ids']}), {r['first']} to {r['last']}.", bullet=BULLET))
        for r in cases["recurrence"]
    ]  # fmt: skip
    blocks += [
        block(para(f"The other {plural(cases['codes_once'], 'cause code')} appear in one case "
                   "each.", bullet=BULLET)),
        block(lead("Actions that did not hold:", held)),
        block(para("A cause found in more than one case points at the system, not at one case "
                   "or one person.", tag="muted")),
    ]  # fmt: skip
    b.text_slides(heading, blocks, "\n".join(notes))


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
    heading = cases["clocks_finding"]
    notes = "\n".join([
        "Each bar counts the cases measured on a clock: those that ran past the service level "
        "for their process type, and those within it. Counts, not rates: six cases make a rate "
        "jump by 17 points a case.",
        *(f"{c['label']}: median {c['median']}, 90th percentile {c['p90']}, {c['breached']} of "
          f"{c['with_target']} missed" for c in cases["clocks"]),
        "By process type (missed of measured): " + "; ".join(
            f"{r['label']}: " + ", ".join(f"{n.lower()} {c['breach'] or c['median']}"
                                          for n, c in zip(cases["clock_names"], r["cells"], strict=True) if c["breach"])
            for r in cases["clocks_by_process"] if not r["total"]),
    ])  # fmt: skip
    b.picture_slide(heading, b.diagrams["clock-breaches"], notes)


def asks(b: DeckBuilder, ctx: Context) -> None:
    """What the data asks of leadership."""
    items = ctx["asks"]
    blocks = [
        block(
            lead(f"{i}. {a['title']}:", f"{a['decider']}, by {a['by_text']}."),
            para(a["text"], tag="muted", space_before=2),
        )
        for i, a in enumerate(items, start=1)
    ] or [block(para("Nothing in this range calls for a decision."))]
    notes = "\n".join(["Decisions and follow-ups the trends call for, each with who decides and by "
                       "when (defaults from the leadership audience profile).",
                       *(f"{a['title']} ({a['decider']}, by {a['by_text']}): {a['text']}"
                         for a in items)])  # fmt: skip
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
    notes = f"How the figures were made, for questions. Sources: {ctx['meta']['generated']}."
    b.text_slides("Method and data", blocks, notes)


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
