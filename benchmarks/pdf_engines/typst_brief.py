"""A prototype: the specialist brief laid out by Typst, from the same render context.

Not shipped: it lives under benchmarks/ so that docs/pdf-engines.md can
compare engines on the same content. The split mirrors the HTML brief's:
Python works out everything a template would need a filter or a loop with
state for (labels, dates, T+ offsets, the sanitised diagram SVG), here in
`typst_data`; the template (`specialist.typ`) only places it. Record text
reaches Typst as JSON strings through `sys.inputs`, and a string inserted
with `#value` is set as text, never parsed as markup: the Typst counterpart of
jinja's autoescaping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rca.render import formatting
from rca.render.brief import brief_view
from rca.render.html import diagram_view
from rca.render.registry import RenderInput

HERE = Path(__file__).parent
TEMPLATE = HERE / "specialist.typ"
FONT_PATHS = ["/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/dejavu"]
TITLES = {
    "scenario": "The scenario",
    "timeline": "Timeline",
    "diagrams": "The case in diagrams",
    "procedure": "The correct procedure",
    "red_flags": "Red flags",
    "why_chains": "Why-chains",
    "lessons": "Lessons",
    "similar_cases": "Similar cases",
    "knowledge_check": "Knowledge check",
    "answer_key": "Answer key",
}


def typst_data(data: RenderInput) -> dict[str, Any]:
    """What specialist.typ reads: the audience's context with every filter already applied."""
    context = data.context
    labels = context["labels"]
    case, meta, audience = context["case"], context["meta"], context["audience"]
    brief = brief_view(context)

    def label(code: str | None) -> str:
        return formatting.label(labels, code)

    esc = case["escalation"]
    return {
        "meta": meta,
        "audience": {"id": audience["id"], "title": audience["title"]},
        "sections": [{"id": s, "title": TITLES.get(s, s)} for s in audience["brief"]["sections"]],
        "facts": [
            label(esc["severity"]),
            label(esc["process_type"]),
            f"v{meta['version']}, {label(case['review']['status']).lower()}",
            f"As of {formatting.day(meta['as_of'])}",
        ],
        "scenario": {
            "summary": esc["summary"],
            "pairs": [
                [
                    "Legal process",
                    ", ".join(
                        label(p) for p in [esc["process_type"], *esc["additional_process_types"]]
                    ),
                ],
                ["Triage", label(esc["triage_class"])],
                [
                    "Requester",
                    f"{label(esc['requester']['agency_type'])}, {esc['requester']['jurisdiction']}"
                    + (f" ({esc['requester']['agency']})" if esc["requester"]["agency"] else ""),
                ],
                [
                    "Addressed to",
                    esc["requester"]["addressed_to"]
                    + ("" if esc["requester"]["correct_entity"] else " (wrong legal entity)"),
                ],
                ["Detected by", label(esc["detected_by"])],
                ["Severity", label(esc["severity"])],
            ],
            "scope": [{**s, "category": label(s["category"])} for s in brief["scope"]],
            "problem": case["problem"]["statement"],
            "names": [
                {"shown_as": i["shown_as"], "what": i["label"] or label(i["kind"])}
                for i in case["identifiers"]["items"]
            ],
        },
        "timeline": {
            "deviations": brief["deviations"],
            "show_evidence": audience["detail"]["show_evidence"],
            "events": [
                {
                    "date": f"{formatting.weekday(e['at'])} {formatting.day(e['at'])}"
                    if e["new_day"]
                    else "",
                    "time": formatting.clock_time(e["at"]),
                    "tz": formatting.utc_offset(e["at"]),
                    "t_plus": e["t_plus"],
                    "step": label(e["step"]),
                    "milestone": label(e["milestone"]) if e["milestone"] else "",
                    "deviation": e["deviation"],
                    "actor": e["actor"],
                    "what": e["what"],
                    "expected": e["expected"] or "",
                    "evidence": ", ".join(e["evidence"] or []),
                }
                for e in brief["timeline"]
            ],
        },
        "diagrams": [
            {k: str(v) for k, v in diagram_view(d).items()} for d in data.diagrams.values()
        ],
        "procedure": [
            {
                "step": label(g["step"]) if g["step"] else "Throughout the case",
                "points": [{"point": p["point"], "policy": p["policy"] or ""} for p in g["points"]],
            }
            for g in brief["procedure"]
        ],
        "policies": [
            {
                "id": p["id"],
                "title": p["title"],
                "section": p["section"] or "",
                "summary": p["summary"] or "",
            }
            for p in case["policies"]
        ],
        "red_flags": case["training"]["red_flags"],
        "chains": [
            {
                "ref": c["id"] if c["declared"] else c["root"],
                "title": c["title"],
                "truncated": c["truncated"],
                "steps": [
                    _why(step, i, len(c["steps"]), c, brief["causes"], label)
                    for i, step in enumerate(c["steps"], 1)
                ],
            }
            for c in context["view"]["chains"]
        ],
        "lessons": case["lessons"],
        # None: not compared in this build; []: compared, nothing alike (as the HTML says).
        "similar": [{k: s[k] for k in ("case_id", "title", "reason")} for s in context["similar"]]
        if context.get("similar") is not None
        else None,
        "questions": [
            {
                "question": q["question"],
                "options": q["options"],
                "answer": q["answer"],
                "letter": chr(ord("A") + q["options"].index(q["answer"]))
                if q["answer"] in q["options"]
                else "",
                "explanation": q["explanation"] or "",
            }
            for q in case["training"]["knowledge_check"]
        ],
    }


def _why(
    step: str, index: int, count: int, chain: dict[str, Any], causes: dict[str, Any], label: Any
) -> dict[str, Any]:
    last = index == count
    cause = causes.get(step)
    return {
        "n": index + (chain["truncated"] if last else 0),
        "ref": step,
        "because": cause["statement"] if cause else step,
        "meta": f"{cause['category_label']} · {label(cause['status'])}" if cause else "",
        "root": last and chain["ends_at_root"],
    }


def render_typst(data: RenderInput, *, tagged: bool = True, ua: bool = True) -> bytes:
    """The specialist brief as a PDF, by Typst (PDF/UA-1 unless `ua` is off)."""
    import typst

    inputs = {"data": json.dumps(typst_data(data), ensure_ascii=False)}
    pdf: bytes = typst.compile(
        str(TEMPLATE),
        font_paths=FONT_PATHS,
        ignore_system_fonts=True,
        sys_inputs=inputs,
        pdf_standards=["ua-1"] if ua else [],
        pdf_tags=tagged,
    )
    return pdf
