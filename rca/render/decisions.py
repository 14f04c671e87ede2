"""Decisions needed by leadership: worked out once per case and audience, read by every renderer.

The deck's "Decisions needed" slide, the brief's decisions section and both
bottom lines read `context["decisions"]`, so they cannot disagree. The list
starts with what the record asks for explicitly (its `decisions:` block) and
goes on with what follows from it: regulatory reportability still open or
positive, overdue actions (judged on the analysis date, `meta.today`), root
causes nobody acts on, open actions without owner or date, planned system
changes to approve and resource, ranked root causes still unverified, and a
review not yet signed off.

Input and output are plain data derived from the audience's redacted context;
nothing here imports a renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from rca.model import OPEN_ACTION_STATUSES
from rca.render.formatting import day, label, sentence_case, sentences
from rca.render.names import cause_title

Decision = dict[str, Any]  # kind, subject, ask, detail, why, refs, decider, by

# Controls that change a system (and so need building and money), strongest first.
SYSTEM_CHANGE = {
    "eliminate": "elimination of the hazard",
    "forcing_function": "forcing function",
    "automate": "automation",
    "standardise": "standardisation",
    "alert": "alert",
}
UNSIGNED = ("draft", "in_review")


def decisions(context: dict[str, Any]) -> list[Decision]:
    """What leadership is asked to decide, explicit asks first, then the rest most pressing first."""
    case, findings = context["case"], context["findings"]
    today = date.fromisoformat(context["meta"]["today"])
    labels: dict[str, str] = context["labels"]
    causes = {c["id"]: c for c in findings["causes"]}
    acts = case["actions"]
    late = set(overdue_actions(acts, today))
    out = [_asked(a, today) for a in case["decisions"]]

    reportable = case["impact"]["regulatory_reportable"]
    if reportable is None:
        out.append(
            _decision(
                "regulatory",
                "",
                "Decide whether the incident must be reported to a regulator",
                "The review has not yet determined regulatory reportability.",
                "Reportability is open in the record; counsel's view is needed before any notification "
                "deadline runs.",
            )
        )
    elif reportable:
        out.append(
            _decision(
                "regulatory",
                "",
                "Confirm the regulatory notification and who sends it",
                "The case is reportable to a regulator.",
                "The record marks the case as regulatory reportable.",
            )
        )

    for a in acts:
        if a["id"] in late:
            out.append(
                _decision(
                    "overdue",
                    a["id"],
                    f"Unblock or re-plan the overdue action “{a['title']}”",
                    f"Owner {a['owner'] or 'not assigned'}; due {day(a['due'])}; still "
                    f"{sentence_case(label(labels, a['status']))} on {day(today)}.",
                    f"The action ({a['id']}) is past its due date and still open.",
                    [a["id"]],
                )
            )

    for root in findings["root_causes"]:
        cause = causes.get(root["id"])
        if cause is not None and not root["actions"] and cause["within_control"]:
            out.append(
                _decision(
                    "uncovered",
                    cause["id"],
                    f"Decide how to address “{cause_title(cause)}”, or accept the risk",
                    gist(cause["statement"], 80),
                    f"This root cause ({cause['id']}) has no corrective action yet.",
                    [cause["id"]],
                )
            )

    for a in acts:
        missing = [w for w, v in (("an owner", a["owner"]), ("a due date", a["due"])) if not v]
        if a["status"] in OPEN_ACTION_STATUSES and missing:
            out.append(
                _decision(
                    "unassigned",
                    a["id"],
                    f"Assign {' and '.join(missing)} to the action “{a['title']}”",
                    f"{label(labels, a['mechanism'])}; {sentence_case(label(labels, a['status']))}.",
                    f"The action ({a['id']}) has no {' or '.join(m.split(' ', 1)[1] for m in missing)}; "
                    "nobody is accountable for it yet.",
                    [a["id"]],
                )
            )

    for a in acts:
        # An action without owner or date is asked for above; this one is ready to fund.
        if a["status"] == "planned" and a["mechanism"] in SYSTEM_CHANGE and a["owner"] and a["due"]:
            out.append(
                _decision(
                    "resource",
                    a["id"],
                    f"Approve and resource the action “{a['title']}”",
                    f"A planned {SYSTEM_CHANGE[a['mechanism']]}, not started; owner {a['owner']}, "
                    f"due {day(a['due'])}.",
                    f"The action ({a['id']}) changes a system and has not started; it needs funding or staff.",
                    [a["id"]],
                )
            )

    for root in findings["root_causes"]:
        cause = causes.get(root["id"])
        if cause is not None and cause["status"] != "verified":
            standing = "a hypothesis" if cause["status"] == "hypothesis" else "unconfirmed"
            out.append(
                _decision(
                    "verify",
                    cause["id"],
                    f"Commission verification of “{cause_title(cause)}”, or accept it unverified",
                    gist(cause["statement"], 80),
                    f"This root cause ({cause['id']}) is still {standing}; acting on it unverified risks "
                    "fixing the wrong thing.",
                    [cause["id"]],
                )
            )

    review = case["review"]
    if review["status"] in UNSIGNED:
        requested = [review["sign_offs"][i] for i in review["open_change_requests"]]
        out.append(
            _decision(
                "sign_off",
                "",
                "Sign off the review",
                f"The review is still {'a draft' if review['status'] == 'draft' else 'in review'}"
                + (
                    "; changes requested by "
                    + ", ".join(f"{s['role']} ({day(s['on'])})" for s in requested)
                    if requested
                    else ""
                )
                + ".",
                "Until the review is approved its findings and actions may still change.",
            )
        )
    defaults = context["audience"].get("decisions") or {}
    return [_owned(d, defaults, today) for d in out]


MAX_DECISIONS = 6  # asked of leadership at once; a large record's rest are counted
PER_KIND = 2  # of one kind (e.g. root causes without an action) when there are more
OMITTED_KINDS = {  # kind -> (one, many) for "and N more ..."
    "asked": ("further ask in the review", "further asks in the review"),
    "overdue": ("overdue action to unblock", "overdue actions to unblock"),
    "uncovered": (
        "root cause with no corrective action",
        "root causes with no corrective action",
    ),
    "unassigned": (
        "action without an owner or a due date",
        "actions without an owner or a due date",
    ),
    "resource": ("action to approve and resource", "actions to approve and resource"),
    "verify": ("root cause to verify", "root causes to verify"),
}


def top_decisions(every: list[Decision]) -> tuple[list[Decision], list[dict[str, Any]]]:
    """At most MAX_DECISIONS, in order, and what is left out: [{kind, count, what}].

    Up to MAX_DECISIONS all are asked; beyond, at most PER_KIND of each kind
    (the first, most pressing ones), and the review's sign-off always stays.
    """
    if len(every) <= MAX_DECISIONS:
        return every, []
    seen: dict[str, int] = {}
    kept: list[Decision] = []
    for d in every:
        seen[d["kind"]] = seen.get(d["kind"], 0) + 1
        if seen[d["kind"]] <= PER_KIND:
            kept.append(d)
    if len(kept) > MAX_DECISIONS:
        last = [d for d in kept if d["kind"] == "sign_off"]
        kept = [d for d in kept if d["kind"] != "sign_off"][: MAX_DECISIONS - len(last)] + last
    ids = {id(d) for d in kept}
    left: dict[str, int] = {}
    for d in every:
        if id(d) not in ids:
            left[d["kind"]] = left.get(d["kind"], 0) + 1
    omitted = [
        {"kind": k, "count": n, "what": OMITTED_KINDS.get(k, ("decision", "decisions"))[n != 1]}
        for k, n in left.items()
    ]
    return kept, omitted


def omitted_phrase(omitted: Sequence[dict[str, Any]]) -> str:
    """'12 root causes with no corrective action and 3 actions to approve and resource'."""
    parts = [f"{o['count']} {o['what']}" for o in omitted]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _owned(decision: Decision, defaults: dict[str, Any], today: date) -> Decision:
    """The decision with who decides and by when: its own, else the audience profile's default."""
    spec = (defaults.get("kinds") or {}).get(decision["kind"]) or {}
    decider = decision["decider"] or spec.get("decider") or defaults.get("decider") or "Head of LER"
    if decision["by"]:
        by = date.fromisoformat(decision["by"])
    else:
        days = spec.get("within_days")
        days = defaults.get("within_days", 14) if days is None else days
        by = today + timedelta(days=days)
    return {
        **decision,
        "decider": decider,
        "by": by.isoformat(),
    }


_SUMMARY = {
    "overdue": "unblock or re-plan the {n} overdue actions",
    "uncovered": "decide how to address the {n} root causes with no action",
    "unassigned": "assign owners and dates to {n} actions",
    "resource": "approve and resource the {n} planned system changes",
    "verify": "commission verification of the {n} unverified root causes",
}


def decisions_summary(asks: Sequence[Decision]) -> str:
    """The decisions in one sentence, in words: explicit asks first, the rest grouped by kind."""
    parts = [sentence_case(d["ask"]) for d in asks if d["kind"] in ("asked", "regulatory")]
    for kind, many in _SUMMARY.items():
        found = [d for d in asks if d["kind"] == kind]
        if len(found) == 1:
            parts.append(sentence_case(found[0]["ask"]))
        elif found:
            parts.append(many.format(n=len(found)))
    if any(d["kind"] == "sign_off" for d in asks):
        parts.append("sign off the review")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "." if text else ""


def overdue_actions(actions: Sequence[dict[str, Any]], today: date) -> list[str]:
    """Ids of open actions whose due date is before `today`, in record order."""
    return [
        a["id"]
        for a in actions
        if a["status"] in OPEN_ACTION_STATUSES and a["due"] and date.fromisoformat(a["due"]) < today
    ]


def gist(text: str, min_chars: int = 60) -> str:
    """The opening sentences of a text, enough to reach `min_chars`: for at-a-glance views."""
    out = ""
    for sentence in sentences(text):
        out = f"{out} {sentence}".strip()
        if len(out) >= min_chars:
            break
    return out


def _asked(ask: dict[str, Any], today: date) -> Decision:
    decider, by = ask["decider"], ask["by"]
    who = f"the {decider}" if decider else "leadership"
    why = f"The review asks {who} to decide" + (f" by {day(by)}" if by else "") + "."
    if by and date.fromisoformat(by) < today:
        why += " That date has passed."
    decision = _decision("asked", "", ask["ask"].rstrip("."), ask["detail"] or "", why)
    return {**decision, "decider": decider, "by": by}


def _decision(
    kind: str, subject: str, ask: str, detail: str, why: str, refs: list[str] | None = None
) -> Decision:
    return {
        "kind": kind,
        "subject": subject,
        "ask": ask,
        "detail": detail,
        "why": why,
        "refs": refs or [],
        "decider": None,
        "by": None,
    }
