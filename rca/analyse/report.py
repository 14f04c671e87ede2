"""The terminal report of `rca analyze`: findings as plain, readable text.

Styling is the caller's: `style(text, role)` may colour a piece of text by its
role ("heading", "error", "warning", "info", "ok", "breach", "dim"); the
default leaves it plain, so the report reads the same in a pipe or a file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rca.analyse.findings import Chain, Findings, Severity
from rca.analyse.metrics import format_duration

Style = Callable[[str, str], str]


def _plain(text: str, role: str) -> str:
    return text


def chain_text(chain: Chain) -> str:
    """`problem <- C1 <- C2 <- C4`: the 5-whys ladder, read from the problem down."""
    return " <- ".join([chain.starts_at, *chain.steps])


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def case_report(findings: Findings, style: Style = _plain) -> list[str]:
    """The report of one case, as lines."""
    f = findings
    h: Callable[[str], str] = lambda text: style(text, "heading")  # noqa: E731
    lines = [
        h(f"{f.case_id}  {f.title}") + style(f"  [{f.review_status}]", "dim"),
        f"Problem: {f.problem}",
        "",
    ]
    causes = {c.id: c for c in f.causes}
    derived = {c.steps[-1]: c for c in f.chains if not c.declared and c.steps}
    lines.append(h(f"Root causes ({len(f.root_causes)}, ranked)"))
    if not f.root_causes:
        lines.append("  none found")
    total_paths = sum(r.paths for r in f.root_causes)
    for n, root in enumerate(f.root_causes, 1):
        cause = causes[root.id]
        actions = ", ".join(root.actions) or style("none", "warning")
        lines += [
            f"  {n}. {root.id}  {cause.category_label}, {cause.status}",
            f"     {cause.statement}",
            f"     {root.paths} of {total_paths} path(s) to the problem "
            f"({_percent(root.path_share)}); feeds {_percent(root.effect_share)} of the graph; "
            f"actions: {actions}",
        ]
        if root.id in derived:
            lines.append(style(f"     why: {chain_text(derived[root.id])}", "dim"))
    for label, ids in (
        ("Contributing", f.contributing),
        ("Conditions", f.conditions),
        ("External", f.external),
        ("Unconnected", f.unconnected),
    ):
        if ids:
            lines.append(f"{label}: {', '.join(ids)}")
    declared = [c for c in f.chains if c.declared]
    if declared:
        lines += ["", h("Why-chains")]
        for chain in declared:
            question = f"  {chain.question}" if chain.question else ""
            lines += [f"  {chain.id}{question}", f"      {chain_text(chain)}"]
    lines += ["", h("Action coverage")]
    covered = [r for r, actions in f.action_coverage.items() if actions]
    uncovered = [r for r, actions in f.action_coverage.items() if not actions]
    coverage = f"  {len(covered)} of {len(f.action_coverage)} root cause(s) have an action"
    if uncovered:
        coverage += "; " + style(f"no action for {', '.join(uncovered)}", "warning")
    lines.append(coverage)
    labels = {c.category: c.category_label for c in f.causes}
    used = [f"{labels.get(k, k)} {n}" for k, n in f.categories.items() if n]
    lines += ["", h("Categories") + f": {', '.join(used) or 'none'}", "", h("Clocks")]
    several = len(f.requests) > 1
    for clock in f.clocks:
        if clock.breached is None:
            if clock.elapsed_seconds is None:
                verdict = ""
            elif clock.target_seconds is None:
                verdict = style("no target", "dim")
            else:
                verdict = style("cannot tell to the day", "dim")
        else:
            verdict = style("BREACHED", "breach") if clock.breached else style("ok", "ok")
        if clock.precision == "day" and clock.elapsed_seconds is not None:
            verdict += " (to the day)"
        target = format_duration(clock.target_seconds)
        who = f"{clock.request:<4}" if several else ""
        lines.append(
            f"  {who}{clock.metric:<9} {format_duration(clock.elapsed_seconds):>8}   "
            f"target {target:>6}   {verdict}".rstrip()
        )
    if f.deadlines:
        lines.append(h("Deadlines"))
        for deadline in f.deadlines:
            due = deadline.due[:10] if deadline.precision == "day" else deadline.due
            tone = "breach" if deadline.status == "missed" else "dim"
            lines.append(
                f"  {deadline.request:<4}{deadline.kind:<21} {due}   {style(deadline.status, tone)}"
            )
    deviations = [f"{step} {n}" for step, n in f.deviations_by_step.items() if n]
    lines.append(h("Deviations") + f": {', '.join(deviations) or 'none'}")
    lines += ["", h("Lint") + f": {lint_summary(f)}"]
    for finding in f.lint:
        lines.append("  " + style(str(finding), finding.severity))
    return lines


def lint_summary(findings: Findings) -> str:
    """`1 error, 2 warnings, 1 accepted` (or `no findings`)."""
    parts = []
    kinds: tuple[tuple[Severity, str], ...] = (
        ("error", "error"),
        ("warning", "warning"),
        ("info", "accepted"),
    )
    for severity, word in kinds:
        n = findings.count(severity)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 and word != 'accepted' else ''}")
    return ", ".join(parts) or "no findings"


def text_report(cases: Sequence[Findings], style: Style = _plain) -> str:
    """The whole report: each case, then a total line when there are several."""
    blocks = ["\n".join(case_report(f, style)) for f in cases]
    text = "\n\n".join(blocks)
    if len(cases) > 1:
        errors = sum(f.count("error") for f in cases)
        warnings = sum(f.count("warning") for f in cases)
        text += f"\n\n{len(cases)} case(s) analysed: {errors} error(s), {warnings} warning(s)"
    return text + "\n"
