"""The command line, as a user runs it: exit codes, output, no tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from rca.cli import cli

ROOT = Path(__file__).parent.parent

DATA = Path(__file__).parent / "data" / "load"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_validate_valid_record_exits_0() -> None:
    code, out = run("validate", str(DATA / "valid.yaml"))
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "1 record(s) checked: 1 valid"
    code, out = run("validate", str(ROOT / "case_reviews" / "ESC-0142.yaml"))  # schema v2
    assert code == 0, out
    assert out.strip() == "1 record(s) checked: 1 valid"


def test_validate_reports_every_file_then_exits_1() -> None:
    code, out = run("validate", str(DATA))
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[-1] == "8 record(s) checked: 1 valid, 7 invalid (7 problem(s))"
    assert all(line.startswith(str(DATA)) for line in lines[:-1])
    assert "Traceback" not in out


def test_validate_json_report() -> None:
    code, out = run("validate", "--format", "json", str(DATA / "wrong_type.yaml"))
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    (entry,) = report["files"]
    assert entry["problems"] == [
        {
            "path": str(DATA / "wrong_type.yaml"),
            "line": 26,
            "column": 22,
            "field": "impact.accounts_affected",
            "message": "expected a whole number; got 'several'",
        }
    ]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, out = run("validate", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "no such file or folder" in out
    code, _ = run("validate")
    assert code == 2
    code, _ = run("validate", "--format", "xml", str(DATA))
    assert code == 2
    code, out = run("new", "not an id")
    assert code == 2 and "is not a case id" in out
    code, out = run(
        "new", "ESC-0001", "--process-type", "subpena", "--out", str(tmp_path / "x.yaml")
    )
    assert code == 2 and "subpena" in out


def test_new_scaffolds_a_record_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "ESC-0500.yaml"
    code, out = run("new", "ESC-0500", "--process-type", "preservation", "--out", str(target))
    assert code == 0, out
    text = target.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert "process_type: preservation" in text and "triage_class: preservation" in text
    code, out = run("validate", str(target))
    assert code == 1  # an untouched scaffold is not a finished record
    assert (
        f"{target}:12:8: title: still the placeholder '<one line: what went wrong, in plain ...' from rca new; write the real text"
        in out
    )
    assert "(11 problem(s))" in out
    filled = re.sub(r'"?<([^<>\n]*)>"?', lambda m: '"' + m[1].replace(":", " -") + '"', text)
    target.write_text(filled)
    code, out = run("validate", str(target))
    assert code == 0, out
    target.write_text(text)
    # Never overwrite work by accident.
    code, out = run("new", "ESC-0500", "--out", str(target))
    assert code == 2 and "already exists" in out
    assert target.read_text() == text


def test_new_points_at_the_projects_schema_folder(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "case-review.schema.json").write_text("{}")
    (tmp_path / "cases").mkdir()
    target = tmp_path / "cases" / "ESC-0501.yaml"
    code, out = run("new", "ESC-0501", "--out", str(target))
    assert code == 0, out
    assert target.read_text().splitlines()[0] == (
        "# yaml-language-server: $schema=../schemas/case-review.schema.json"
    )


def test_new_writes_a_relative_modeline_and_the_schema_it_names(tmp_path: Path) -> None:
    (tmp_path / "rca.toml").write_text("")
    target = tmp_path / "2026" / "ESC-0502.yaml"
    code, out = run("new", "ESC-0502", "--out", str(target))
    assert code == 0, out
    assert target.read_text().splitlines()[0] == (
        "# yaml-language-server: $schema=../schemas/case-review.schema.json"
    )
    schema = tmp_path / "schemas" / "case-review.schema.json"
    assert schema.read_text() == (ROOT / "schemas" / "case-review.schema.json").read_text()


def test_new_says_what_a_case_id_looks_like(tmp_path: Path) -> None:
    code, out = run("new", "ohno-machine", "--out", str(tmp_path / "x.yaml"))
    assert code == 2
    assert out.strip() == (
        "rca: 'ohno-machine' is not a case id; expected something like ESC-0142: 2-10 capital "
        "letters or digits starting with a letter, a hyphen, then up to 20 capital letters, "
        "digits or hyphens"
    )


def test_schema_check_says_missing_when_the_file_is_missing(tmp_path: Path) -> None:
    code, out = run("schema", "--check", "--out", str(tmp_path / "nowhere"))
    assert code == 1
    assert out.strip() == (
        f"{tmp_path / 'nowhere' / 'case-review.schema.json'}: missing; "
        f"run `rca schema --out {tmp_path / 'nowhere'}`"
    )


def test_schema_writes_then_reports_up_to_date(tmp_path: Path) -> None:
    code, out = run("schema", "--out", str(tmp_path))
    assert code == 0, out
    schema = json.loads((tmp_path / "case-review.schema.json").read_text())
    assert schema["title"] == "CaseReview"
    code, out = run("schema", "--out", str(tmp_path), "--check")
    assert code == 0 and "up to date" in out
    (tmp_path / "case-review.schema.json").write_text("{}")
    code, out = run("schema", "--out", str(tmp_path), "--check")
    assert code == 1 and "out of date" in out


def test_help_lists_every_command() -> None:
    code, out = run("--help")
    assert code == 0
    for command in cli.commands:
        assert command in out


def test_installed_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    rca = Path(sys.executable).parent / "rca"
    for bad in [huge, DATA / "alias_bomb.yaml", DATA / "python_tag.yaml", tmp_path / "none.yaml"]:
        proc = subprocess.run([str(rca), "validate", str(bad)], capture_output=True, text=True)
        assert proc.returncode in (1, 2), proc
        assert "Traceback" not in proc.stdout + proc.stderr
        assert str(bad) in proc.stdout + proc.stderr
