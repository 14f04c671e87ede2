"""Decisions needed by leadership: each kind from a record built to need it; deck and brief agree.

The records are tests/data/render/settled.yaml (nothing to decide) with one
change each. The agreement tests render every bundled case's leadership deck,
HTML brief and PDF brief and read the asks back out of each file.
"""

from __future__ import annotations

import copy
import html
import io
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pptx import Presentation
from pptx.oxml.ns import qn
from pypdf import PdfReader

from rca.render.decisions import decisions, decisions_summary
from rca.render.formatting import day
from rca.render.html import HtmlRenderer
from rca.render.pptx import PptxRenderer
from rca.render.registry import RenderInput

TESTS = Path(__file__).parent.parent
# BaseLoader: every scalar stays text (YAML 1.1 would read the key `on:` as true), as rca reads it.
SETTLED = yaml.load(
    (TESTS / "data" / "render" / "settled.yaml").read_text(encoding="utf-8"), yaml.BaseLoader
)
DECK_CASE = TESTS / "data" / "decks" / "wrong_account.yaml"
TODAY = date(2026, 3, 10)  # as tests/render/conftest.py
BUNDLED_TODAY = date(2026, 11, 25)  # the day the bundled cases are analysed on in the docs

Build = Callable[..., dict[str, Any]]
ContextFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def settled(tmp_path: Path, render_context: ContextFactory) -> Iterator[Build]:
    """`build(change, today=..., audience=...)`: settled.yaml changed by `change(record)`, as a context."""

    def build(
        change: Callable[[dict[str, Any]], None] = lambda r: None,
        *,
        today: date = TODAY,
        audience: str = "leadership",
    ) -> dict[str, Any]:
        record = copy.deepcopy(SETTLED)
        change(record)
        path = tmp_path / "case.yaml"
        path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
        return render_context(path, audience, today)

    yield build


def kinds(context: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["kind"], d["subject"]) for d in context["decisions"]]


def action(record: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(a for a in record["actions"] if a["id"] == action_id)


def cause(record: dict[str, Any], cause_id: str) -> dict[str, Any]:
    return next(c for c in record["causes"] if c["id"] == cause_id)


# --------------------------------------------------------------------------- each kind


def test_a_settled_case_needs_no_decision(settled: Build) -> None:
    context = settled()
    assert context["decisions"] == []
    assert decisions_summary(context["decisions"]) == ""


def test_an_explicit_ask_is_listed_as_written(settled: Build) -> None:
    def ask(r: dict[str, Any]) -> None:
        r["decisions"] = [
            {
                "ask": "Approve the interim suspension of the fast path.",
                "detail": "The pilot skips legal review.",
                "decider": "Head of LER",
                "by": "2026-03-20",
            }
        ]

    (decision,) = settled(ask)["decisions"]
    assert decision == {
        "kind": "asked",
        "subject": "",
        "ask": "Approve the interim suspension of the fast path",
        "detail": "The pilot skips legal review.",
        "why": "The review asks the Head of LER to decide by 20 Mar 2026.",
        "refs": [],
        "decider": "Head of LER",
        "by": "2026-03-20",
    }
    later = settled(ask, today=date(2026, 3, 21))["decisions"][0]
    assert later["why"].endswith("That date has passed.")


def test_explicit_asks_come_first(settled: Build) -> None:
    def change(r: dict[str, Any]) -> None:
        del r["impact"]["regulatory_reportable"]
        r["review"]["status"] = "in_review"
        r["decisions"] = [
            {"ask": "Decide whether to notify the account holder"},
            {"ask": "Approve the interim suspension of the fast path"},
        ]

    context = settled(change)
    assert kinds(context) == [("asked", ""), ("asked", ""), ("regulatory", ""), ("sign_off", "")]
    assert context["decisions"][0]["detail"] == ""
    assert decisions_summary(context["decisions"]) == (
        "Decide whether to notify the account holder; approve the interim suspension of the fast path; "
        "decide whether the incident must be reported to a regulator; sign off the review."
    )


@pytest.mark.parametrize(
    ("reportable", "ask"),
    [
        (None, "Decide whether the incident must be reported to a regulator"),
        (True, "Confirm the regulatory notification and who sends it"),
    ],
)
def test_reportability_open_or_positive_is_a_decision(
    settled: Build, reportable: bool | None, ask: str
) -> None:
    def change(r: dict[str, Any]) -> None:
        r["impact"].pop("regulatory_reportable")
        if reportable is not None:
            r["impact"]["regulatory_reportable"] = reportable

    context = settled(change)
    assert kinds(context) == [("regulatory", "")]
    assert context["decisions"][0]["ask"] == ask


def test_overdue_is_judged_on_the_analysis_date(settled: Build) -> None:
    # A2 is in progress and due 2026-04-15; A1 (done) was due 2026-03-31.
    assert settled(today=date(2026, 4, 15))["decisions"] == []
    context = settled(today=date(2026, 4, 16))
    assert kinds(context) == [("overdue", "A2")]
    (late,) = context["decisions"]
    assert late["refs"] == ["A2"]
    assert (
        late["detail"] == "Owner LER Operations; due 15 Apr 2026; still in progress on 16 Apr 2026."
    )
    assert context["meta"]["today"] == "2026-04-16"
    assert context["view"]["overdue"] == ["A2"]


def test_a_root_cause_without_action_is_a_decision(settled: Build) -> None:
    context = settled(lambda r: action(r, "A2").update(addresses=["C1"]))  # C3 loses its action
    assert kinds(context) == [("uncovered", "C3")]
    (decision,) = context["decisions"]
    # Named in words; the id stays a badge in the reason and the references.
    assert decision["ask"].startswith("Decide how to address \u201c")
    assert "C3" not in decision["ask"] and decision["refs"] == ["C3"]
    assert decision["why"].startswith("This root cause (C3) has no corrective action yet")


@pytest.mark.parametrize("missing", ["owner", "due"])
def test_an_open_action_without_owner_or_date_is_a_decision(settled: Build, missing: str) -> None:
    context = settled(lambda r: action(r, "A2").pop(missing))
    assert kinds(context) == [("unassigned", "A2")]
    noun = {"owner": "an owner", "due": "a due date"}[missing]
    assert context["decisions"][0]["ask"].startswith(f"Assign {noun} to the action \u201c")
    assert "A2" not in context["decisions"][0]["ask"]
    # A finished action needs neither.
    assert settled(lambda r: action(r, "A1").pop(missing))["decisions"] == []


def test_a_planned_system_change_is_a_decision_to_resource(settled: Build) -> None:
    def planned(r: dict[str, Any]) -> None:
        action(r, "A1").update(status="planned")
        action(r, "A1").pop("completed_on")

    context = settled(planned)
    assert kinds(context) == [("resource", "A1")]
    assert context["decisions"][0]["ask"] == (
        "Approve and resource the action \u201cMake the lookup tool refuse a time without a zone\u201d"
    )
    # Planned but not a system change (a checklist), or not yet owned: no resourcing ask.
    assert settled(lambda r: action(r, "A2").update(status="planned"))["decisions"] == []

    def planned_unowned(r: dict[str, Any]) -> None:
        planned(r)
        action(r, "A1").pop("owner")

    assert kinds(settled(planned_unowned)) == [("unassigned", "A1")]


def test_an_unverified_root_cause_is_a_decision(settled: Build) -> None:
    context = settled(lambda r: cause(r, "C3").update(status="hypothesis"))
    assert kinds(context) == [("verify", "C3")]
    assert context["decisions"][0]["why"].startswith("This root cause (C3) is still a hypothesis;")
    # Only root causes: an unverified contributing cause asks nothing of leadership.
    assert settled(lambda r: cause(r, "C1").update(status="hypothesis"))["decisions"] == []


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_a_review_not_signed_off_is_a_decision(settled: Build, status: str) -> None:
    def change(r: dict[str, Any]) -> None:
        r["review"]["status"] = status
        r["review"]["sign_offs"] = [
            {"role": "Legal counsel", "on": "2026-03-09", "decision": "changes_requested"}
        ]

    context = settled(change)
    assert kinds(context) == [("sign_off", "")]
    assert context["decisions"][0]["detail"].endswith(
        "changes requested by Legal counsel (9 Mar 2026)."
    )


def test_the_deck_case_in_the_documented_order(render_context: ContextFactory) -> None:
    context = render_context(DECK_CASE, "leadership")
    assert kinds(context) == [
        ("regulatory", ""),  # reportability not determined
        ("overdue", "A1"),  # due 2026-04-25, open on the analysis date 2026-05-11
        ("unassigned", "A2"),  # no owner, no due date
        ("resource", "A3"),  # a planned automation
        ("verify", "C3"),  # a root cause still a hypothesis
        ("sign_off", ""),  # in review
    ]
    summary = decisions_summary(context["decisions"])
    assert summary.startswith(
        "Decide whether the incident must be reported to a regulator; unblock or re-plan the "
        "overdue action \u201c"
    )
    assert summary.endswith("sign off the review.")
    # Words, not ids: no action or cause id in the sentence leadership reads.
    assert not re.search(r"\b[AC]\d+\b", summary), summary


def test_every_decision_names_who_decides_and_by_when(render_context: ContextFactory) -> None:
    context = render_context(DECK_CASE, "leadership")
    today = date.fromisoformat(context["meta"]["today"])
    defaults = context["audience"]["decisions"]
    for d in context["decisions"]:
        assert d["decider"] and d["by"], d
        spec = defaults["kinds"].get(d["kind"], {})
        assert d["decider"] == spec.get("decider") or defaults["decider"]
        days = spec.get("within_days", defaults["within_days"])
        assert date.fromisoformat(d["by"]) == today + timedelta(days=days), d["kind"]


def test_an_explicit_ask_keeps_its_own_decider_and_date(settled: Build) -> None:
    def ask(r: dict[str, Any]) -> None:
        r["decisions"] = [
            {"ask": "Approve the fast path", "decider": "Legal counsel", "by": "2026-04-01"}
        ]

    (decision,) = settled(ask)["decisions"]
    assert (decision["decider"], decision["by"]) == ("Legal counsel", "2026-04-01")
    # One without either takes the profile's defaults.
    (bare,) = settled(lambda r: r.update(decisions=[{"ask": "Approve it"}]))["decisions"]
    assert bare["decider"] == "Head of LER" and bare["by"]


def test_decisions_are_computed_once_from_the_redacted_context(settled: Build) -> None:
    def ask(r: dict[str, Any]) -> None:
        r["decisions"] = [{"ask": "Decide whether to notify the holder of account 5550001111"}]

    context = settled(ask)
    assert context["decisions"][0]["ask"] == "Decide whether to notify the holder of the account"
    without = {k: v for k, v in context.items() if k != "decisions"}
    assert decisions(copy.deepcopy(without)) == context["decisions"]


def test_the_module_needs_no_renderer() -> None:
    code = (
        "import sys, rca.render.decisions, rca.render.context; "
        "sys.exit(bool({'pptx', 'weasyprint'} & set(sys.modules)))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --------------------------------------------------------------------------- the deck and the brief agree


def squash(text: str) -> str:
    """Text without whitespace or soft hyphens: PDF line breaks and slide wrapping do not matter."""
    return re.sub(r"[\s\u00ad]+", "", text)


def deck_asks(data: bytes) -> tuple[list[str], list[str]]:
    """The asks on the "Decisions needed" slides (their bold paragraphs), and the bottom line's asks."""
    prs = Presentation(io.BytesIO(data))
    asks: list[str] = []
    bottom: list[str] = []
    for slide in prs.slides:
        title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""
        for shape in slide.shapes:
            if not shape.has_text_frame or shape == slide.shapes.title:
                continue
            asking = False
            for p in shape.text_frame.paragraphs:
                runs = p._p.findall(qn("a:r"))
                bold = [
                    r.find(qn("a:rPr")) is not None and r.find(qn("a:rPr")).get("b") == "1"
                    for r in runs
                ]
                if title.startswith("Decisions needed") and runs and all(bold):
                    asks.append(p.text)
                if title.startswith("Bottom line"):
                    if p.text.startswith("Asked of leadership:"):
                        asking = True
                    elif asking:
                        bottom.append(p.text)
    return asks, bottom


def html_asks(text: str) -> tuple[list[str], str]:
    """The asks in the brief's decisions section, and the bottom line's ask."""
    section = text[text.index('id="sec-decisions"') :]
    section = section[: section.index("</section>")]
    asks = [
        html.unescape(a).removesuffix(".")
        for a in re.findall(r'<strong class="decision-title">(.*?)</strong>', section)
    ]
    bottom = re.search(r"<strong>Ask\.</strong>\s*(.*?)</li>\s*</ul>", text, re.DOTALL)
    assert bottom is not None
    return asks, re.sub(
        r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", bottom.group(1)))
    ).strip()


def pdf_decisions_text(data: bytes) -> str:
    """The PDF's text from the "Decisions needed" heading on."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text[text.rindex("Decisions needed") :]


@pytest.fixture(scope="module")
def bundled_leadership(
    bundled_cases: list[Path], render_context: ContextFactory, pdf_renderer: Any
) -> dict[str, dict[str, Any]]:
    """Each bundled case's leadership context, deck, HTML and PDF (no diagrams: they add nothing here)."""
    out = {}
    for case in bundled_cases:
        context = render_context(case, "leadership", BUNDLED_TODAY)
        data = RenderInput(context, {})
        out[case.stem] = {
            "context": context,
            "deck": PptxRenderer().render(data),
            "html": HtmlRenderer().render(data).decode("utf-8"),
            "pdf": pdf_renderer.render(data),
        }
    return out


def test_every_bundled_case_is_rendered(
    bundled_cases: list[Path], bundled_leadership: dict[str, dict[str, Any]]
) -> None:
    assert len(bundled_leadership) == len(bundled_cases) >= 6


@pytest.mark.parametrize(
    "case", ["ESC-0142", "ESC-0157", "ESC-0163", "ESC-0171", "ESC-0178", "ESC-0185"]
)
def test_deck_and_brief_list_the_same_asks(
    case: str, bundled_leadership: dict[str, dict[str, Any]]
) -> None:
    got = bundled_leadership[case]
    expected = [d["ask"] for d in got["context"]["decisions"]]
    summary = decisions_summary(got["context"]["decisions"])

    deck, deck_bottom = deck_asks(got["deck"])
    brief, brief_bottom = html_asks(got["html"])
    assert deck == brief == expected
    # The bottom lines lead with the first asks, each with who decides and by when.
    decisions = got["context"]["decisions"]
    if decisions:
        first = decisions[0]
        owner = f"{first['decider']}, by {day(first['by'])}"
        assert squash(deck_bottom[0]) == squash(f"{first['ask']}  {owner}")
        assert squash(f"{first['ask']}: {owner}") in squash(brief_bottom)
    else:
        assert deck_bottom == ["No decision is needed today; for information."]
        assert brief_bottom == "No decision is needed; the actions are on track."
    assert summary == "" or summary.endswith(".")

    # The PDF shows the same asks, in the same order (its list numbers are extracted apart).
    printed = squash(pdf_decisions_text(got["pdf"]))
    at = 0
    for ask in expected:
        found = printed.find(squash(f"{ask}."), at)
        assert found >= 0, (case, ask)
        at = found + 1
    if not expected:
        assert "None." in pdf_decisions_text(got["pdf"])


def test_explicit_asks_lead_for_the_cases_that_have_them(
    bundled_leadership: dict[str, dict[str, Any]],
) -> None:
    first = {
        case: got["context"]["decisions"][0]
        for case, got in bundled_leadership.items()
        if got["context"]["case"]["decisions"]
    }
    assert sorted(first) == ["ESC-0157", "ESC-0185"]
    assert all(d["kind"] == "asked" for d in first.values())
    assert first["ESC-0157"]["ask"].startswith(
        "Decide whether to notify the 17 counterpart account holders"
    )
