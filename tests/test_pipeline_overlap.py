"""A case's steps overlap (dot beside the decks, a Typst compile beside the next steps), yet
every error is the one the steps run in turn would raise, and nothing outlives a stopped case.

`rca.pipeline.render_case` starts every audience's diagrams in a background
thread and leaves a Typst compile running while it goes on. These tests stop a
case in each way it can stop while something runs beside it (dot failing, the
deck failing, both, the per-case time limit with dot or Typst still busy) and
check the error raised, that no thread or process of it is left, and that the
next build works.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rca.audience import select_profiles
from rca.errors import RcaError, TimeLimitError
from rca.load import LoadedRecord, load_records
from rca.pipeline import render_case, render_case_within
from rca.render import dot
from rca.render.registry import get_renderer, using_pdf_engine

ROOT = Path(__file__).parent.parent
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def loaded() -> LoadedRecord:
    (record,) = load_records([ROOT / "case_reviews" / "ESC-0142.yaml"])
    return record


def _children() -> set[int]:
    """Process ids of this process's live children."""
    pids: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return pids


@pytest.fixture
def nothing_left() -> Iterator[None]:
    """The test's builds leave no thread and no child process of theirs behind."""
    dot.clear_cache()
    threads, children = set(threading.enumerate()), _children()
    yield
    dot.clear_cache()
    assert set(threading.enumerate()) <= threads
    assert _children() <= children


def _use_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """Builds run this shell script as graphviz's `dot`."""
    script = tmp_path / "dot"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    monkeypatch.setattr(dot, "_dot_binary", lambda: str(script))


def _build(loaded: LoadedRecord, formats: list[str], **kwargs: Any) -> list[Any]:
    return render_case(loaded, select_profiles(["all"]), formats, today=TODAY, **kwargs)


@pytest.mark.usefixtures("nothing_left")
def test_a_dot_failure_ends_the_case_with_its_own_message(
    loaded: LoadedRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_dot(
        tmp_path, monkeypatch, "cat >/dev/null; echo 'Error: syntax error in line 3' >&2; exit 1"
    )
    with pytest.raises(RcaError, match=r"graphviz 'dot' failed on the \w+ diagram: Error: syntax"):
        _build(loaded, ["pptx", "html"])


@pytest.mark.usefixtures("nothing_left")
def test_the_earlier_step_s_error_wins_whichever_ran_first(
    loaded: LoadedRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The leadership deck runs while its diagrams are being drawn; run in turn,
    # the diagrams come first, so their error is the one raised.
    deck = get_renderer("pptx")

    def broken_deck(data: Any) -> bytes:
        raise RcaError("the deck failed")

    monkeypatch.setattr(deck, "render", broken_deck)
    with pytest.raises(RcaError, match="the deck failed"):
        _build(loaded, ["pptx", "html"])
    _use_dot(tmp_path, monkeypatch, "cat >/dev/null; echo 'Error: bad' >&2; exit 1")
    dot.clear_cache()  # the first build drew them
    with pytest.raises(RcaError, match="graphviz 'dot' failed"):
        _build(loaded, ["pptx", "html"])


@pytest.mark.usefixtures("nothing_left")
def test_the_time_limit_stops_dot_running_beside_the_decks(
    loaded: LoadedRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_dot(tmp_path, monkeypatch, "exec sleep 60")
    started = time.monotonic()
    with pytest.raises(TimeLimitError) as caught:
        render_case_within(
            loaded, select_profiles(["all"]), ["pptx", "html"], today=TODAY, seconds=1.0
        )
    # Stopped at the limit (dot killed), not when dot's own 30 s timeout ran out.
    assert time.monotonic() - started < 10
    assert "stopped after 1 s while" in str(caught.value)
    assert "the per-case time limit" in str(caught.value)
    assert caught.value.exit_code == 4
    monkeypatch.undo()
    assert _build(loaded, ["html"])  # the next build works


def test_the_time_limit_ends_a_typst_compile_left_running(
    loaded: LoadedRecord, tmp_path: Path
) -> None:
    from rca.render import typst

    slow = tmp_path / "briefs" / "typst" / "brief.typ"
    slow.parent.mkdir(parents=True)
    # Slow, in little memory (range(10**9) would build a list past the child's memory cap).
    slow.write_text("#let n = 0\n#for i in range(100000) { for j in range(100000) { n += 1 } }\n")
    with using_pdf_engine("typst"):
        worker = get_renderer("pdf")._worker  # type: ignore[attr-defined]
        worker.start()  # warm before the count of processes
        busy = worker._proc.pid
        threads, children = set(threading.enumerate()), _children()
        with pytest.raises(TimeLimitError, match=r"while rendering leadership\.pdf"):
            render_case_within(
                loaded,
                select_profiles(["all"]),
                ["pdf", "html"],
                today=TODAY,
                template_dirs=(tmp_path,),
                seconds=2.0,
            )
        # The busy worker was killed (its late answer must not reach the next brief).
        assert busy not in typst.worker_pids()
        assert set(threading.enumerate()) <= threads
        assert _children() <= children
        built = _build(loaded, ["pdf"])
    pdfs = [a for a in built if a.name.endswith(".pdf")]
    assert [a.name for a in pdfs] == ["leadership.pdf", "specialist.pdf"]
    assert all(a.data.startswith(b"%PDF-") for a in pdfs)


@pytest.mark.usefixtures("nothing_left")
def test_steps_in_turn_give_the_same_files_and_the_same_errors(
    loaded: LoadedRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batch workers run each case's steps in turn (their workers fill the cores).
    from rca import pipeline

    overlapped = {a.name: a.data for a in _build(loaded, ["pptx", "pdf", "html"])}
    monkeypatch.setattr(pipeline, "OVERLAP", False)
    dot.clear_cache()
    in_turn = _build(loaded, ["pptx", "pdf", "html"])
    assert [a.name for a in in_turn] == list(overlapped)
    assert all(a.data == overlapped[a.name] for a in in_turn)
    monkeypatch.setattr(get_renderer("pptx"), "render", lambda data: 1 / 0)
    _use_dot(tmp_path, monkeypatch, "cat >/dev/null; echo 'Error: bad' >&2; exit 1")
    dot.clear_cache()
    with pytest.raises(RcaError, match="graphviz 'dot' failed"):
        _build(loaded, ["pptx", "html"])
