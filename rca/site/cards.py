"""One case as the site shows it: a card of plain data, from the audience's render context.

The card is all the site's own pages read of a case (the index row, the case
page, the actions page, the similarity features), so a site rebuild never
reloads or re-analyses a record whose bytes did not change: cards are cached
by the record's key. Every string in a card comes from the redacted render
context, and a card passes the case's own leak guard before it is used.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rca.artifact import Artifact
from rca.audience import Profile
from rca.load import LoadedRecord
from rca.model import OPEN_ACTION_STATUSES
from rca.similar import features

if TYPE_CHECKING:
    from rca.analyse.findings import Findings

CARD_VERSION = 2  # 2: the requests, each with its process types


def case_card(
    loaded: LoadedRecord, profile: Profile, *, today: date, findings: Findings | None = None
) -> dict[str, Any]:
    """The card of one case for one audience; raises LeakError if it would leak.

    `findings`: the record's analysis as of `today`, when the caller has it.
    """
    from rca.analyse import analyse
    from rca.privacy.guard import check_artifacts
    from rca.render.context import build_context

    found = findings if findings is not None else analyse(loaded, today=today)
    context = build_context(loaded, found, profile, today=today)
    card = card_from_context(context)
    data = json.dumps(card, ensure_ascii=False, sort_keys=True).encode("utf-8")
    check_artifacts(loaded, {profile.id: profile}, [Artifact("site-card.json", data, profile.id)])
    return card


def card_from_context(context: dict[str, Any]) -> dict[str, Any]:
    """The card's plain data, read from a render context only."""
    from rca.render.diagrams import causal_graph, fishbone, timeline, why_chains

    case, findings, meta, labels = (
        context["case"],
        context["findings"],
        context["meta"],
        context["labels"],
    )
    escalation, review = case["escalation"], case["review"]
    overdue = set(context["view"]["overdue"])
    roots = [
        {
            "id": r["id"],
            "statement": r["statement"],
            "category": r["category"],
            "code": next((c.get("code") for c in case["causes"] if c["id"] == r["id"]), None),
        }
        for r in context["view"]["roots"]
    ]
    actions = [
        {
            "id": a["id"],
            "title": a["title"],
            "owner": a["owner"],
            "due": a["due"],
            "status": a["status"],
            "open": a["status"] in OPEN_ACTION_STATUSES,
            "overdue": a["id"] in overdue,
            "completed_on": a["completed_on"],
            "success_criterion": a["success_criterion"],
            "verify_by": a["verify_by"],
            "verification_result": a["verification_result"],
        }
        for a in case["actions"]
    ]
    process_types = list(  # every request's, the primary one first
        dict.fromkeys(
            t for r in case["requests"] for t in (r["process_type"], *r["additional_process_types"])
        )
    )
    requests = [
        {
            "id": r["id"],
            "title": r["title"],
            "process_types": list(
                dict.fromkeys([r["process_type"], *r["additional_process_types"]])
            ),
        }
        for r in case["requests"]
    ]
    root_categories = list(dict.fromkeys(r["category"] for r in roots))
    diagrams = [spec(context) for spec in (fishbone, causal_graph, why_chains, timeline)]
    used = {
        *process_types,
        *root_categories,
        escalation["severity"],
        escalation["detected_by"],
        review["status"],
        *(a["status"] for a in actions),
        *(s["decision"] for s in review["sign_offs"]),
    }
    return {
        "version": CARD_VERSION,
        "case_id": meta["case_id"],
        "title": meta["title"],
        "record_version": meta["version"],
        "as_of": meta["as_of"],
        "classification": meta["classification"],
        "status": review["status"],
        "severity": escalation["severity"],
        "process_types": process_types,
        "requests": requests,
        "detected_by": escalation["detected_by"],
        "detected": detected_on(case["timeline"]),
        "problem": findings["problem"],
        "summary": escalation["summary"],
        "root_causes": roots,
        "root_categories": root_categories,
        "actions": actions,
        "open": sum(1 for a in actions if a["open"]),
        "overdue": sum(1 for a in actions if a["overdue"]),
        "review": {
            "authoring_team": review["authoring_team"],
            "opened": review["opened"],
            "sign_offs": review["sign_offs"],
            "revisions": review["revisions"],
        },
        "related": list(escalation["related_cases"]),
        "diagrams": [{"name": d.name, "title": d.title, "alt": d.alt} for d in diagrams],
        "labels": {code: labels[code] for code in sorted(used) if code in labels},
        "features": features(context).as_dict(),
    }


def detected_on(events: list[dict[str, Any]]) -> str | None:
    """The day the error was detected (its milestone, as the record wrote it), if recorded."""
    for event in events:
        if event["milestone"] == "detected":
            return datetime.fromisoformat(event["at"]).date().isoformat()
    return None
