"""Batch builds: the cache, failure isolation, the summary, and `rca watch`'s refresh."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from rca.audience import select_profiles
from rca.batch import BuildPlan, build_many
from rca.cli import cli
from rca.errors import RecordError
from rca.preview import refresh, watch_case

ROOT = Path(__file__).parent.parent
TODAY = date(2026, 11, 25)


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in ("ESC-0142.yaml", "ESC-0178.yaml"):
        shutil.copy(ROOT / "case_reviews" / name, folder / name)
    return folder


def plan(out: Path, formats: tuple[str, ...] = ("html",)) -> BuildPlan:
    return BuildPlan(tuple(select_profiles(["all"])), formats, out, TODAY, ())


def test_second_build_is_served_from_the_cache(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build_many([cases], plan(out), jobs=1)
    assert [o.status for o in first] == ["built", "built"]
    assert (out / "ESC-0142" / "leadership.html").is_file()
    assert (out / "ESC-0142" / "diagrams" / "specialist-fishbone.svg").is_file()
    assert not (out / "ESC-0142" / "diagrams" / "specialist-fishbone.png").exists()  # HTML only
    second = build_many([cases], plan(out), jobs=1)
    assert [o.status for o in second] == ["cached", "cached"]
    assert second[0].files == first[0].files


def test_a_changed_record_or_option_rebuilds_only_what_changed(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_many([cases], plan(out), jobs=1)
    record = cases / "ESC-0178.yaml"
    record.write_text(record.read_text().replace("title: ", "title: Edited ", 1))
    outcomes = build_many([cases], plan(out), jobs=1)
    assert {o.case_id: o.status for o in outcomes} == {"ESC-0142": "cached", "ESC-0178": "built"}
    # Another day can change which actions are overdue: everything is rebuilt.
    later = BuildPlan(plan(out).profiles, ("html",), out, date(2027, 6, 1), ())
    assert {o.status for o in build_many([cases], later, jobs=1)} == {"built"}


def test_a_deleted_output_is_rebuilt(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_many([cases], plan(out), jobs=1)
    (out / "ESC-0142" / "leadership.html").unlink()
    outcomes = build_many([cases], plan(out), jobs=1)
    assert {o.case_id: o.status for o in outcomes}["ESC-0142"] == "built"


def test_one_failing_case_never_stops_the_others(cases: Path, tmp_path: Path) -> None:
    (cases / "broken.yaml").write_text("case_id: [unclosed\n")
    out = tmp_path / "out"
    outcomes = build_many([cases], plan(out), jobs=2)
    status = {Path(o.source).name: o.status for o in outcomes}
    assert status == {"ESC-0142.yaml": "built", "ESC-0178.yaml": "built", "broken.yaml": "failed"}
    (failed,) = [o for o in outcomes if o.status == "failed"]
    assert failed.error is not None and "broken.yaml:2:1: YAML syntax error" in failed.error
    manifest = json.loads((out / ".rca-cache.json").read_text())
    assert len(manifest["cases"]) == 2  # the failure is not cached


def test_duplicate_case_ids_fail_the_later_file(cases: Path, tmp_path: Path) -> None:
    shutil.copy(cases / "ESC-0142.yaml", cases / "ZZ-copy.yaml")
    outcomes = build_many([cases], plan(tmp_path / "out"), jobs=1)
    (failed,) = [o for o in outcomes if o.status == "failed"]
    assert failed.source.endswith("ZZ-copy.yaml")
    assert failed.error is not None and "also used by" in failed.error


def test_build_command_summarises_and_exits_1_on_a_failure(cases: Path, tmp_path: Path) -> None:
    (cases / "broken.yaml").write_text("case_id: [unclosed\n")
    summary = tmp_path / "summary.json"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            str(cases),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "html",
            "--jobs",
            "1",
            "--today",
            "2026-11-25",
            "--summary-json",
            str(summary),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "3 case(s): 2 built, 0 cached, 1 failed" in result.output
    assert {o["status"] for o in json.loads(summary.read_text())} == {"built", "failed"}


def test_build_command_full_formats_for_one_case(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(ROOT / "case_reviews" / "ESC-0163.yaml", folder)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", str(folder), "--out", str(out), "--jobs", "1", "--today", "2026-11-25"]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (out / "ESC-0163").iterdir())
    assert names == [
        "diagrams",
        "leadership.html",
        "leadership.pdf",
        "leadership.pptx",
        "specialist.html",
        "specialist.pdf",
        "specialist.pptx",
    ]
    diagrams = sorted(p.name for p in (out / "ESC-0163" / "diagrams").iterdir())
    assert "leadership-fishbone.svg" in diagrams and "specialist-timeline.svg" in diagrams
    # svg + dot: decks draw their own diagrams as native shapes, nothing is rasterised
    assert len(diagrams) == 2 * 4 * 2 and not [d for d in diagrams if d.endswith(".png")]


def test_refresh_keeps_the_last_good_output_on_a_bad_save(tmp_path: Path) -> None:
    case = tmp_path / "ESC-0142.yaml"
    shutil.copy(ROOT / "case_reviews" / "ESC-0142.yaml", case)
    profiles = select_profiles(["leadership"])
    out = tmp_path / "out"
    (html,) = [
        p for p in refresh(case, profiles, out, ["html"], today=TODAY) if p.suffix == ".html"
    ]
    before = html.read_bytes()
    case.write_text(case.read_text().replace("severity: serious", "severity: dire"))
    with pytest.raises(RecordError, match=r"escalation\.severity"):
        refresh(case, profiles, out, ["html"], today=TODAY)
    assert html.read_bytes() == before


def test_watch_reports_each_refresh(tmp_path: Path) -> None:
    case = tmp_path / "ESC-0142.yaml"
    shutil.copy(ROOT / "case_reviews" / "ESC-0142.yaml", case)
    said: list[str] = []
    watch_case(
        case,
        select_profiles(["leadership"]),
        tmp_path / "out",
        formats=("html",),
        interval=0.05,
        today=TODAY,
        template_dirs=(),
        echo=said.append,
        max_refreshes=1,
    )
    assert len(said) == 1 and "refreshed" in said[0]
