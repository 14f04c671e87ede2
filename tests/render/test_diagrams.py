"""Diagrams: golden DOT, well-formed SVG, hostile text, a 60-cause case, alt text, the dot process."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from rca.errors import RcaError, TimeLimitError
from rca.render import dot
from rca.render.diagrams import render_diagrams
from rca.render.registry import Diagram

ContextFactory = Callable[..., dict[str, Any]]

NAMES = ("fishbone", "causal_graph", "why_chains", "timeline")
ROOT = Path(__file__).parent.parent.parent
DATA = ROOT / "tests" / "data" / "render"
SVG = "{http://www.w3.org/2000/svg}"
NODE_LINE = re.compile(r"  (n\d+) \[")
EDGE_LINE = re.compile(r"  (n\d+) -> (n\d+) \[")


def svg_texts(svg: str) -> str:
    """All the text an SVG shows, joined."""
    root = ET.fromstring(svg)
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


@pytest.fixture(scope="module")
def small(render_context: ContextFactory) -> dict[str, dict[str, Diagram]]:
    return {
        audience: render_diagrams(render_context("small", audience))
        for audience in ("specialist", "leadership")
    }


# --------------------------------------------------------------------------- golden DOT


@pytest.mark.parametrize("audience", ["specialist", "leadership"])
@pytest.mark.parametrize("name", NAMES)
def test_dot_matches_golden(
    small: dict[str, dict[str, Diagram]], golden: Any, audience: str, name: str
) -> None:
    golden(f"diagrams/{audience}-{name}.dot", small[audience][name].dot)


def test_every_diagram_is_there_with_its_title_and_size(
    small: dict[str, dict[str, Diagram]],
) -> None:
    diagrams = small["specialist"]
    assert list(diagrams) == list(NAMES)
    for name, diagram in diagrams.items():
        assert diagram.name == name
        assert diagram.title and diagram.alt
        assert diagram.png.startswith(b"\x89PNG\r\n\x1a\n")
        assert (diagram.width_px, diagram.height_px) == _png_size(diagram.png)
        # 144 dpi: the PNG is twice the SVG's size in points.
        width_pt = float(re.search(r'<svg width="([\d.]+)pt"', diagram.svg)[1])  # type: ignore[index]
        assert abs(diagram.width_px - 2 * width_pt) <= 4


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# --------------------------------------------------------------------------- SVG


def test_svg_is_well_formed_and_carries_no_comments_or_tooltips(
    small: dict[str, dict[str, Diagram]],
) -> None:
    for diagram in small["specialist"].values():
        root = ET.fromstring(diagram.svg)  # raises on malformed XML
        assert root.tag == f"{SVG}svg"
        assert "<!--" not in diagram.svg
        assert "<title>" not in diagram.svg
        assert "href" not in diagram.svg
        assert "<a " not in diagram.svg
        assert "font-family=\"'Liberation Sans', Arial, Helvetica, sans-serif\"" in diagram.svg


def test_svg_is_not_cropped_by_the_dpi_setting(small: dict[str, dict[str, Diagram]]) -> None:
    # graphviz 2.43 scales SVG content by dpi/72 but not its viewBox; tidy_svg undoes that.
    for diagram in small["specialist"].values():
        head = re.search(
            r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="0.00 0.00 ([\d.]+) ([\d.]+)"',
            diagram.svg,
        )
        assert head is not None
        assert float(head[1]) == pytest.approx(float(head[3]), abs=1)
        assert 'transform="scale(1 1)' in diagram.svg


# --------------------------------------------------------------------------- hostile text

HOSTILE = [
    '"]; x [label="pwn',
    "<b>bold</b> & <i>",
    "first line\nsecond line\r\nthird",
    "backslash \\N \\G \\E \\L \\ end",
    "שלום עולם right-to-left",
    "emoji 🔥🚓 done",
    "--> comment <!-- close ]]> cdata",
    "\u202eoverride\u202c and \x07bell",
]


def _poison(context: dict[str, Any]) -> dict[str, Any]:
    """Every record string the diagrams show, replaced with hostile text."""
    ctx = copy.deepcopy(context)
    findings, case = ctx["findings"], ctx["case"]
    findings["problem"] = " ".join(HOSTILE)
    for i, cause in enumerate(findings["causes"]):
        cause["statement"] = HOSTILE[i % len(HOSTILE)]
        cause["category_label"] = HOSTILE[(i + 1) % len(HOSTILE)]
    for chain in findings["chains"]:
        chain["question"] = HOSTILE[0]
    for i, event in enumerate(case["timeline"]):
        event["what"] = HOSTILE[i % len(HOSTILE)]
        event["actor"] = HOSTILE[(i + 2) % len(HOSTILE)]
        event["expected"] = HOSTILE[(i + 3) % len(HOSTILE)]
    for action in case["actions"]:
        action["title"] = HOSTILE[0]
        action["owner"] = HOSTILE[1]
    return ctx


def test_hostile_text_is_escaped_and_dot_does_not_fail(render_context: ContextFactory) -> None:
    diagrams = render_diagrams(_poison(render_context("small", "specialist")))
    for diagram in diagrams.values():
        lines = diagram.dot.splitlines()
        # Structure untouched: every statement is a node, an edge or code-written structure.
        for line in lines[4:-1]:
            assert (
                NODE_LINE.match(line)
                or EDGE_LINE.match(line)
                or line.startswith(
                    ("  {", "  }", "  subgraph cluster_", "    graph [", "  graph [")
                )
            ), line
        assert '"]; x [label="pwn' not in diagram.dot
        assert "&quot;]; x [label=&quot;pwn" in diagram.dot
        assert "<b>bold" not in diagram.dot and "&lt;b&gt;bold" in diagram.dot
        assert "\u202e" not in diagram.dot and "\x07" not in diagram.dot
        root = ET.fromstring(diagram.svg)
        assert not any(el.tag.endswith("}b") for el in root.iter())
        shown = svg_texts(diagram.svg)
        if diagram.name != "why_chains":  # the ladders show only what chains reach
            assert "pwn" in shown
        assert "<!--" not in diagram.svg


def test_hostile_text_keeps_its_characters(render_context: ContextFactory) -> None:
    diagrams = render_diagrams(_poison(render_context("small", "specialist")))
    shown = svg_texts(diagrams["fishbone"].svg) + svg_texts(diagrams["timeline"].svg)
    assert "<b>bold</b> & <i>" in shown  # escaped in DOT, shown as typed
    assert "\\N \\G" in shown  # not expanded to node or graph names
    assert "שלום עולם" in shown
    assert "🔥" in shown
    assert "first line second line" in shown  # newlines we did not add are gone


def test_node_ids_are_opaque(small: dict[str, dict[str, Diagram]]) -> None:
    for diagram in small["specialist"].values():
        ids = NODE_LINE.findall(diagram.dot)
        assert ids == [f"n{i}" for i in range(len(ids))]
        for source, target in EDGE_LINE.findall(diagram.dot):
            assert source in ids and target in ids
        assert not re.search(r"\b(URL|href|tooltip|id)=", diagram.dot)


def test_attribute_values_refuse_text() -> None:
    with pytest.raises(ValueError, match="unsafe DOT attribute"):
        dot.attrs(color='red"; x [label="pwn')


def test_wrap_truncates_and_cleans() -> None:
    lines = dot.wrap("word " * 100, 30, 3)
    assert len(lines) == 3 and lines[-1].endswith("\u2026")
    assert all(len(line) <= 30 for line in lines)
    assert dot.wrap("a\nb\tc\u202ed\x00e", 30, 2) == ["a b c d e"]
    assert dot.wrap("x" * 80, 30, 2) == ["x" * 30, "x" * 29 + "\u2026"]


# --------------------------------------------------------------------------- content


def test_fishbone_draws_every_category_and_nests_sub_causes(
    small: dict[str, dict[str, Diagram]], render_context: ContextFactory
) -> None:
    from rca.render.diagrams import _bones

    fishbone = small["specialist"]["fishbone"].dot
    for label in (
        "Process &amp; policy (4)",
        "Tools &amp; systems (2)",
        "Environment &amp; external",
    ):
        assert label in fishbone
    # A category without causes is named in the legend, not drawn as a bone.
    assert "People (0)" not in fishbone and "No causes found in: " in fishbone
    context = render_context("small")
    rows = {b.cat: [(r.prefix, r.depth) for r in b.rows] for b in _bones(context)}
    assert rows["process_policy"] == [("C3", 0), ("C5", 1), ("C6", 2), ("C7", 3)]
    assert rows["tools_systems"] == [("C2", 0), ("C4", 1)]
    assert rows["people"] == []


def test_causal_graph_draws_and_groups_and_actions(small: dict[str, dict[str, Diagram]]) -> None:
    graph = small["specialist"]["causal_graph"].dot
    assert graph.count(">AND<") == 1
    # Actions are named on the causes they fix, not drawn as boxes of their own.
    assert 'shape="note"' not in graph
    assert "Fixed by A1" in graph and "A2" in graph
    assert 'style="dashed"' in graph  # C6 -> C5 is a hypothesis
    assert "Root cause" in graph and "Outside our control" in graph


def test_why_chains_respect_the_audience_depth(small: dict[str, dict[str, Diagram]]) -> None:
    leadership = small["leadership"]["why_chains"]
    specialist = small["specialist"]["why_chains"]
    # The same cut as the deck and the brief (context["view"]["chains"]): the first three
    # whys, an ellipsis for the one left out, then the root cause with its own number.
    assert "Why 3 \u00b7 C5" in leadership.dot and "1 more why " in leadership.dot
    assert "Why 4 \u00b7" not in leadership.dot and "Why 5 \u00b7 C7" in leadership.dot
    assert "more why" not in specialist.dot and "Why 5 \u00b7 C7" in specialist.dot
    assert "cut to 4 steps" in leadership.alt and "ending at root cause C7" in leadership.alt


def test_why_chains_draw_the_views_chains(render_context: ContextFactory) -> None:
    context = render_context("small", "leadership")
    context["view"]["chains"] = context["view"]["chains"][1:]  # the view decides, not the diagram
    alt = render_diagrams(context)["why_chains"].alt
    assert alt.startswith("Why-chain ladders: 1 chain,")
    assert "W2 (" in alt and "W1 (" not in alt


def test_timeline_shows_milestones_and_deviations_for_leadership(
    small: dict[str, dict[str, Diagram]],
) -> None:
    assert "Triaged as an emergency." in small["specialist"]["timeline"].dot
    assert "Triaged as an emergency." not in small["leadership"]["timeline"].dot
    timeline = small["specialist"]["timeline"].dot
    assert "DEVIATION" in timeline and "Expected: The stated time" in timeline
    assert "Respond target 1h (due 2 Mar 10:00): missed by 30m" in timeline


def test_alt_texts_say_what_each_diagram_shows(small: dict[str, dict[str, Diagram]]) -> None:
    alt = {name: d.alt for name, d in small["specialist"].items()}
    assert alt["fishbone"].startswith("Fishbone diagram of 8 causes in 4 of 8 categories. ")
    assert "The problem: Subscriber information of the wrong account" in alt["fishbone"]
    assert "Largest category: Process & policy (4)." in alt["fishbone"]
    assert "No causes found in: People," in alt["fishbone"]
    assert alt["causal_graph"].startswith("Causal graph of 8 causes and 2 corrective actions")
    assert (
        "2 root causes, 5 contributing causes, 1 cause outside our control." in alt["causal_graph"]
    )
    assert "1 AND-group" in alt["causal_graph"]
    assert "2 chains" in alt["why_chains"] and "ending at root cause C7" in alt["why_chains"]
    assert alt["timeline"].startswith("Timeline of 6 events from 2 Mar 09:00 to 3 Mar 12:00")
    assert "Respond target 1h: missed by 30m." in alt["timeline"]
    for text in alt.values():
        assert "\n" not in text and ".." not in text


def test_a_case_with_nothing_to_draw_still_draws(render_context: ContextFactory) -> None:
    context = render_context(ROOT / "tests" / "data" / "load" / "valid.yaml")
    diagrams = render_diagrams(context)
    assert "no causes recorded yet" in diagrams["fishbone"].alt
    assert "none recorded" in diagrams["why_chains"].alt
    assert diagrams["timeline"].alt.startswith("Timeline of 1 event ")
    for diagram in diagrams.values():
        ET.fromstring(diagram.svg)


def test_every_bundled_case_renders(
    bundled_cases: list[Path], render_context: ContextFactory
) -> None:
    for path in bundled_cases:
        diagrams = render_diagrams(render_context(path, "leadership"))
        assert list(diagrams) == list(NAMES), path
        for diagram in diagrams.values():
            ET.fromstring(diagram.svg)


# --------------------------------------------------------------------------- a large case


def sixty_causes(tmp: Path) -> Path:
    """small.yaml with 60 causes in a tree (41 of them roots) and 9 actions."""
    record = yaml.safe_load((DATA / "small.yaml").read_text(encoding="utf-8"))
    cats = [
        "people",
        "process_policy",
        "tools_systems",
        "legal_process_requester",
        "data_identifiers",
        "legal_jurisdiction",
        "verification_measurement",
        "environment_external",
    ]
    words = [
        "intake",
        "checklist",
        "lookup",
        "tool",
        "requester",
        "time",
        "zone",
        "portal",
        "review",
        "queue",
        "policy",
    ]
    record["causes"] = [
        {
            "id": f"C{k}",
            "statement": f"Cause {k}: "
            + " ".join(words[(k * j) % len(words)] for j in range(1, 14)),
            "category": cats[(k * 5) % 8] if k % 4 else "process_policy",
            "leads_to": ["problem" if k <= 4 else f"C{(k - 1) // 3}"],
            "status": "verified" if k % 3 else "hypothesis",
        }
        for k in range(1, 61)
    ]
    record["why_chains"] = [{"id": "W1", "whys": ["C1", "C3", "C9", "C27"]}]
    record["actions"] = [
        {
            "id": f"A{i}",
            "title": f"Fix cause {i}",
            "addresses": [f"C{i}"],
            "type": "prevent",
            "mechanism": "forcing_function",
            "owner": "LER Tooling",
            "due": "2026-05-01",
        }
        for i in range(20, 61, 5)
    ]
    path = tmp / "sixty.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    return path


def test_sixty_causes_stay_legible(tmp_path: Path, render_context: ContextFactory) -> None:
    diagrams = render_diagrams(render_context(sixty_causes(tmp_path)))
    for diagram in diagrams.values():
        ET.fromstring(diagram.svg)
        assert diagram.width_px <= dot.MAX_INCHES * dot.DPI
        assert diagram.height_px <= dot.MAX_INCHES * dot.DPI
        assert len(diagram.png) < 4_000_000
    # Laid out at full size: no shrinking to fit, so text keeps its point size.
    for name in ("fishbone", "causal_graph"):
        assert 'transform="scale(1 1)' in diagrams[name].svg, name
    # The fishbone keeps each bone readable and says how many causes it left out.
    assert "more in this category" in diagrams["fishbone"].dot
    assert "Fishbone diagram of 60 causes" in diagrams["fishbone"].alt
    assert "(6 of " in diagrams["why_chains"].alt


# --------------------------------------------------------------------------- the dot process


def test_same_context_gives_the_same_bytes(render_context: ContextFactory) -> None:
    context = render_context("small", "specialist")
    dot.clear_cache()
    first = render_diagrams(context)
    dot.clear_cache()
    second = render_diagrams(context)
    for name in NAMES:
        assert first[name].dot == second[name].dot
        assert first[name].svg == second[name].svg
        assert first[name].png == second[name].png


def test_a_second_render_runs_no_dot(
    render_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = render_context("small", "specialist")
    render_diagrams(context)
    calls: list[object] = []
    real = subprocess.Popen

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    again = render_diagrams(context)
    assert calls == []
    assert list(again) == list(NAMES)


def test_dot_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RcaError, match=r"graphviz 'dot' not found; run scripts/setup.sh"):
        dot.draw("digraph G { missing_binary_test }")


def stuck_dot(tmp_path: Path) -> str:
    """A `dot` that never answers (it execs `sleep`, so killing it leaves nothing behind)."""
    script = tmp_path / "dot"
    script.write_text("#!/bin/sh\nexec sleep 60\n")
    script.chmod(0o755)
    return str(script)


def test_dot_timeout_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dot, "_dot_binary", lambda: stuck_dot(tmp_path))
    monkeypatch.setattr(dot, "TIMEOUT_SECONDS", 0.3)
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> Any:
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", recording)
    with pytest.raises(
        TimeLimitError, match=r"took longer than 0.3 s to lay out the fishbone diagram"
    ) as caught:
        dot.draw("digraph G { timeout_test }", name="fishbone")
    assert caught.value.exit_code == 4  # a limit, not a wrong record
    assert len(started) == 1 and started[0].returncode is not None  # killed and reaped


def test_dot_failure_is_a_clear_error() -> None:
    with pytest.raises(RcaError, match="graphviz 'dot' failed on the broken diagram"):
        dot.draw("digraph G { a -> }", name="broken")


def test_record_text_never_reaches_the_command_line(
    render_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []
    real = subprocess.Popen

    def recording(command: list[str], **kwargs: Any) -> Any:
        commands.append(command)
        return real(command, **kwargs)

    dot.clear_cache()
    monkeypatch.setattr(subprocess, "Popen", recording)
    render_diagrams(render_context("small", "specialist"))
    # One run a diagram, SVG and PNG together, after the causal graph's two trial
    # layouts (SVG only: the brief takes the one that prints larger).
    assert len(commands) == 6
    assert sum("-Tpng:cairo" in c for c in commands) == 4
    for command in commands:
        assert "-Tsvg" in command
        assert all("lookup" not in part and "Subscriber" not in part for part in command)
