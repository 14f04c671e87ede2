"""What a brief shows, derived from the render context: lookups and layout helpers.

Templates stay declarative: everything that needs a loop with state or a date
comparison is worked out here, once, from the audience's context (already
redacted), and handed to the templates as `brief`. The selections the
profile's detail limits allow (`context["view"]`) and the decisions needed
(`context["decisions"]`) come from the context, the same ones the deck reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rca.analyse.metrics import format_duration
from rca.model import OPEN_ACTION_STATUSES, SlaMetric
from rca.render.decisions import decisions_summary
from rca.render.decisions import gist as gist  # re-exported: the brief templates' filter

CLOSED = ("done", "verified")
_METRICS = [m.value for m in SlaMetric]  # detect, escalate, respond, resolve


def brief_view(context: dict[str, Any]) -> dict[str, Any]:
    """The derived data a brief's templates read, as plain dicts and lists."""
    case, findings, view = context["case"], context["findings"], context["view"]
    causes = {c["id"]: c for c in findings["causes"]}
    late = set(view["overdue"])
    actions = [{**a, "overdue": a["id"] in late} for a in case["actions"]]
    shown = {a["id"] for a in view["actions"]}
    # A clock with neither a target nor a measurement says nothing; leave it out.
    clocks = [
        _clock(c)
        for c in findings["clocks"]
        if c["target_seconds"] is not None or c["elapsed_seconds"] is not None
    ]
    return {
        "causes": causes,
        "actions": [a for a in actions if a["id"] in shown],  # the most pressing (view)
        "actions_omitted": view["actions_omitted"],
        "actions_by_id": {a["id"]: a for a in actions},
        "policies": {p["id"]: p for p in case["policies"]},
        "external": [causes[c] for c in findings["external"] if c in causes],
        "timeline": timeline(view["timeline"], case["timeline"]),
        "deviations": sum(1 for e in case["timeline"] if e["deviation"]),
        "deviation_steps": deviation_steps(case["timeline"]),
        "clocks": clocks,
        "breached": [c for c in clocks if c["breached"]],
        "targets": [c for c in clocks if c["target_seconds"] is not None],
        "ask": decisions_summary(context["decisions"]),
        "procedure": procedure(case),
        "scope": scope(context["primary"]["data"]),
        # The metrics any request measured, in clock order: the columns of a table
        # with a row per request, each row's cells aligned to them (None: not measured).
        "clock_metrics": (
            metrics := [m for m in _METRICS if any(c["metric"] == m for c in clocks)]
        ),
        "requests": [
            {
                **r,
                "scope": scope(r["data"]),
                "clocks": [c for c in clocks if c["request"] == r["id"]],
                "clock_cells": [
                    next((c for c in clocks if c["request"] == r["id"] and c["metric"] == m), None)
                    for m in metrics
                ],
            }
            for r in context["requests"]
        ],
        "progress": {
            "closed": sum(1 for a in actions if a["status"] in CLOSED),
            "open": sum(1 for a in actions if a["status"] in OPEN_ACTION_STATUSES),
            "overdue": len(late),
            "total": sum(1 for a in actions if a["status"] != "cancelled"),
        },
    }


def timeline(shown: list[dict[str, Any]], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shown events, each with its offset ("T+") from the request's arrival (else the first event)."""
    if not shown:
        return []
    starts = [e for e in events if e["milestone"] == "request_received"]
    start = datetime.fromisoformat((starts or events)[0]["at"])
    rows, last_day = [], None
    for event in shown:
        at = datetime.fromisoformat(event["at"])
        elapsed = (at - start).total_seconds()
        rows.append(
            {
                **event,
                "t_plus": ("T+" if elapsed >= 0 else "T") + format_duration(elapsed).lstrip("-"),
                "new_day": at.date() != last_day,
            }
        )
        last_day = at.date()
    return rows


def deviation_steps(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Workflow steps where the case deviated, in order: how often, and when first."""
    out: dict[str, dict[str, Any]] = {}
    for event in timeline(events, events):
        if event["deviation"]:
            entry = out.setdefault(
                event["step"], {"step": event["step"], "count": 0, "t_plus": event["t_plus"]}
            )
            entry["count"] += 1
    return list(out.values())


def procedure(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Training points grouped by workflow step, in the order the case met them."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for point in case["training"]["points"]:
        groups.setdefault(point["step"], []).append(point)
    return [{"step": step, "points": points} for step, points in groups.items()]


def scope(data: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Each data category in play, with whether it was requested, authorised, produced, at risk."""
    seen: list[str] = []
    keys = ("requested", "authorised", "produced", "lost", "at_risk")
    for key in keys:
        seen += [c for c in data[key] if c not in seen]
    return [
        {
            "category": c,
            **{key: c in data[key] for key in keys},
            "beyond_authority": c in data["produced"] and c not in data["authorised"],
        }
        for c in seen
    ]


def _clock(clock: dict[str, Any]) -> dict[str, Any]:
    return {
        **clock,
        "elapsed": format_duration(clock["elapsed_seconds"])
        + (" (to the day)" if clock["precision"] == "day" else ""),
        "target": format_duration(clock["target_seconds"]),
    }
