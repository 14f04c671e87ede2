"""Schema v1 -> v2: read in memory, rewritten by `rca migrate` with comments kept."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rca.analyse import analyse
from rca.audience import load_profiles
from rca.cli import cli
from rca.diff import diff_records, load_pair
from rca.load import LoadedRecord, check_record
from rca.migrate import migrate_text, source_version
from rca.render.context import build_context
from rca.yamlsafe import read_yaml

ROOT = Path(__file__).parent.parent
DATA = ROOT / "tests" / "data"
# The six bundled cases as last written in v1: git show 066e0b8:case_reviews/NAME, the
# parent of the migration commit (case_reviews/ holds them migrated, and edited since).
BUNDLED_V1 = sorted((DATA / "migrate").glob("*.yaml"))


def v1_records() -> list[Path]:
    """Every valid v1 record: the bundled cases' v1 copies and the tests' fixtures."""
    found = []
    for path in sorted(DATA.rglob("*.yaml")):
        located, problems = read_yaml(path)
        if located is None or problems or not isinstance(located.data, dict):
            continue
        loaded, problems = check_record(path)
        if loaded is not None and source_version(located.data) == 1:
            found.append(path)
    return found


V1 = v1_records()


def test_there_is_something_to_migrate() -> None:
    assert len(BUNDLED_V1) == 6
    assert len(V1) >= 45, V1


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@pytest.mark.parametrize("path", V1, ids=lambda p: str(p.relative_to(DATA)))
def test_migrate_round_trips_every_v1_record(path: Path, tmp_path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    migrated = migrate_text(text)
    target = tmp_path / path.name
    target.write_text(migrated, encoding="utf-8")
    before, _ = check_record(path)
    after, problems = check_record(target)
    assert problems == [] and after is not None and before is not None
    assert after.source_version == 2 and before.source_version == 1
    assert after.record == before.record  # lossless
    assert _comments(migrated) == _comments(text)  # every comment, in order
    # Lines that did not move are kept byte for byte (only mechanism: lines change form).
    moved = re.compile(r"^\s*(- )?(schema_version|requests|mechanisms|process_type|additional_process_types|triage_class|"
                       r"requester|agency_type|jurisdiction|agency|addressed_to|correct_entity|"
                       r"data|requested|authorised|produced|at_risk|mechanism):")  # fmt: skip
    kept = [line for line in text.splitlines() if not moved.match(line)]
    assert [line for line in migrated.splitlines() if not moved.match(line) and line] == [
        line for line in kept if line
    ]


def _context(loaded: LoadedRecord, audience: str) -> dict[str, object]:
    findings = analyse(loaded, today=None)
    context = build_context(loaded, findings, load_profiles()[audience], today=None)
    meta = dict(context["meta"])  # type: ignore[call-overload]
    for key in ("source", "source_sha", "generated"):  # the file itself differs
        meta.pop(key)
    found = dict(context["findings"])  # type: ignore[call-overload]
    # A finding's place in the file moves with the keys migrate moved; what it says does not.
    found["lint"] = [
        {k: v for k, v in f.items() if k not in ("line", "column", "path")} for f in found["lint"]
    ]
    return {**context, "meta": meta, "findings": found}


@pytest.mark.parametrize("path", BUNDLED_V1, ids=lambda p: p.name)
def test_outputs_of_a_migrated_record_match_its_v1_outputs(path: Path, tmp_path: Path) -> None:
    target = tmp_path / path.name
    target.write_text(migrate_text(path.read_text(encoding="utf-8")), encoding="utf-8")
    before, _ = check_record(path)
    after, _ = check_record(target)
    assert before is not None and after is not None
    for audience in ("leadership", "specialist"):
        assert _context(after, audience) == _context(before, audience)


def test_the_bundled_cases_are_the_migrated_v1_copies() -> None:
    for path in BUNDLED_V1:
        bundled, _ = check_record(ROOT / "case_reviews" / path.name)
        assert bundled is not None and bundled.source_version == 2


def test_rca_migrate_rewrites_in_place_and_says_so(tmp_path: Path) -> None:
    target = tmp_path / "ESC-0142.yaml"
    shutil.copy(DATA / "migrate" / "ESC-0142.yaml", target)
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(target)])
    assert result.exit_code == 0
    assert (
        f"{target}: note: schema_version 1 is deprecated; `rca migrate {target}` rewrites it as "
        "version 2, comments kept"
    ) in result.output
    result = runner.invoke(cli, ["migrate", "--check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == f"{target}: schema_version 1; run `rca migrate {target}`"
    result = runner.invoke(cli, ["migrate", str(tmp_path)])
    assert result.exit_code == 0 and result.output.strip() == f"migrated {target}"
    assert target.read_text().count("schema_version: 2") == 1
    result = runner.invoke(cli, ["migrate", "--check", str(tmp_path)])
    assert result.exit_code == 0
    assert result.output.strip() == "every record is on schema_version 2"
    result = runner.invoke(cli, ["validate", str(target)])
    assert "note:" not in result.output


# What each bundled case was edited in since its migration (rca diff of the
# migrated v1 copy against the bundled record): nothing else may differ. In
# f655f7b ESC-0163's A3 stopped addressing the requester's own input (RCA806),
# and ESC-0171 C7 and ESC-0178 C10 cite a log beside the interview (RCA803).
EDITED_SINCE = {
    "ESC-0142.yaml": [],
    "ESC-0157.yaml": [],
    "ESC-0163.yaml": [("actions", "changed", "A3", ["addresses"])],
    "ESC-0171.yaml": [("causes", "changed", "C7", ["evidence"])],
    "ESC-0178.yaml": [("causes", "changed", "C10", ["evidence"])],
    "ESC-0185.yaml": [],
}


@pytest.mark.parametrize("path", BUNDLED_V1, ids=lambda p: p.name)
def test_each_bundled_v1_record_migrates_to_the_bundled_case(path: Path, tmp_path: Path) -> None:
    target = tmp_path / path.name
    target.write_text(migrate_text(path.read_text(encoding="utf-8")), encoding="utf-8")
    old, new = load_pair(target, ROOT / "case_reviews" / path.name)
    changes = diff_records(old, new, load_profiles()["specialist"]).changes
    found = [(c.section, c.kind, c.id, [f.field for f in c.fields]) for c in changes]
    assert found == EDITED_SINCE[path.name]
