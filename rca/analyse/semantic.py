"""Semantic RCA rules: what the words of an analysis say, beyond its structure.

Token similarity (rapidfuzz) finds a cause written twice and a root cause that
only restates the problem; the evidence kinds show a verified cause resting
only on interviews; an action's title is read against the mechanisms it
claims; a success criterion against what can be counted; causes outside the
organisation's control against what acts on them and what they name.
Registered in the same registry as the structural rules (rca.analyse.lint).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rapidfuzz import fuzz

from rca.analyse.lint import Context, Hit, rule
from rca.model import ActionMechanism, ActionStatus, CauseStatus, EvidenceKind

# Statements this alike (rapidfuzz token similarity of their words without stop
# words, 0-100) say the same thing: on the bundled cases, related causes in one
# chain score 40-75 and a reworded duplicate 90+; a root cause scores 40-56
# against its problem statement, one that restates it 85+.
DUPLICATE = 88
RESTATES = 82
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "at",
        "by",
        "with",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "as",
        "from",
        "or",
        "not",
        "no",
    ]
)


def _words(text: str) -> str:
    return " ".join(w for w in _WORD.findall(text.casefold()) if w not in _STOP)


def _alike(a: str, b: str) -> float:
    """How alike two statements are, word order aside (0-100)."""
    return float(fuzz.token_sort_ratio(_words(a), _words(b)))


def _within(a: str, b: str) -> float:
    """How far the shorter statement is contained in the longer one (0-100)."""
    return float(fuzz.token_set_ratio(_words(a), _words(b)))


@rule("RCA801", "duplicate-cause", "warning", "two causes say the same thing")
def _duplicate(ctx: Context) -> Iterator[Hit]:
    causes = ctx.record.causes
    for j in range(1, len(causes)):
        for i in range(j):
            if causes[i].id == causes[j].id:
                continue  # a duplicate id, reported elsewhere
            score = _alike(causes[i].statement, causes[j].statement)
            if score >= DUPLICATE:
                yield Hit(
                    ("causes", j, "statement"),
                    f"cause {causes[j].id} says what {causes[i].id} says ({score:.0f}% alike); "
                    "merge them into one cause, or state what makes them different",
                    causes[j].id,
                )
                break


@rule("RCA802", "root-restates-problem", "warning", "a root cause restates the problem")
def _restates(ctx: Context) -> Iterator[Hit]:
    problem = ctx.record.problem.statement
    for cause_id, role in ctx.graph.roles.items():
        if role != "root":
            continue
        cause = ctx.graph.cause(cause_id)
        score = _within(cause.statement, problem)
        if score >= RESTATES:
            yield Hit(
                ("causes", ctx.graph.cause_index[cause_id], "statement"),
                f"root cause {cause_id} restates the problem ({score:.0f}% alike); a root cause "
                "says why the problem could happen: ask why again",
                cause_id,
            )


@rule(
    "RCA803",
    "evidence-not-independent",
    "warning",
    "a verified cause rests only on interviews",
)
def _independent(ctx: Context) -> Iterator[Hit]:
    kinds = {e.id: e for e in ctx.record.evidence}
    for i, cause in enumerate(ctx.record.causes):
        cited = [kinds[e] for e in cause.evidence if e in kinds]
        if cause.status is not CauseStatus.VERIFIED or not cited:
            continue
        if all(e.kind is EvidenceKind.INTERVIEW for e in cited):
            yield Hit(
                ("causes", i, "evidence"),
                f"cause {cause.id} is verified on interviews alone "
                f"({', '.join(e.id for e in cited)}): an account of what people did, often by "
                "the people the cause describes; cite a record, log, document or configuration "
                "that corroborates it, or mark it a hypothesis",
                cause.id,
            )


# Words that make an action a training or reminder, whatever it is typed as.
_TRAINING_TITLE = re.compile(
    r"\b(re-?train\w*|train\w*|coach\w*|remind\w*|refresher|awareness|brief(ing)? the|"
    r"communicate|educat\w*|tell (the )?(team|staff|specialists))\b",
    re.IGNORECASE,
)
_STRONG = frozenset(
    {ActionMechanism.ELIMINATE, ActionMechanism.FORCING_FUNCTION, ActionMechanism.AUTOMATE}
)
# What a system change is described with.
_SYSTEM_TITLE = re.compile(
    r"\b(block\w*|refus\w*|automat\w*|build\w*|require[sd]? .* before|tool\w*|system\w*|"
    r"field|form|portal|remov\w*|disabl\w*|enforc\w*|prevent\w*|default)\b",
    re.IGNORECASE,
)


@rule(
    "RCA804",
    "mechanism-mismatch",
    "warning",
    "an action's title reads as training but it is typed as a stronger control",
)
def _mismatch(ctx: Context) -> Iterator[Hit]:
    for i, action in enumerate(ctx.record.actions):
        if action.status is ActionStatus.CANCELLED:
            continue
        strong = [m for m in action.mechanisms if m in _STRONG]
        found = _TRAINING_TITLE.search(action.title)
        if strong and found and not _SYSTEM_TITLE.search(action.title):
            yield Hit(
                ("actions", i, "mechanisms"),
                f"action {action.id} is typed {', '.join(m.value for m in strong)} but its "
                f"title reads as training ('{found.group(0)}'); type it training, or describe "
                "the system change that makes the error impossible",
                action.id,
            )


# An absolute over people ("all specialists") without a count, a rate or a check.
_NUMBER = re.compile(
    r"\d|%|\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|twelve|hundred|"
    r"thousand|half|twice|percent|per cent|rate|ratio|median|average)\b",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(among|across|by|for|to) (all|every|each) (the )?(specialists?|staff|team( members)?|"
    r"reviewers?|agents?|employees|people|members)\b|\b(awareness|understanding|familiarity|"
    r"knowledge|confidence)\b",
    re.IGNORECASE,
)


@rule("RCA805", "vague-measure", "warning", "a success criterion measures people, not results")
def _vague(ctx: Context) -> Iterator[Hit]:
    for i, action in enumerate(ctx.record.actions):
        criterion = action.success_criterion
        if action.status is ActionStatus.CANCELLED or criterion is None:
            continue
        found = _VAGUE.search(criterion)
        if found and not _NUMBER.search(criterion):
            yield Hit(
                ("actions", i, "success_criterion"),
                f"the success criterion of action {action.id} rests on '{found.group(0)}': "
                "it says who, not what result can be counted; name the number, rate or check "
                "that shows the error no longer happens, and by when",
                action.id,
            )


@rule(
    "RCA806",
    "action-on-external-cause",
    "warning",
    "an action addresses a cause outside the organisation's control",
)
def _external(ctx: Context) -> Iterator[Hit]:
    for i, action in enumerate(ctx.record.actions):
        if action.status is ActionStatus.CANCELLED:
            continue
        for k, ref in enumerate(action.addresses):
            index = ctx.graph.cause_index.get(ref)
            if index is None:
                continue
            cause = ctx.record.causes[index]
            if not cause.within_control:
                inside = [
                    e
                    for e in ctx.graph.effects(ref)
                    if e in ctx.graph.cause_index and ctx.graph.cause(e).within_control
                ]
                hint = f" (e.g. {inside[0]}, which it leads to)" if inside else ""
                yield Hit(
                    ("actions", i, "addresses", k),
                    f"action {action.id} addresses {ref}, which is outside the organisation's "
                    f"control; aim it at what the organisation can change{hint}",
                    action.id,
                )


# Words by which a statement names the organisation's own people, tools or rules.
_OURS = re.compile(
    r"\b(our|we|LER|case (management )?system|intake (tool|automation|queue)|checklist|"
    r"runbook|procedure|policy|LER-\w+|specialists?|shift lead|second review\w*)\b",
    re.IGNORECASE,
)


@rule(
    "RCA807",
    "condition-marked-external",
    "warning",
    "a cause marked outside the organisation's control names its own people, tools or rules",
)
def _confused(ctx: Context) -> Iterator[Hit]:
    for i, cause in enumerate(ctx.record.causes):
        if cause.within_control:
            continue
        found = _OURS.search(cause.statement)
        if found:
            yield Hit(
                ("causes", i, "within_control"),
                f"{cause.id} is marked outside the organisation's control but names "
                f"'{found.group(0)}'; what the organisation runs is within its control: mark "
                "it within_control (kind condition if it is a standing state), and keep "
                "within_control: false for the world outside",
                cause.id,
            )
